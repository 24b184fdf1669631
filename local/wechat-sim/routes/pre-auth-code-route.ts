/**
 * api_create_preauthcode (docs/wechat-protocol.md §4).
 */
import { Errcode, errorBody } from '../errcodes';
import { okJson, parseJsonObject, stringField } from '../http-io';
import type { SimRoute } from '../sim-context';
import { checkComponentAccessTokenParam } from './component-access-token';

/** POST /cgi-bin/component/api_create_preauthcode?component_access_token=T with `{component_appid}`. */
export const createPreAuthCodeRoute: SimRoute = {
  api: 'api_create_preauthcode',
  method: 'POST',
  path: '/cgi-bin/component/api_create_preauthcode',
  handle(request, ctx) {
    const tokenError = checkComponentAccessTokenParam(request, ctx);
    if (tokenError !== null) return okJson(errorBody(tokenError));
    const body = parseJsonObject(request.body);
    if (!body) return okJson(errorBody(Errcode.DATA_FORMAT_ERROR));
    if (stringField(body, 'component_appid') !== ctx.componentAppid) return okJson(errorBody(Errcode.INVALID_COMPONENT));

    const { preAuthCode, expiresInSec } = ctx.preAuthCodes.issue(ctx.now());
    return okJson({ pre_auth_code: preAuthCode, expires_in: expiresInSec });
  },
};
