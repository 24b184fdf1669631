import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { APPID_PATTERN } from '../config/env-names';
import { secretRegistry } from '../log/redaction';
import type { OAuthScope } from '../store/oauth-state-store';
import { buildAuthorizeUrl } from './authorize-url';
import type { OAuthDeps } from './oauth-deps';
import { OAuthError } from './oauth-errors';
import { readCodeChallenge } from './pkce';
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
  const codeChallenge = readCodeChallenge(query);
  const returnTo = matchReturnTo(returnToParam, deps.returnToRules);
  if (!returnTo) throw new OAuthError('RETURN_TO_NOT_ALLOWED', 'return_to is not on the allow-list');
  if (!(await isAllowedAuthorizer(deps, appid))) throw new OAuthError('UNKNOWN_AUTHORIZER', 'appid is not an authorizer of this platform');

  const state = randomAlphanumeric(32);
  const nowMs = deps.now();
  const browserSecret = deps.cookieBinding ? randomAlphanumeric(43) : null;
  if (browserSecret) secretRegistry.add(browserSecret);
  await deps.states.create(
    {
      state,
      authorizerAppid: appid,
      scope: scope as OAuthScope,
      returnTo,
      bindingSha256: browserSecret ? sha256Hex(browserSecret) : null,
      codeChallenge,
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

/**
 * Where "try again" leads: back to the page that started the sign-in (without a stale wx_login or wx_error), since
 * only that page can start a new one with a fresh PKCE verifier. A link straight to /oauth/start would have to
 * carry the old challenge, and show it to whichever browser sees the error page.
 */
export function retryUrlFor(state: { returnTo: string }): string {
  return withoutSignInResult(state.returnTo).href;
}

/** return_to without a stale wx_login or wx_error of an earlier round trip; otherwise its query text stays as it was. */
export function withoutSignInResult(returnTo: string): URL {
  const url = new URL(returnTo);
  if (url.searchParams.has('wx_login') || url.searchParams.has('wx_error')) {
    // Only then is the query re-serialised (`a%20b` would become `a+b`).
    url.searchParams.delete('wx_login');
    url.searchParams.delete('wx_error');
  }
  return url;
}
