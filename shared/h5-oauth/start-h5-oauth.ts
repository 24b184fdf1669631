import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { APPID_PATTERN } from '../contract';
import { sha256Hex } from '../crypto/digests';
import { secretRegistry } from '../log/redaction';
import type { OAuthScope } from '../store/h5-oauth-state-store';
import { buildAuthorizeUrl } from '../wechat/oauth-authorize-url';
import { bindingCookieName } from './browser-binding';
import type { H5OAuthDeps } from './h5-oauth-deps';
import { H5OAuthError } from './h5-oauth-errors';
import { readCodeChallenge } from './pkce';
import { randomAlphanumeric } from './random-token';
import { matchReturnTo } from './return-to';

export const SCOPES: readonly OAuthScope[] = ['snsapi_base', 'snsapi_userinfo'];

export interface StartedH5OAuth {
  location: string;
  cookie?: { name: string; value: string; maxAgeSec: number };
}

/** GET /h5-oauth/start: checks the request, stores a state and sends the browser to WeChat's authorize URL. */
export async function startH5OAuth(deps: H5OAuthDeps, query: Record<string, string | undefined>): Promise<StartedH5OAuth> {
  const { appid, scope, return_to: returnToParam } = query;
  if (!appid || !scope || !returnToParam) throw new H5OAuthError('BAD_REQUEST', 'appid, scope and return_to are required');
  if (!(SCOPES as readonly string[]).includes(scope)) throw new H5OAuthError('BAD_REQUEST', 'scope must be snsapi_base or snsapi_userinfo');
  const codeChallenge = readCodeChallenge(query);
  const returnTo = matchReturnTo(returnToParam, deps.returnToRules);
  if (!returnTo) throw new H5OAuthError('RETURN_TO_NOT_ALLOWED', 'return_to is not on the allow-list');
  if (!(await isAllowedAuthorizer(deps, appid)))
    throw new H5OAuthError('UNKNOWN_AUTHORIZER', 'appid is not an authorizer of this platform');

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
  deps.metrics.addMetric('H5OAuthStarted', MetricUnit.Count, 1);
  deps.logger.info('h5-oauth started', { authorizerAppid: appid, scope });
  const location = buildAuthorizeUrl({
    openBaseUrl: deps.openBaseUrl,
    authorizerAppid: appid,
    redirectUri: deps.callbackUrl,
    scope: scope as OAuthScope,
    state,
    componentAppid: deps.componentAppid,
  });
  return browserSecret
    ? {
        location,
        cookie: {
          name: bindingCookieName(state),
          value: browserSecret,
          maxAgeSec: Math.ceil((deps.stateTtlMs + deps.replayWindowMs) / 1000),
        },
      }
    : { location };
}

/**
 * Known and not revoked: configured, or authorized through the platform (an account whose token needs re-authorizing
 * still authorizes the platform, and H5 sign-in uses the component's token, not the account's). A revocation
 * (`unauthorized` event) wins over the configured list.
 */
async function isAllowedAuthorizer(deps: H5OAuthDeps, appid: string): Promise<boolean> {
  if (!APPID_PATTERN.test(appid)) return false;
  const found = await deps.authorizers.getStatus(appid);
  if (found?.status === 'revoked') return false;
  return deps.configuredAuthorizers.has(appid) || found?.status === 'authorized' || found?.status === 'needs_reauth';
}
