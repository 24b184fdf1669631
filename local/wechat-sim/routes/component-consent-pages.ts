/**
 * The HTML of the component authorization pages (docs/wechat-protocol.md §4): the consent page listing the
 * accounts an admin may authorize, error pages, and the page after cancelling. Like WeChat's own pages they
 * answer HTTP 200 even for errors; `data-error` (and the X-Wechat-Sim-Error header) names the problem for tests.
 */
import type { SimResponse } from '../http-io';
import type { SimAuthorizationState, SimAuthorizerAccount } from '../types';
import type { ConsentProblem } from './component-consent-request';
import { escapeHtml, htmlPage, PAGE_HEADERS } from './html-page';
import { SIM_ERROR_HEADER } from './oauth-pages';

/** Where the consent page's buttons post. */
export const CONSENT_APPROVE_PATH = '/__consent/approve';
export const CONSENT_CANCEL_PATH = '/__consent/cancel';

const TITLE = '授权第三方平台 / Authorize a third-party platform';

/** An account as the consent page offers it. */
export interface OfferedAccount extends SimAuthorizerAccount {
  state: SimAuthorizationState;
  headImg: string;
}

/** HTTP 200 error page with `data-error` set to the problem. */
export function consentErrorPage(problem: ConsentProblem): SimResponse {
  const body =
    `<main class="error" data-error="${escapeHtml(problem.error)}"><h1>出错了 / Error</h1>` +
    `<p>${escapeHtml(problem.messageZh)}</p><p lang="en">${escapeHtml(problem.messageEn)}</p>` +
    `<p class="sim">WeChat simulator: <code>${escapeHtml(problem.error)}</code></p></main>`;
  return { status: 200, html: htmlPage(TITLE, body), headers: { ...PAGE_HEADERS, [SIM_ERROR_HEADER]: problem.error } };
}

/**
 * HTTP 200 consent page: one approve button per offered account (posting `consent_id` and `authorizer_appid`)
 * and a cancel button. `total` may exceed the accounts shown; biz_appid narrows the list to one.
 */
export function consentPage(input: {
  consentId: string;
  componentAppid: string;
  accounts: readonly OfferedAccount[];
  total: number;
}): SimResponse {
  const consentField = `<input type="hidden" name="consent_id" value="${escapeHtml(input.consentId)}">`;
  const items = input.accounts
    .map((account) => {
      const kind = account.kind === 'official_account' ? '公众号 / official account' : '小程序 / mini program';
      const state = account.state === 'authorized' ? ' · 已授权 / authorized' : '';
      return (
        `<li><button type="submit" name="authorizer_appid" value="${escapeHtml(account.appid)}" data-authorizer-appid="${escapeHtml(account.appid)}">` +
        `<img src="${escapeHtml(account.headImg)}" alt=""><span>${escapeHtml(account.nickname)}` +
        `<small>${escapeHtml(account.appid)} · ${kind}${state}</small></span></button></li>`
      );
    })
    .join('');
  const more =
    input.total > input.accounts.length
      ? `<p class="sim">… ${input.total - input.accounts.length} more: use biz_appid to pick one.</p>`
      : '';
  const empty =
    input.accounts.length === 0 ? '<p data-accounts="0">没有可授权的帐号 / No account can authorize with this auth_type.</p>' : '';
  const body =
    `<main data-consent="open"><h1>授权 / Authorization</h1>` +
    `<p>第三方平台 ${escapeHtml(input.componentAppid)} 申请获得你的帐号的权限。选择要授权的帐号：</p>` +
    `<p lang="en">Third-party platform ${escapeHtml(input.componentAppid)} asks for permissions on your account. Choose the account to authorize:</p>` +
    `<form method="post" action="${CONSENT_APPROVE_PATH}">${consentField}<ul>${items}</ul></form>${empty}${more}` +
    `<form method="post" action="${CONSENT_CANCEL_PATH}">${consentField}` +
    `<button type="submit" class="refuse" data-sim-action="cancel">取消 / Cancel</button></form></main>`;
  return { status: 200, html: htmlPage(TITLE, body), headers: { ...PAGE_HEADERS } };
}

/** HTTP 200 page after the admin cancelled: nothing was authorized and nothing is redirected. */
export function cancelledPage(): SimResponse {
  const body =
    `<main data-consent="cancelled"><h1>已取消 / Cancelled</h1>` +
    `<p>你已取消授权，可以关闭此页面。</p><p lang="en">You cancelled the authorization. You may close this page.</p></main>`;
  return { status: 200, html: htmlPage(TITLE, body), headers: { ...PAGE_HEADERS } };
}
