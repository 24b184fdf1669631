/**
 * Step 2 of H5 authorization on behalf of an official account (docs/wechat-protocol.md §5): the component
 * exchanges a code for a user access token, and refreshes it.
 */
import { Errcode, errorBody } from '../errcodes';
import { okJson, type SimRequest } from '../http-io';
import type { SimContext, SimRoute } from '../sim-context';
import type { CodeRedemption } from '../state/oauth-codes';
import type { IssuedUserToken } from '../state/oauth-user-tokens';
import { checkComponentAccessTokenParam } from './component-access-token';

/**
 * GET /sns/oauth2/component/access_token?appid&code&grant_type=authorization_code&component_appid&component_access_token.
 *
 * Checks run in this order: component token (41001, 40001, 42001), component_appid (61011), appid (41002),
 * grant_type (40002), code (41008 missing; 40029 unknown, for another appid or expired; 40163 used).
 * WeChat's global errcode table also lists 42003 "oauth_code timeout", but section 5 and what callers report
 * seeing for an expired code is 40029, so the simulator answers that: a client must treat both alike anyway.
 */
export const oauthAccessTokenRoute: SimRoute = {
  api: 'sns_component_access_token',
  method: 'GET',
  path: '/sns/oauth2/component/access_token',
  handle(request, ctx) {
    const params = request.url.searchParams;
    const paramError = checkCommonParams(request, ctx, 'authorization_code');
    if (paramError !== null) return okJson(errorBody(paramError));
    const code = params.get('code');
    if (!code) return okJson(errorBody(Errcode.CODE_MISSING));

    const authorizerAppid = params.get('appid') ?? '';
    const nowMs = ctx.now();
    const redemption = ctx.oauth.codes.redeem(code, authorizerAppid, nowMs);
    if (redemption.outcome !== 'ok') return okJson(errorBody(errcodeOf(redemption)));

    const issued = ctx.oauth.userTokens.issue(redemption.grant, nowMs);
    const user = ctx.oauth.users.find(issued.grant.userId);
    ctx.log(`sns_component_access_token: issued a ${issued.grant.scope} user token for authorizer ${authorizerAppid}`);
    return okJson({
      ...tokenBody(issued, ctx),
      // Section 5: unionid "where applicable"; here, for snsapi_userinfo and users bound to the Open Platform.
      ...(issued.grant.scope === 'snsapi_userinfo' && user?.unionid ? { unionid: user.unionid } : {}),
      ...(user?.isSnapshotUser ? { is_snapshotuser: 1 } : {}),
    });
  },
};

/**
 * GET /sns/oauth2/component/refresh_token?appid&grant_type=refresh_token&component_appid&component_access_token&refresh_token.
 *
 * Same first checks as the code exchange, then refresh_token (41003 missing; 40030 unknown, expired after
 * 30 days or for another appid). The global table's 42002 "refresh_token timeout" is not used, for the same
 * reason as 42003 above. Answers a new access token and the same refresh token.
 */
export const oauthRefreshTokenRoute: SimRoute = {
  api: 'sns_component_refresh_token',
  method: 'GET',
  path: '/sns/oauth2/component/refresh_token',
  handle(request, ctx) {
    const params = request.url.searchParams;
    const paramError = checkCommonParams(request, ctx, 'refresh_token');
    if (paramError !== null) return okJson(errorBody(paramError));
    const refreshToken = params.get('refresh_token');
    if (!refreshToken) return okJson(errorBody(Errcode.REFRESH_TOKEN_MISSING));

    const authorizerAppid = params.get('appid') ?? '';
    const issued = ctx.oauth.userTokens.refresh(refreshToken, authorizerAppid, ctx.now());
    if (!issued) return okJson(errorBody(Errcode.INVALID_REFRESH_TOKEN));
    ctx.log(`sns_component_refresh_token: refreshed a ${issued.grant.scope} user token for authorizer ${authorizerAppid}`);
    return okJson(tokenBody(issued, ctx));
  },
};

/** The component token, component_appid, appid and grant_type checks both routes share, in that order. */
function checkCommonParams(request: SimRequest, ctx: SimContext, grantType: string): number | null {
  const tokenError = checkComponentAccessTokenParam(request, ctx);
  if (tokenError !== null) return tokenError;
  const params = request.url.searchParams;
  if (params.get('component_appid') !== ctx.componentAppid) return Errcode.INVALID_COMPONENT;
  if (!params.get('appid')) return Errcode.APPID_MISSING;
  if (params.get('grant_type') !== grantType) return Errcode.INVALID_GRANT_TYPE;
  return null;
}

function errcodeOf(redemption: Exclude<CodeRedemption, { outcome: 'ok' }>): number {
  return redemption.outcome === 'used' ? Errcode.CODE_BEEN_USED : Errcode.INVALID_CODE;
}

function tokenBody(issued: IssuedUserToken, ctx: SimContext): Record<string, unknown> {
  const user = ctx.oauth.users.find(issued.grant.userId);
  return {
    access_token: issued.accessToken,
    expires_in: issued.expiresInSec,
    refresh_token: issued.refreshToken,
    openid: user?.openidFor(issued.grant.authorizerAppid) ?? '',
    scope: issued.grant.scope,
  };
}
