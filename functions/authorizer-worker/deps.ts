import { authorizationLinkKeyFrom, createAuthorizationLinks } from '../../shared/authorizer/authorization-link';
import { createCachedSecret } from '../../shared/config/component-secrets';
import { loadConfig } from '../../shared/config/load-config';
import { AUTHORIZER_CONFIG_KEYS, createAuthorizerRuntime } from '../../shared/runtime/authorizer-runtime';
import type { RuntimeOptions } from '../../shared/runtime/runtime-options';
import type { AuthorizerWorkerDeps } from './app';

/** Production wiring from the environment; fails at cold start naming every bad variable. */
export function createAuthorizerWorkerDepsFromEnv(options: RuntimeOptions = {}): AuthorizerWorkerDeps {
  const config = loadConfig([...AUTHORIZER_CONFIG_KEYS, 'authorizationPageUrl', 'authorizationLinkSecretArn'], options.env);
  const { deps, runtime } = createAuthorizerRuntime(config, options, 'authorizer-worker');
  return {
    ...deps,
    // The link secret is read only when an operator asks for a link, never on the refresh path.
    authorizationLinks: createAuthorizationLinks({
      componentAppid: config.componentAppid,
      pageUrl: config.authorizationPageUrl,
      getKey: createCachedSecret(
        { secretArn: config.authorizationLinkSecretArn, client: runtime.clients.secretsManager, now: runtime.now },
        authorizationLinkKeyFrom,
      ),
      now: runtime.now,
    }),
  };
}
