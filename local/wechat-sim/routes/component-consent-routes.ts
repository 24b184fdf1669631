/**
 * The component authorization pages (docs/wechat-protocol.md §4) that an account admin's browser opens: PC
 * (mp.weixin.qq.com/cgi-bin/componentloginpage) and in WeChat (open.weixin.qq.com/wxaopen/safe/bindcomponent),
 * and the approve and cancel buttons of their consent page. The simulator serves both hosts' paths.
 */

import { completeAuthorization } from '../authorization-flow';
import type { SimRequest, SimResponse } from '../http-io';
import type { SimContext, SimRoute } from '../sim-context';
import { AUTHORIZATION_CODE_TTL_SEC } from '../state/authorization-codes';
import { describeAuthorizerAccount, headImgOf } from '../state/authorizer-profile';
import {
  CONSENT_APPROVE_PATH,
  CONSENT_CANCEL_PATH,
  cancelledPage,
  consentErrorPage,
  consentPage,
  type OfferedAccount,
} from './component-consent-pages';
import { type ConsentProblem, checkConsentRequest, checkPreAuthCode, isConsentProblem, problem } from './component-consent-request';
import { appendQuery, redirectTo } from './redirect-location';

/** The consent page lists at most this many accounts; biz_appid picks any one of a larger registry. */
export const MAX_OFFERED_ACCOUNTS = 100;

/** GET /cgi-bin/componentloginpage?component_appid&pre_auth_code&redirect_uri&auth_type[&biz_appid] (PC). */
export const componentLoginPageRoute: SimRoute = {
  api: 'componentloginpage',
  method: 'GET',
  path: '/cgi-bin/componentloginpage',
  handle: (request, ctx) => openConsent(request, ctx, 'componentloginpage'),
};

/**
 * GET /wxaopen/safe/bindcomponent?action=bindcomponent&no_scan=1&component_appid&pre_auth_code&redirect_uri&auth_type[&biz_appid]
 * (in WeChat; the `#wechat_redirect` fragment never reaches a server). Same checks as componentloginpage,
 * after `action=bindcomponent`.
 */
export const bindComponentRoute: SimRoute = {
  api: 'bindcomponent',
  method: 'GET',
  path: '/wxaopen/safe/bindcomponent',
  handle(request, ctx) {
    if (request.url.searchParams.get('action') !== 'bindcomponent') {
      return refuse(problem('action', 'action 参数错误', 'action must be bindcomponent'), 'bindcomponent', ctx);
    }
    return openConsent(request, ctx, 'bindcomponent');
  },
};

/**
 * POST /__consent/approve (form: consent_id, authorizer_appid): spends the consent id, checks the pre_auth_code
 * again (another tab may have used it) and that the account is one the page offered, then authorizes it and
 * redirects (302) to `redirect_uri?auth_code=CODE&expires_in=3600`; the push goes out at the same time.
 */
export const consentApproveRoute: SimRoute = {
  api: 'consent_approve',
  method: 'POST',
  path: CONSENT_APPROVE_PATH,
  handle(request, ctx) {
    const form = new URLSearchParams(request.body ?? '');
    const consent = ctx.consents.take(form.get('consent_id') ?? '', ctx.now());
    if (!consent) return refuse(consentGone(), 'consent_approve', ctx);
    const preAuthProblem = checkPreAuthCode(consent.preAuthCode, ctx);
    if (preAuthProblem) return refuse(preAuthProblem, 'consent_approve', ctx);
    const authorizerAppid = form.get('authorizer_appid') ?? '';
    const offered =
      consent.bizAppid === null ? ctx.authorizers.isEligible(authorizerAppid, consent.authType) : authorizerAppid === consent.bizAppid;
    if (!offered)
      return refuse(problem('account', '帐号不可授权', 'authorizer_appid is not an account this consent offered'), 'consent_approve', ctx);

    const done = completeAuthorization(ctx, { authorizerAppid, authType: consent.authType, preAuthCode: consent.preAuthCode });
    // The push failing is reported in its PushResult and the log; the browser is redirected either way.
    done.push.catch((err: unknown) => ctx.log(`push ${done.infoType} failed: ${err instanceof Error ? err.name : 'unknown'}`));
    return redirectTo(
      appendQuery(consent.redirectUri, { auth_code: done.authorizationCode, expires_in: String(AUTHORIZATION_CODE_TTL_SEC) }),
    );
  },
};

/** POST /__consent/cancel (form: consent_id): spends the consent id; nothing is authorized or redirected. */
export const consentCancelRoute: SimRoute = {
  api: 'consent_cancel',
  method: 'POST',
  path: CONSENT_CANCEL_PATH,
  handle(request, ctx) {
    const consent = ctx.consents.take(new URLSearchParams(request.body ?? '').get('consent_id') ?? '', ctx.now());
    if (!consent) return refuse(consentGone(), 'consent_cancel', ctx);
    ctx.log('consent_cancel: the admin cancelled an authorization');
    return cancelledPage();
  },
};

function openConsent(request: SimRequest, ctx: SimContext, api: string): SimResponse {
  const checked = checkConsentRequest(request, ctx);
  if (isConsentProblem(checked)) return refuse(checked, api, ctx);
  const { appids, total } =
    checked.bizAppid === null ? ctx.authorizers.eligible(checked.authType, MAX_OFFERED_ACCOUNTS) : { appids: [checked.bizAppid], total: 1 };
  const accounts = appids.map((appid) => offeredAccount(appid, ctx));
  const consentId = ctx.consents.open(checked, ctx.now());
  return consentPage({ consentId, componentAppid: ctx.componentAppid, accounts, total });
}

function offeredAccount(appid: string, ctx: SimContext): OfferedAccount {
  const account = describeAuthorizerAccount(appid, ctx.authorizers.kindOf(appid) ?? 'official_account');
  return { ...account, state: ctx.authorizers.stateOf(appid) ?? 'never', headImg: headImgOf(account) };
}

function consentGone(): ConsentProblem {
  return problem(
    'consent_invalid',
    '授权请求已失效，请重新发起授权',
    'this consent is unknown, expired or already answered: open the authorization link again',
  );
}

function refuse(found: ConsentProblem, api: string, ctx: SimContext): SimResponse {
  ctx.log(`${api}: refused (${found.error})`);
  return consentErrorPage(found);
}
