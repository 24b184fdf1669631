import { KMSClient } from '@aws-sdk/client-kms';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createCachedSecret } from '../../shared/config/component-secrets';
import { ENV } from '../../shared/config/env-schema';
import { loadConfig } from '../../shared/config/load-config';
import { createLogger, createMetrics } from '../../shared/log/observability';
import { signInStores, type OAuthDeps } from '../../shared/oauth/oauth-deps';
import { parseReturnToRules } from '../../shared/oauth/return-to';
import { createSessionTokens, sessionSigningKeyFrom } from '../../shared/oauth/session-token';
import { createSnsApi } from '../../shared/oauth/sns-api';
import { createComponentStores } from '../../shared/store/component-stores';
import { createDocumentClient } from '../../shared/store/document-client';
import { createComponentTokenReader } from '../../shared/token/component-token-reader';
import { createLambdaRefreshTrigger } from '../../shared/token/lambda-refresh-trigger';
import { createWechatHttp } from '../../shared/wechat/component-api';

/** Production wiring from the environment; fails at cold start naming every bad variable. */
export function createOAuthDepsFromEnv(env: Record<string, string | undefined> = process.env): OAuthDeps {
  const config = loadConfig(
    [
      ENV.componentAppid, ENV.tableName, ENV.kmsKeyId, ENV.refresherFunctionName, ENV.apiBase, ENV.apiTimeoutMs, ENV.openBase,
      ENV.sessionSecretArn, ENV.oauthCallbackUrl, ENV.oauthAllowedReturnTo, ENV.authorizerAppids, ENV.oauthCookieBinding,
      ENV.oauthStateTtlSec, ENV.oauthLoginCodeTtlSec, ENV.oauthSessionTtlSec,
    ],
    env,
  );
  const componentAppid = config[ENV.componentAppid];
  const now = Date.now;
  const stores = createComponentStores({
    dynamo: createDocumentClient(),
    kms: new KMSClient({}),
    tableName: config[ENV.tableName],
    kmsKeyId: config[ENV.kmsKeyId],
    componentAppid,
    now,
    loginCodeTtlMs: config[ENV.oauthLoginCodeTtlSec] * 1000,
  });
  const readSigningKey = createCachedSecret({ secretArn: config[ENV.sessionSecretArn], client: new SecretsManagerClient({}) }, sessionSigningKeyFrom);
  return {
    componentAppid,
    callbackUrl: config[ENV.oauthCallbackUrl],
    openBaseUrl: config[ENV.openBase],
    returnToRules: parseReturnToRules(config[ENV.oauthAllowedReturnTo]),
    configuredAuthorizers: new Set(config[ENV.authorizerAppids]),
    ...signInStores(stores, now),
    tokenReader: createComponentTokenReader({
      tokens: stores.tokens,
      requestRefresh: createLambdaRefreshTrigger({ functionName: config[ENV.refresherFunctionName], lambda: new LambdaClient({}) }),
    }),
    sns: createSnsApi(createWechatHttp({ baseUrl: config[ENV.apiBase], timeoutMs: config[ENV.apiTimeoutMs] })),
    getSessionTokens: async () => createSessionTokens({ signingKey: await readSigningKey(), componentAppid, ttlSec: config[ENV.oauthSessionTtlSec], now }),
    cookieBinding: config[ENV.oauthCookieBinding] === 'on',
    stateTtlMs: config[ENV.oauthStateTtlSec] * 1000,
    replayWindowMs: 300_000,
    now,
    logger: createLogger('h5-oauth'),
    metrics: createMetrics('h5-oauth'),
  };
}
