/**
 * Step 1 of H5 authorization on behalf of an official account (docs/wechat-protocol.md §5): the page WeChat
 * opens at open.weixin.qq.com/connect/oauth2/authorize, and the consent it leads to.
 */
import type { SimResponse } from '../http-io';
import type { SimContext, SimRoute } from '../sim-context';
import { DEFAULT_OAUTH_USER_ID, REFUSE_CHOICE } from '../state/oauth-users';
import {
  type AuthorizeProblem,
  type AuthorizeRequest,
  consentedLocation,
  isAuthorizeProblem,
  parseAuthorizeRequest,
  problem,
  refusedLocation,
} from './oauth-authorize-request';
import { CONSENT_PATH, consentPage, errorPage } from './oauth-pages';
import { redirectTo } from './redirect-location';

/**
 * GET /connect/oauth2/authorize. An invalid request gets a 400 error page. snsapi_base consents silently (as
 * the user named by `sim_user`, else DEFAULT_OAUTH_USER_ID); snsapi_userinfo shows the consent page.
 *
 * Simulator only: `sim_user=<user id>` consents as that user without a page, and `sim_user=refuse` refuses,
 * for either scope (real WeChat never asks, so never refuses, for snsapi_base).
 */
export const oauthAuthorizeRoute: SimRoute = {
  api: 'oauth2_authorize',
  method: 'GET',
  path: '/connect/oauth2/authorize',
  handle(request, ctx) {
    const parsed = parseAuthorizeRequest(request.url.searchParams, ctx);
    if (isAuthorizeProblem(parsed)) return refuseRequest(parsed, 'oauth2_authorize', ctx);
    const simUser = request.url.searchParams.get('sim_user');
    if (simUser !== null) return answerChoice(parsed, simUser, 'sim_user', ctx);
    if (parsed.scope === 'snsapi_base') return answerChoice(parsed, DEFAULT_OAUTH_USER_ID, 'sim_user', ctx);
    return consentPage(parsed, ctx.componentAppid, ctx.oauth.users.list());
  },
};

/** GET /connect/oauth2/authorize/consent: the consent page's links, `user=<user id>` or `user=refuse`. */
export const oauthConsentRoute: SimRoute = {
  api: 'oauth2_authorize_consent',
  method: 'GET',
  path: CONSENT_PATH,
  handle(request, ctx) {
    const parsed = parseAuthorizeRequest(request.url.searchParams, ctx);
    if (isAuthorizeProblem(parsed)) return refuseRequest(parsed, 'oauth2_authorize_consent', ctx);
    return answerChoice(parsed, request.url.searchParams.get('user') ?? '', 'user', ctx);
  },
};

/** Redirects with a code for a known user, without one for `refuse`; anything else is a bad request. */
function answerChoice(request: AuthorizeRequest, choice: string, param: 'sim_user' | 'user', ctx: SimContext): SimResponse {
  const api = param === 'user' ? 'oauth2_authorize_consent' : 'oauth2_authorize';
  if (choice === REFUSE_CHOICE) {
    ctx.log(`${api}: the user refused ${request.scope} for authorizer ${request.authorizerAppid}`);
    return redirectTo(refusedLocation(request));
  }
  if (!ctx.oauth.users.find(choice)) {
    return refuseRequest(problem(param, `${param} 参数错误`, `${param} must be a simulated user id or refuse`), api, ctx);
  }
  const code = ctx.oauth.issueCode({ authorizerAppid: request.authorizerAppid, userId: choice, scope: request.scope }, ctx.now());
  ctx.log(`${api}: issued a ${request.scope} code for authorizer ${request.authorizerAppid} (sim user ${choice})`);
  return redirectTo(consentedLocation(request, code));
}

function refuseRequest(found: AuthorizeProblem, api: string, ctx: SimContext): SimResponse {
  ctx.log(`${api}: refused a request with a bad ${found.param} parameter`);
  return errorPage(found);
}
