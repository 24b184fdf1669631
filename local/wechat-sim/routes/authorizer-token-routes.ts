/**
 * The authorizer token APIs (docs/wechat-protocol.md §4): api_query_auth exchanges an authorization code once,
 * api_authorizer_token refreshes an authorizer_access_token with the account's refresh token.
 */
import { Errcode } from '../errcodes';
import { stringField } from '../http-io';
import { componentApiRoute } from './component-api-request';

/**
 * POST /cgi-bin/component/api_query_auth?component_access_token=T with `{component_appid, authorization_code}`.
 *
 * After the common checks (see componentApiRoute): 61009 for a code that is missing, never issued, already
 * exchanged, or belongs to an authorization the account has since replaced or revoked; 61010 for an expired
 * one; then the daily quota. A successful exchange spends the code.
 */
export const queryAuthRoute = componentApiRoute({
  api: 'api_query_auth',
  path: '/cgi-bin/component/api_query_auth',
  decide(body, ctx) {
    const code = stringField(body, 'authorization_code');
    if (code === undefined) return Errcode.AUTHORIZATION_CODE_INVALID;
    const presented = ctx.authorizationCodes.present(code, ctx.now());
    if (presented.outcome === 'expired') return Errcode.AUTHORIZATION_CODE_EXPIRED;
    if (presented.outcome !== 'ok' || !ctx.authorizers.isCurrentAuthorization(presented.authorizerAppid, presented.generation)) {
      return Errcode.AUTHORIZATION_CODE_INVALID;
    }
    const { authorizerAppid } = presented;
    return () => {
      const issued = ctx.authorizers.exchange(authorizerAppid, ctx.now());
      ctx.authorizationCodes.markExchanged(code);
      ctx.log(`api_query_auth: exchanged an authorization code of authorizer ${authorizerAppid}`);
      return {
        authorization_info: {
          authorizer_appid: authorizerAppid,
          authorizer_access_token: issued.accessToken,
          expires_in: issued.expiresInSec,
          authorizer_refresh_token: issued.refreshToken,
          func_info: funcInfoBody(issued.funcInfo),
        },
      };
    };
  },
});

/**
 * POST /cgi-bin/component/api_authorizer_token?component_access_token=T with
 * `{component_appid, authorizer_appid, authorizer_refresh_token}`.
 *
 * After the common checks: 41002 without authorizer_appid; 61023 when the refresh token is not one the account
 * accepts now (blank, unknown, replaced by authorizing again, revoked, never authorized, or rotated out and
 * retired); then the API's daily quota, then the authorizer's own (`authorizerTokenDailyQuota`), both 45009.
 */
export const authorizerTokenRoute = componentApiRoute({
  api: 'api_authorizer_token',
  path: '/cgi-bin/component/api_authorizer_token',
  decide(body, ctx) {
    const authorizerAppid = stringField(body, 'authorizer_appid');
    if (authorizerAppid === undefined) return Errcode.APPID_MISSING;
    const refreshToken = stringField(body, 'authorizer_refresh_token') ?? '';
    if (!ctx.authorizers.acceptsRefreshToken(authorizerAppid, refreshToken)) return Errcode.AUTHORIZER_REFRESH_TOKEN_INVALID;
    return () => {
      const nowMs = ctx.now();
      if (!ctx.authorizerTokenQuota.tryConsume(authorizerAppid, nowMs)) return Errcode.DAILY_QUOTA_REACHED;
      const issued = ctx.authorizers.refresh(authorizerAppid, refreshToken, nowMs);
      const newer = issued.refreshToken !== refreshToken ? ', answering a newer refresh token' : '';
      ctx.log(`api_authorizer_token: issued an authorizer_access_token for authorizer ${authorizerAppid}${newer}`);
      return {
        authorizer_access_token: issued.accessToken,
        expires_in: issued.expiresInSec,
        authorizer_refresh_token: issued.refreshToken,
      };
    };
  },
});

/** func_info as WeChat nests it: `[{ funcscope_category: { id } }]`. */
export function funcInfoBody(ids: readonly number[]): Array<{ funcscope_category: { id: number } }> {
  return ids.map((id) => ({ funcscope_category: { id } }));
}
