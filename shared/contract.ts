/**
 * The contract between the CDK construct, the Lambda handlers and the local runtime: the names each side must agree
 * on, defined once. Dependency-free on purpose, so the CDK app imports no runtime code (STYLE.md, dependency
 * direction) and a handler bundle pulls in nothing from here but strings.
 */

/** WeChat appids are "wx" followed by 16 hex characters; any 16 letters or digits are accepted to be safe. */
export const APPID_PATTERN = /^wx[0-9A-Za-z]{16}$/;

/**
 * Environment variables, keyed by the config key that holds their value: each name is `WECHAT_` plus the key in
 * upper snake case (test/shared/contract.test.ts checks it). Values are names and ARNs, never secrets.
 */
export const ENV = {
  componentAppid: 'WECHAT_COMPONENT_APPID',
  secretArn: 'WECHAT_SECRET_ARN',
  apiBase: 'WECHAT_API_BASE',
  apiTimeoutMs: 'WECHAT_API_TIMEOUT_MS',
  apiMaxAttempts: 'WECHAT_API_MAX_ATTEMPTS',
  openBase: 'WECHAT_OPEN_BASE',
  mpBase: 'WECHAT_MP_BASE',
  tableName: 'WECHAT_TABLE_NAME',
  kmsKeyId: 'WECHAT_KMS_KEY_ID',
  refresherFunction: 'WECHAT_REFRESHER_FUNCTION',
  refreshMarginSec: 'WECHAT_REFRESH_MARGIN_SEC',
  refreshLeaseSec: 'WECHAT_REFRESH_LEASE_SEC',
  pushMaxSkewSec: 'WECHAT_PUSH_MAX_SKEW_SEC',
  authorizerAppids: 'WECHAT_AUTHORIZER_APPIDS',
  h5OAuthSessionSecretArn: 'WECHAT_H5_OAUTH_SESSION_SECRET_ARN',
  h5OAuthCallbackUrl: 'WECHAT_H5_OAUTH_CALLBACK_URL',
  h5OAuthAllowedReturnTo: 'WECHAT_H5_OAUTH_ALLOWED_RETURN_TO',
  h5OAuthCookieBinding: 'WECHAT_H5_OAUTH_COOKIE_BINDING',
  h5OAuthStateTtlSec: 'WECHAT_H5_OAUTH_STATE_TTL_SEC',
  h5OAuthLoginCodeTtlSec: 'WECHAT_H5_OAUTH_LOGIN_CODE_TTL_SEC',
  h5OAuthSessionTtlSec: 'WECHAT_H5_OAUTH_SESSION_TTL_SEC',
  authorizerJobsQueueUrl: 'WECHAT_AUTHORIZER_JOBS_QUEUE_URL',
  authorizerWorkerFunction: 'WECHAT_AUTHORIZER_WORKER_FUNCTION',
  authorizerRefreshMarginSec: 'WECHAT_AUTHORIZER_REFRESH_MARGIN_SEC',
  authorizerLeaseSec: 'WECHAT_AUTHORIZER_LEASE_SEC',
  authorizationPageUrl: 'WECHAT_AUTHORIZATION_PAGE_URL',
  authorizationCallbackUrl: 'WECHAT_AUTHORIZATION_CALLBACK_URL',
  authorizationLinkSecretArn: 'WECHAT_AUTHORIZATION_LINK_SECRET_ARN',
  authorizationPageMode: 'WECHAT_AUTHORIZATION_PAGE_MODE',
  preAuthCodesPerMinute: 'WECHAT_PRE_AUTH_CODES_PER_MINUTE',
} as const;

export type EnvKey = keyof typeof ENV;

/** The HTTP API's routes: what WeChat and browsers call. */
export const ROUTES = {
  /** The authorization event receive URL (授权事件接收URL): tickets and authorization events, POST. */
  pushEvents: '/wechat/component/events',
  h5OAuthStart: '/h5-oauth/start',
  h5OAuthCallback: '/h5-oauth/callback',
  h5OAuthSession: '/h5-oauth/session',
  /** The page an operator (or, in open mode, a merchant) opens to authorize an account: its host is the 授权发起页域名. */
  authorizationPage: '/authorize',
  /** Where WeChat sends the administrator back after consent, with `auth_code`. */
  authorizationCallback: '/authorize/callback',
} as const;

/**
 * The alias of the token refresher, and of the authorizer worker, that token readers invoke, and the only one IAM lets them invoke. Through it the
 * refresher accepts only reader requests; the schedule and operators invoke the unqualified function.
 */
export const REFRESHER_READER_ALIAS = 'reader';

/**
 * What a sealed value is for. Part of the KMS EncryptionContext, so a ciphertext cannot be opened as another kind, and
 * what IAM conditions (`kms:EncryptionContext:purpose`) use to confine each role to its own purposes.
 */
export const SEAL_PURPOSES = [
  'component_access_token',
  'component_verify_ticket',
  'authorization_event',
  'user_oauth_tokens',
  'authorizer_access_token',
  'authorizer_refresh_token',
  'authorization_code',
] as const;

export type SealPurpose = (typeof SEAL_PURPOSES)[number];

/**
 * The table's partitions, by who may touch them (IAM `dynamodb:LeadingKeys` confines roles to partitions and cannot
 * tell sort keys apart). A partition key is `PREFIX#{componentAppid}`, followed by `#…` for partitions that hold one
 * item each (`perItem`), which IAM matches with a trailing `#*`. README "Table design" lists every item.
 */
export const PARTITIONS = {
  ticket: { prefix: 'TICKET', perItem: false },
  token: { prefix: 'TOKEN', perItem: false },
  refresh: { prefix: 'REFRESH', perItem: false },
  events: { prefix: 'EVENTS', perItem: false },
  /** One item per authorizer: status, profile, refresh token and access token together (single conditional writes). */
  authorizers: { prefix: 'AUTHORIZER', perItem: true },
  /** One item per authorization code (by its sha256): what makes its exchange happen exactly once. */
  authorizationCodes: { prefix: 'AUTHCODE', perItem: true },
  /** Per-minute counters of pre-auth codes the authorization page created. */
  preAuthCodeRate: { prefix: 'PREAUTH_RATE', perItem: true },
  audit: { prefix: 'AUDIT', perItem: true },
  h5OAuthStates: { prefix: 'H5_OAUTH_STATE', perItem: true },
  loginCodes: { prefix: 'LOGIN_CODE', perItem: true },
  users: { prefix: 'USER', perItem: true },
  revokedSessions: { prefix: 'SESSION_REVOKED', perItem: true },
} as const;

export type PartitionName = keyof typeof PARTITIONS;

/** The partition key of an item: `PREFIX#{componentAppid}` and, for per-item partitions, `#` and the item's parts. */
export function partitionKey(name: PartitionName, componentAppid: string, ...itemParts: string[]): string {
  return [PARTITIONS[name].prefix, componentAppid, ...itemParts].join('#');
}

/** The `dynamodb:LeadingKeys` pattern (StringLike) matching every item of a partition of one component. */
export function partitionPattern(name: PartitionName, componentAppid: string): string {
  const base = `${PARTITIONS[name].prefix}#${componentAppid}`;
  return PARTITIONS[name].perItem ? `${base}#*` : base;
}

/**
 * The table's sparse global secondary indexes: an item is in an index only while it carries that index's key
 * attributes, so a Query reads just the items that need something, never a Scan.
 */
export const TABLE_INDEXES = {
  /** Work that is due: authorizer tokens to refresh and authorization codes to exchange, by due time. */
  due: {
    indexName: 'due',
    partitionKey: { name: 'dueKey', type: 'S' },
    sortKey: { name: 'dueAtMs', type: 'N' },
    projection: { include: ['expiresAtMs'] },
  },
  /** Authorizers by status, for counts (Select COUNT) and lists without a Scan. */
  status: {
    indexName: 'status',
    partitionKey: { name: 'statusKey', type: 'S' },
    sortKey: { name: 'pk', type: 'S' },
    projection: 'KEYS_ONLY',
  },
} as const;
