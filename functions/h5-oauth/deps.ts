import { LambdaClient } from '@aws-sdk/client-lambda';
import { createCachedSecret } from '../../shared/config/component-secrets';
import { loadConfig } from '../../shared/config/load-config';
import { type H5OAuthDeps, h5OAuthStores } from '../../shared/h5-oauth/h5-oauth-deps';
import { parseReturnToRules } from '../../shared/h5-oauth/return-to';
import { createSessionTokens, sessionSigningKeyFrom } from '../../shared/h5-oauth/session-token';
import { createLogger, createMetrics } from '../../shared/log/observability';
import { createComponentRuntime } from '../../shared/runtime/component-runtime';
import type { RuntimeOptions } from '../../shared/runtime/runtime-options';
import { createComponentStores } from '../../shared/store/component-stores';
import { createComponentTokenReader } from '../../shared/token/component-token-reader';
import { createLambdaRefreshTrigger } from '../../shared/token/lambda-refresh-trigger';
import { createWechatHttp } from '../../shared/wechat/component-api';
import { createSnsApi } from '../../shared/wechat/sns-api';

/** How long after its first use a callback may be replayed from the same browser (README, the h5-oauth contract). */
const REPLAY_WINDOW_MS = 300_000;

/** Production wiring from the environment; fails at cold start naming every bad variable. */
export function createH5OAuthDepsFromEnv(options: RuntimeOptions = {}): H5OAuthDeps {
  const config = loadConfig(
    [
      'componentAppid',
      'tableName',
      'kmsKeyId',
      'refresherFunction',
      'apiBase',
      'apiTimeoutMs',
      'apiMaxAttempts',
      'openBase',
      'authorizerAppids',
      'h5OAuthSessionSecretArn',
      'h5OAuthCallbackUrl',
      'h5OAuthAllowedReturnTo',
      'h5OAuthCookieBinding',
      'h5OAuthStateTtlSec',
      'h5OAuthLoginCodeTtlSec',
      'h5OAuthSessionTtlSec',
    ],
    options.env,
  );
  const { componentAppid } = config;
  const { now, sleep, clients, stores } = createComponentRuntime(config, options, {
    stores: createComponentStores,
    storeOptions: { loginCodeTtlMs: config.h5OAuthLoginCodeTtlSec * 1000 },
    clients: { lambda: () => new LambdaClient({}) },
  });
  const readSigningKey = createCachedSecret(
    { secretArn: config.h5OAuthSessionSecretArn, client: clients.secretsManager, now },
    sessionSigningKeyFrom,
  );
  return {
    componentAppid,
    callbackUrl: config.h5OAuthCallbackUrl,
    openBaseUrl: config.openBase,
    returnToRules: parseReturnToRules(config.h5OAuthAllowedReturnTo),
    configuredAuthorizers: new Set(config.authorizerAppids),
    ...h5OAuthStores(stores, now),
    tokenReader: createComponentTokenReader({
      tokens: stores.tokens,
      requestRefresh: createLambdaRefreshTrigger({ functionName: config.refresherFunction, lambda: clients.lambda }),
      now,
      sleep,
    }),
    sns: createSnsApi(
      createWechatHttp({ baseUrl: config.apiBase, timeoutMs: config.apiTimeoutMs, maxAttempts: config.apiMaxAttempts, sleep }),
    ),
    getSessionTokens: async () =>
      createSessionTokens({ signingKey: await readSigningKey(), componentAppid, ttlSec: config.h5OAuthSessionTtlSec, now }),
    cookieBinding: config.h5OAuthCookieBinding === 'on',
    stateTtlMs: config.h5OAuthStateTtlSec * 1000,
    replayWindowMs: REPLAY_WINDOW_MS,
    sleep,
    now,
    logger: createLogger('h5-oauth'),
    metrics: createMetrics('h5-oauth'),
  };
}
