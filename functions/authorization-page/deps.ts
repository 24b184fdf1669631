import { setTimeout as delay } from 'node:timers/promises';
import { authorizationLinkKeyFrom, createAuthorizationLinks } from '../../shared/authorizer/authorization-link';
import type { AuthorizationPageDeps } from '../../shared/authorizer/authorization-page-deps';
import { createCachedSecret } from '../../shared/config/component-secrets';
import { ConfigError, loadConfig } from '../../shared/config/load-config';
import { ENV } from '../../shared/contract';
import { AUTHORIZER_CONFIG_KEYS, createAuthorizerRuntime } from '../../shared/runtime/authorizer-runtime';
import type { RuntimeOptions } from '../../shared/runtime/runtime-options';
import { createDocumentClient } from '../../shared/store/document-client';
import { createPreAuthCodeRate } from '../../shared/store/pre-auth-code-rate';

/**
 * How long the callback waits for an exchange another invocation holds (the push's worker job): 5 s in steps of
 * 250 ms, well inside API Gateway's 30 s and short enough that the administrator is not left staring at a blank tab.
 */
const CALLBACK_WAIT = { polls: 20, intervalMs: 250 };

/** Callbacks allowed per pre-auth code allowed, per minute: room for reloads of the result page. */
const CALLBACKS_PER_PRE_AUTH_CODE = 3;

/** Production wiring from the environment; fails at cold start naming every bad variable. */
export function createAuthorizationPageDepsFromEnv(options: RuntimeOptions = {}): AuthorizationPageDeps {
  const config = loadConfig(
    [
      ...AUTHORIZER_CONFIG_KEYS,
      'openBase',
      'mpBase',
      'authorizationPageUrl',
      'authorizationCallbackUrl',
      'authorizationLinkSecretArn',
      'authorizationPageMode',
      'preAuthCodesPerMinute',
    ],
    options.env,
  );
  // WeChat accepts the consent only when the page the administrator came from and the callback share the registered
  // authorization initiation domain (docs/wechat-protocol.md §4): a mismatch would fail every authorization.
  if (new URL(config.authorizationPageUrl).hostname !== new URL(config.authorizationCallbackUrl).hostname) {
    throw new ConfigError([
      `${ENV.authorizationPageUrl} and ${ENV.authorizationCallbackUrl} must be on the same host (the authorization initiation domain)`,
    ]);
  }
  const { componentAppid } = config;
  const { deps, runtime } = createAuthorizerRuntime(config, options, 'authorization-page');
  const { now, clients } = runtime;
  const rate = { dynamo: createDocumentClient(clients.dynamo), tableName: config.tableName, componentAppid, now };
  return {
    ...deps,
    pageMode: config.authorizationPageMode,
    links: createAuthorizationLinks({
      componentAppid,
      pageUrl: config.authorizationPageUrl,
      getKey: createCachedSecret(
        { secretArn: config.authorizationLinkSecretArn, client: clients.secretsManager, now },
        authorizationLinkKeyFrom,
      ),
      now,
    }),
    preAuthCodeRate: createPreAuthCodeRate({ ...rate, perMinute: config.preAuthCodesPerMinute }),
    callbackRate: createPreAuthCodeRate({
      ...rate,
      perMinute: config.preAuthCodesPerMinute * CALLBACKS_PER_PRE_AUTH_CODE,
      counter: 'callbacks',
    }),
    callbackUrl: config.authorizationCallbackUrl,
    mpBaseUrl: config.mpBase,
    openBaseUrl: config.openBase,
    callbackWait: CALLBACK_WAIT,
    sleep: options.sleep ?? ((ms) => delay(ms)),
  };
}
