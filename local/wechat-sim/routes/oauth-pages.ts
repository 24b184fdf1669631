/**
 * The HTML pages a user's WeChat client shows during H5 authorization (docs/wechat-protocol.md §5): an error
 * page for a bad authorize request and the snsapi_userinfo consent page. Every interpolated value is escaped.
 */
import type { SimResponse } from '../http-io';
import type { SimOAuthUser } from '../types';
import { escapeHtml, htmlPage, PAGE_HEADERS } from './html-page';
import type { AuthorizeProblem, AuthorizeRequest } from './oauth-authorize-request';

/** Path the consent page's links go to. */
export const CONSENT_PATH = '/connect/oauth2/authorize/consent';

/** Header naming the parameter an error page is about, so tests and scripts need not parse the HTML. */
export const SIM_ERROR_HEADER = 'X-Wechat-Sim-Error';

/** HTTP 400 with WeChat's style of error page; never a redirect, so the caller's redirect_uri learns nothing. */
export function errorPage(problem: AuthorizeProblem): SimResponse {
  const code = problem.wechatErrorCode === undefined ? '' : `<p>错误码 / error code: ${problem.wechatErrorCode}</p>`;
  const body =
    `<main class="error"><h1>出错了 / Error</h1><p>${escapeHtml(problem.messageZh)}</p>` +
    `<p lang="en">${escapeHtml(problem.messageEn)}</p>${code}` +
    `<p class="sim">WeChat simulator: check the <code>${escapeHtml(problem.param)}</code> parameter.</p></main>`;
  return {
    status: 400,
    html: htmlPage('微信网页授权 / WeChat authorization', body),
    headers: { ...PAGE_HEADERS, [SIM_ERROR_HEADER]: problem.param },
  };
}

/** HTTP 200 consent page for snsapi_userinfo: one link per simulated user, and a refuse link. */
export function consentPage(request: AuthorizeRequest, componentAppid: string, users: readonly SimOAuthUser[]): SimResponse {
  const href = (choice: string) => escapeHtml(`${CONSENT_PATH}?${consentQuery(request, componentAppid, choice)}`);
  const items = users
    .map(
      (user) =>
        `<li><a href="${href(user.id)}" data-sim-user="${escapeHtml(user.id)}">` +
        `<img src="${escapeHtml(user.headimgurl)}" alt="">` +
        `<span>${escapeHtml(user.nickname)}<small>${escapeHtml(user.openidFor(request.authorizerAppid))}</small></span></a></li>`,
    )
    .join('');
  const body =
    `<main><h1>网页授权 / Authorization</h1>` +
    `<p>公众号 ${escapeHtml(request.authorizerAppid)} 申请获得你的昵称、头像、地区及性别。</p>` +
    `<p lang="en">Official account ${escapeHtml(request.authorizerAppid)} asks for your nickname, avatar, region and sex.</p>` +
    `<p class="sim">WeChat simulator: choose who you are to allow it.</p><ul>${items}</ul>` +
    `<a class="refuse" href="${href('refuse')}" data-sim-action="refuse">拒绝 / Refuse</a></main>`;
  return { status: 200, html: htmlPage('微信网页授权 / WeChat authorization', body), headers: { ...PAGE_HEADERS } };
}

/** The authorize query again, plus the user's choice (a user id or `refuse`). */
function consentQuery(request: AuthorizeRequest, componentAppid: string, choice: string): string {
  return new URLSearchParams({
    appid: request.authorizerAppid,
    redirect_uri: request.redirectUri,
    response_type: 'code',
    scope: request.scope,
    state: request.state,
    component_appid: componentAppid,
    user: choice,
  }).toString();
}
