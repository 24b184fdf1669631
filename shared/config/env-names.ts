/**
 * Environment variable names shared by the handlers, the local runtime and the CDK construct: the one thing
 * infra/ shares with runtime code (STYLE.md, dependency direction). No imports, so the CDK app stays free of
 * runtime dependencies.
 */
/** WeChat appids are "wx" followed by 16 hex characters; we accept any 16 alphanumerics to be safe. */
export const APPID_PATTERN = /^wx[0-9A-Za-z]{16}$/;

/**
 * The token refresher's alias that token readers invoke, and the only one IAM lets them invoke. Through it the
 * refresher accepts only reader requests; the schedule and operators invoke the unqualified function.
 */
export const REFRESHER_READER_ALIAS = 'reader';

export const ENV = {
  componentAppid: 'WECHAT_COMPONENT_APPID',
  secretArn: 'WECHAT_SECRET_ARN',
  apiBase: 'WECHAT_API_BASE',
  tableName: 'WECHAT_TABLE_NAME',
  kmsKeyId: 'WECHAT_KMS_KEY_ID',
  refresherFunctionName: 'WECHAT_REFRESHER_FUNCTION',
  refreshMarginSec: 'REFRESH_MARGIN_SEC',
  leaseDurationSec: 'REFRESH_LEASE_SEC',
  pushMaxSkewSec: 'PUSH_MAX_SKEW_SEC',
  apiTimeoutMs: 'WECHAT_API_TIMEOUT_MS',
  openBase: 'WECHAT_OPEN_BASE',
  sessionSecretArn: 'WECHAT_SESSION_SECRET_ARN',
  oauthCallbackUrl: 'OAUTH_CALLBACK_URL',
  oauthAllowedReturnTo: 'OAUTH_ALLOWED_RETURN_TO',
  authorizerAppids: 'WECHAT_AUTHORIZER_APPIDS',
  oauthCookieBinding: 'OAUTH_COOKIE_BINDING',
  oauthStateTtlSec: 'OAUTH_STATE_TTL_SEC',
  oauthLoginCodeTtlSec: 'OAUTH_LOGIN_CODE_TTL_SEC',
  oauthSessionTtlSec: 'OAUTH_SESSION_TTL_SEC',
} as const;
