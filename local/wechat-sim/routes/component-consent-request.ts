/**
 * Checks of the component authorization pages, componentloginpage (PC) and bindcomponent (in WeChat)
 * (docs/wechat-protocol.md §4), before any account is offered.
 */
import type { SimRequest } from '../http-io';
import type { SimContext } from '../sim-context';
import { parseAuthType } from '../state/authorizer-record';
import type { ConsentRequest } from '../state/consent-sessions';
import { parseRedirectUri } from './redirect-location';

/** Why a consent page refuses; `error` is the page's stable `data-error` marker. */
export interface ConsentProblem {
  error:
    | 'action'
    | 'component_appid'
    | 'pre_auth_code_invalid'
    | 'pre_auth_code_expired'
    | 'pre_auth_code_used'
    | 'auth_type'
    | 'redirect_uri'
    | 'referer_missing'
    | 'referer_mismatch'
    | 'domain_not_registered'
    | 'biz_appid'
    | 'consent_invalid'
    | 'account';
  messageZh: string;
  messageEn: string;
}

/** WeChat's own wording when the pages are not opened from the registered initiation domain. */
const DOMAIN_RULE_ZH =
  '请确认授权入口页所在域名，与授权后回调页所在域名相同，并且，此两者都必须与申请第三方平台时填写的授权发起页域名相同。';

/**
 * Checks, in this order: component_appid is ours; pre_auth_code was issued, is not used and not expired;
 * auth_type is 1, 2 or 3; redirect_uri is an absolute http(s) URL; the Referer is present, on redirect_uri's
 * host, and that host is a registered authorization initiation domain (ports ignored); biz_appid, when given,
 * is an account auth_type covers. Messages never repeat the pre_auth_code.
 */
export function checkConsentRequest(request: SimRequest, ctx: SimContext): ConsentRequest | ConsentProblem {
  const params = request.url.searchParams;
  if (params.get('component_appid') !== ctx.componentAppid) {
    return problem('component_appid', '第三方平台 component_appid 参数错误', 'component_appid is missing or not this component');
  }

  const preAuthCode = params.get('pre_auth_code') ?? '';
  const preAuthProblem = checkPreAuthCode(preAuthCode, ctx);
  if (preAuthProblem) return preAuthProblem;

  const authType = parseAuthType(params.get('auth_type'));
  if (authType === null) {
    return problem('auth_type', 'auth_type 参数错误', 'auth_type must be 1 (official accounts), 2 (mini programs) or 3 (both)');
  }

  const redirectUri = params.get('redirect_uri') ?? '';
  const redirectUrl = parseRedirectUri(redirectUri);
  if (!redirectUrl) return problem('redirect_uri', 'redirect_uri 参数错误', 'redirect_uri must be an absolute http(s) URL');

  const refererHost = refererHostOf(request);
  if (refererHost === null) {
    return problem(
      'referer_missing',
      `${DOMAIN_RULE_ZH}授权入口页所在域名：空`,
      'open this page from a page on the authorization initiation domain: the request had no Referer',
    );
  }
  if (refererHost !== redirectUrl.hostname.toLowerCase()) {
    return problem(
      'referer_mismatch',
      `${DOMAIN_RULE_ZH}授权入口页所在域名：${refererHost}`,
      'the Referer is not on the host of redirect_uri',
    );
  }
  if (!ctx.allowsAuthorizationDomain(refererHost)) {
    return problem(
      'domain_not_registered',
      `${DOMAIN_RULE_ZH}授权入口页所在域名：${refererHost}`,
      'this host is not a registered authorization initiation domain of the component',
    );
  }

  const bizAppid = params.get('biz_appid') || null;
  if (bizAppid !== null && !ctx.authorizers.isEligible(bizAppid, authType)) {
    return problem('biz_appid', 'biz_appid 参数错误', 'biz_appid is not an account that auth_type covers');
  }
  return { preAuthCode, redirectUri, authType, bizAppid };
}

/** The pre_auth_code problem, or null when it can still start an authorization. */
export function checkPreAuthCode(preAuthCode: string, ctx: SimContext): ConsentProblem | null {
  switch (preAuthCode === '' ? 'unknown' : ctx.preAuthCodes.check(preAuthCode, ctx.now())) {
    case 'ok':
      return null;
    case 'expired':
      return problem(
        'pre_auth_code_expired',
        '授权链接已过期，请重新发起授权',
        'pre_auth_code has expired (1800 s): open a new authorization link',
      );
    case 'used':
      return problem(
        'pre_auth_code_used',
        '授权链接已使用，请重新发起授权',
        'pre_auth_code was used by a completed authorization: open a new authorization link',
      );
    case 'unknown':
      return problem('pre_auth_code_invalid', 'pre_auth_code 无效', 'pre_auth_code is missing or was never issued');
  }
}

/** True when parsing refused the request. */
export function isConsentProblem<T extends object>(value: T | ConsentProblem): value is ConsentProblem {
  return 'error' in value && 'messageEn' in value;
}

/** Builds a problem. */
export function problem(error: ConsentProblem['error'], messageZh: string, messageEn: string): ConsentProblem {
  return { error, messageZh, messageEn };
}

/** The Referer's host name in lower case (no port), or null when absent or not a URL. */
function refererHostOf(request: SimRequest): string | null {
  const referer = request.headers.referer;
  if (typeof referer !== 'string' || referer === '') return null;
  try {
    return new URL(referer).hostname.toLowerCase() || null;
  } catch {
    return null;
  }
}
