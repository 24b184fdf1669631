/**
 * api_create_preauthcode (docs/wechat-protocol.md §4).
 */
import { componentApiRoute } from './component-api-request';

/** POST /cgi-bin/component/api_create_preauthcode?component_access_token=T with `{component_appid}`. */
export const createPreAuthCodeRoute = componentApiRoute({
  api: 'api_create_preauthcode',
  path: '/cgi-bin/component/api_create_preauthcode',
  decide: (_body, ctx) => () => {
    const { preAuthCode, expiresInSec } = ctx.preAuthCodes.issue(ctx.now());
    return { pre_auth_code: preAuthCode, expires_in: expiresInSec };
  },
});
