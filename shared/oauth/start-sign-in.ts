import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { APPID_PATTERN } from '../config/env-names';
import type { OAuthScope } from '../store/oauth-state-store';
import { buildAuthorizeUrl } from './authorize-url';
import type { OAuthDeps } from './oauth-deps';
import { OAuthError } from './oauth-errors';
import { randomAlphanumeric, sha256Hex } from './random-token';
import { matchReturnTo } from './return-to';

export const SCOPES: readonly OAuthScope[] = ['snsapi_base', 'snsapi_userinfo'];

/** The cookie that binds one sign-in to the browser that started it. `__Host-`: Secure, host-only, Path=/. */
export const bindingCookieName = (state: string): string => `__Host-wxo_${state}`;

export interface StartedSignIn {
  location: string;
  cookie?: { name: string; value: string; maxAgeSec: number };
}

/** GET /oauth/start: checks the request, stores a state and sends the browser to WeChat's authorize URL. */
export async function startSignIn(deps: OAuthDeps, query: Record<string, string | undefined>): Promise<StartedSignIn> {
  const { appid, scope, return_to: returnToParam } = query;
  if (!appid || !scope || !returnToParam) throw new OAuthError('BAD_REQUEST', 'appid, scope and return_to are required');
  if (!(SCOPES as readonly string[]).includes(scope)) throw new OAuthError('BAD_REQUEST', 'scope must be snsapi_base or snsapi_userinfo');
  const returnTo = matchReturnTo(returnToParam, deps.returnToRules);
  if (!returnTo) throw new OAuthError('RETURN_TO_NOT_ALLOWED', 'return_to is not on the allow-list');
  if (!(await isAllowedAuthorizer(deps, appid))) throw new OAuthError('UNKNOWN_AUTHORIZER', 'appid is not an authorizer of this platform');

  const state = randomAlphanumeric(32);
  const nowMs = deps.now();
  const browserSecret = deps.cookieBinding ? randomAlphanumeric(43) : null;
  await deps.states.create(
    {
      state,
      authorizerAppid: appid,
      scope: scope as OAuthScope,
      returnTo,
      bindingSha256: browserSecret ? sha256Hex(browserSecret) : null,
      createdAtMs: nowMs,
      expiresAtMs: nowMs + deps.stateTtlMs,
    },
    deps.replayWindowMs,
  );
  deps.metrics.addMetric('SignInsStarted', MetricUnit.Count, 1);
  deps.logger.info('sign-in started', { authorizerAppid: appid, scope });
  const location = buildAuthorizeUrl({
    openBaseUrl: deps.openBaseUrl,
    authorizerAppid: appid,
    redirectUri: deps.callbackUrl,
    scope: scope as OAuthScope,
    state,
    componentAppid: deps.componentAppid,
  });
  return browserSecret
    ? { location, cookie: { name: bindingCookieName(state), value: browserSecret, maxAgeSec: Math.ceil((deps.stateTtlMs + deps.replayWindowMs) / 1000) } }
    : { location };
}

/** Known and not revoked: a revocation (unauthorized event) wins over the configured list. */
async function isAllowedAuthorizer(deps: OAuthDeps, appid: string): Promise<boolean> {
  if (!APPID_PATTERN.test(appid)) return false;
  const status = await deps.authorizers.getAuthorizer(appid);
  if (status?.state === 'unauthorized') return false;
  return deps.configuredAuthorizers.has(appid) || status?.state === 'authorized';
}

/** The start URL that repeats a sign-in, for "try again" links. */
export function retryUrlFor(deps: Pick<OAuthDeps, 'startUrl'>, state: { authorizerAppid: string; scope: string; returnTo: string }): string {
  const url = new URL(deps.startUrl);
  url.searchParams.set('appid', state.authorizerAppid);
  url.searchParams.set('scope', state.scope);
  url.searchParams.set('return_to', state.returnTo);
  return url.href;
}
