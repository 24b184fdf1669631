/**
 * The user profile an snsapi_userinfo grant may read (docs/wechat-protocol.md §5).
 */
import { Errcode, errorBody } from '../errcodes';
import { okJson } from '../http-io';
import type { SimRoute } from '../sim-context';

/**
 * GET /sns/userinfo?access_token=USER_TOKEN&openid=OPENID&lang=zh_CN.
 *
 * Checks run in this order: user token (41001 missing, 40001 unknown, 42001 expired), scope (48001 for an
 * snsapi_base token: the API is not authorized, whatever openid comes with it), openid (41009 missing,
 * 40003 not the token's user). `lang=en` gives English place names; any other value Chinese ones.
 */
export const oauthUserinfoRoute: SimRoute = {
  api: 'sns_userinfo',
  method: 'GET',
  path: '/sns/userinfo',
  handle(request, ctx) {
    const params = request.url.searchParams;
    const accessToken = params.get('access_token');
    if (!accessToken) return okJson(errorBody(Errcode.ACCESS_TOKEN_MISSING));
    const checked = ctx.oauth.userTokens.check(accessToken, ctx.now());
    if (checked.state !== 'ok') {
      return okJson(errorBody(checked.state === 'expired' ? Errcode.ACCESS_TOKEN_EXPIRED : Errcode.INVALID_CREDENTIAL));
    }
    const { grant } = checked;
    if (grant.scope !== 'snsapi_userinfo') return okJson(errorBody(Errcode.API_UNAUTHORIZED));

    const user = ctx.oauth.users.find(grant.userId);
    const openid = params.get('openid');
    if (!openid) return okJson(errorBody(Errcode.OPENID_MISSING));
    if (!user || openid !== user.openidFor(grant.authorizerAppid)) return okJson(errorBody(Errcode.INVALID_OPENID));

    return okJson({
      openid,
      nickname: user.nickname,
      sex: user.sex,
      ...ctx.oauth.users.placeOf(user.id, params.get('lang')),
      headimgurl: user.headimgurl,
      privilege: [],
      ...(user.unionid ? { unionid: user.unionid } : {}),
    });
  },
};
