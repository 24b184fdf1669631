/**
 * What the component may read about the accounts that authorized it (docs/wechat-protocol.md §4):
 * api_get_authorizer_info for one account, api_get_authorizer_list for all of them, paged.
 */
import { Errcode } from '../errcodes';
import { stringField } from '../http-io';
import { authorizerInfoBody, describeAuthorizerAccount } from '../state/authorizer-profile';
import { funcInfoBody } from './authorizer-token-routes';
import { componentApiRoute } from './component-api-request';

/** Section 4: a list page holds at most 500 accounts. */
export const MAX_AUTHORIZER_LIST_COUNT = 500;

/**
 * POST /cgi-bin/component/api_get_authorizer_info?component_access_token=T with `{component_appid, authorizer_appid}`.
 *
 * After the common checks (see componentApiRoute): 41002 without authorizer_appid; 61003 for an account that is
 * unknown or not authorized now (never, or revoked); then the daily quota. `authorization_info.authorizer_refresh_token`
 * is present only once api_query_auth was called for the current authorization.
 */
export const authorizerInfoRoute = componentApiRoute({
  api: 'api_get_authorizer_info',
  path: '/cgi-bin/component/api_get_authorizer_info',
  decide(body, ctx) {
    const authorizerAppid = stringField(body, 'authorizer_appid');
    if (authorizerAppid === undefined) return Errcode.APPID_MISSING;
    const authorization = ctx.authorizers.authorizationOf(authorizerAppid);
    if (!authorization) return Errcode.COMPONENT_NOT_AUTHORIZED;
    return () => ({
      authorizer_info: authorizerInfoBody(describeAuthorizerAccount(authorizerAppid, authorization.kind)),
      authorization_info: {
        authorizer_appid: authorizerAppid,
        ...(authorization.visibleRefreshToken === null ? {} : { authorizer_refresh_token: authorization.visibleRefreshToken }),
        func_info: funcInfoBody(authorization.funcInfo),
      },
    });
  },
});

/**
 * POST /cgi-bin/component/api_get_authorizer_list?component_access_token=T with `{component_appid, offset, count}`.
 *
 * After the common checks: 40097 unless offset is a whole number and count a whole number from 1 to 500 (JSON
 * numbers, not strings); then the daily quota. Lists the currently authorized accounts in a stable order (the
 * order they became known to the simulator); an offset past the end gives an empty list. An entry carries
 * `refresh_token` only once api_query_auth was called for its current authorization.
 */
export const authorizerListRoute = componentApiRoute({
  api: 'api_get_authorizer_list',
  path: '/cgi-bin/component/api_get_authorizer_list',
  decide(body, ctx) {
    const { offset, count } = body;
    if (!isWholeNumber(offset) || !isWholeNumber(count) || count < 1 || count > MAX_AUTHORIZER_LIST_COUNT) return Errcode.INVALID_ARGS;
    return () => {
      const page = ctx.authorizers.authorizedPage(offset, count);
      return {
        total_count: page.totalCount,
        list: page.list.map((entry) => ({
          authorizer_appid: entry.appid,
          ...(entry.refreshToken === null ? {} : { refresh_token: entry.refreshToken }),
          auth_time: entry.authTimeSec,
        })),
      };
    };
  },
});

function isWholeNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}
