import type { AuthorizationPageErrorCode } from '../../shared/authorizer/authorization-page-errors';
import type { AuthorizationResult } from '../../shared/authorizer/complete-authorization';
import type { StartedAuthorization } from '../../shared/authorizer/start-authorization';

/**
 * The authorization pages, bilingual (zh first, en after) like the sign-in's: the page with both links, the callback's
 * results, and one page per failure that says what happened and what to do. No scripts (the CSP forbids them); nothing
 * from the request is echoed except values that passed their checks.
 */

interface PageText {
  status: number;
  zh: string;
  en: string;
}

const START_AGAIN_ZH = '请从您的授权链接重新开始。';
const START_AGAIN_EN = 'Start again from your authorization link.';
const NEW_LINK_ZH = '请向平台运营方索取新的授权链接。';
const NEW_LINK_EN = 'Ask the platform operator for a new authorization link.';

/** One status and one explanation per failure (README, "Authorize an account"). */
export const FAILURES: Record<AuthorizationPageErrorCode | 'INTERNAL', PageText> = {
  LINK_MALFORMED: {
    status: 400,
    zh: `授权链接不完整或格式不正确。${NEW_LINK_ZH}`,
    en: `The authorization link is incomplete or malformed. ${NEW_LINK_EN}`,
  },
  LINK_SIGNATURE_MISSING: {
    status: 400,
    zh: `授权链接没有签名：本页只接受平台运营方签发的链接。${NEW_LINK_ZH}`,
    en: `The authorization link is not signed: this page opens only from links the platform operator made. ${NEW_LINK_EN}`,
  },
  LINK_SIGNATURE_INVALID: {
    status: 400,
    zh: `授权链接无效（签名不符，链接可能被改动过）。${NEW_LINK_ZH}`,
    en: `The authorization link is not valid (its signature does not match; the link may have been altered). ${NEW_LINK_EN}`,
  },
  LINK_EXPIRED: { status: 400, zh: `授权链接已过期。${NEW_LINK_ZH}`, en: `The authorization link has expired. ${NEW_LINK_EN}` },
  RATE_LIMITED: {
    status: 429,
    zh: '最近一分钟内打开授权页的次数过多。请一分钟后刷新本页。',
    en: 'The authorization page was opened too often in the last minute. Reload this page in a minute.',
  },
  CALLBACK_RATE_LIMITED: {
    status: 429,
    zh: '最近一分钟内完成的授权过多，暂时无法显示结果。您的授权不会丢失：微信也会通知本平台。请一分钟后刷新本页查看结果。',
    en: 'Too many authorizations were completed in the last minute to show this result now. Your authorization is not lost: WeChat also notifies the platform. Reload this page in a minute to see the result.',
  },
  TOKEN_UNAVAILABLE: {
    status: 503,
    zh: '平台暂时不可用。请几分钟后刷新本页。',
    en: 'The platform is temporarily unavailable. Reload this page in a few minutes.',
  },
  WECHAT_UNAVAILABLE: {
    status: 502,
    zh: '微信暂时没有响应。请稍后刷新本页。',
    en: 'WeChat did not answer in time. Reload this page in a moment.',
  },
  WECHAT_ERROR: {
    status: 502,
    zh: '微信拒绝为本平台创建授权链接。请告知平台运营方。',
    en: 'WeChat refused to create an authorization link for this platform. Please tell the platform operator.',
  },
  CODE_MISSING: {
    status: 400,
    zh: `此地址缺少授权码（auth_code）。${START_AGAIN_ZH}`,
    en: `This address carries no authorization code (auth_code). ${START_AGAIN_EN}`,
  },
  CODE_MALFORMED: {
    status: 400,
    zh: `此地址中的授权码格式不正确。${START_AGAIN_ZH}`,
    en: `The authorization code in this address is malformed. ${START_AGAIN_EN}`,
  },
  CODE_REFUSED: {
    status: 400,
    zh: '授权码无效或已过期；请从您的授权链接重新开始。',
    en: 'The authorization code is unknown or has expired; start again from your link.',
  },
  AUTHORIZATION_LOST: {
    status: 502,
    zh: `微信未能确认本次授权。${START_AGAIN_ZH}`,
    en: `WeChat could not confirm this authorization. ${START_AGAIN_EN}`,
  },
  STORE_UNAVAILABLE: {
    status: 503,
    zh: '暂时无法记录本次授权。请稍后刷新本页（不会重复授权）。',
    en: 'The authorization could not be recorded just now. Reload this page in a moment (nothing is authorized twice).',
  },
  INTERNAL: { status: 500, zh: '服务暂时出错。请稍后再试。', en: 'Something went wrong on our side. Please try again later.' },
};

const AUTH_TYPES: Record<StartedAuthorization['authType'], { zh: string; en: string }> = {
  1: { zh: '公众号', en: 'official accounts' },
  2: { zh: '小程序', en: 'mini programs' },
  3: { zh: '公众号或小程序', en: 'official accounts or mini programs' },
};

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function layout(input: { title: string; page: string; body: string }): string {
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="robots" content="noindex">
<title>${escapeHtml(input.title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;color:#222;line-height:1.5}h1{font-size:1.25rem}.button{display:inline-block;margin:.4rem 0;padding:.6rem 1rem;background:#07c160;color:#fff;border-radius:.4rem;text-decoration:none}.hint,code{color:#777;font-size:.9rem}</style>
</head><body><main data-page="${input.page}">${input.body}</main></body></html>`;
}

/** The page with both links; the administrator follows one of them from here, so WeChat sees this page as the origin. */
export function renderAuthorizationPage(started: StartedAuthorization, nowMs: number): string {
  const kind = AUTH_TYPES[started.authType];
  const minutes = Math.max(1, Math.floor((started.expiresAtMs - nowMs) / 60_000));
  const only = started.bizAppid ? `<p>仅限帐号 / Only for the account <code>${escapeHtml(started.bizAppid)}</code></p>` : '';
  return layout({
    title: '授权本平台 / Authorize this platform',
    page: 'authorize',
    body: `<h1>授权本平台 / Authorize this platform</h1>
<p>请${kind.zh}的管理员点击下面的一个链接，完成对本平台的授权。</p>
<p>The administrator of your ${kind.en} follows one of the links below to authorize this platform.</p>${only}
<p><a id="pc-link" class="button" href="${escapeHtml(started.pcUrl)}">在电脑上授权 / Authorize on a computer</a><br>
<span class="hint">打开微信公众平台，用管理员的微信扫码确认。/ Opens the WeChat Official Accounts Platform; confirm by scanning its QR code with the administrator's WeChat.</span></p>
<p><a id="wechat-link" class="button" href="${escapeHtml(started.wechatUrl)}">在微信中授权 / Authorize in WeChat</a><br>
<span class="hint">本页在手机微信中打开时使用。/ Use this when this page is open inside WeChat on a phone.</span></p>
<p class="hint">链接 ${minutes} 分钟内有效，只能完成一次授权。请直接在本页点击，不要复制到其他窗口：微信会检查您从哪个页面进入。刷新本页会生成新的链接。</p>
<p class="hint">The links work for ${minutes} minutes and for one authorization. Click them on this page rather than copying them elsewhere: WeChat checks which page you came from. Reloading this page makes new links.</p>`,
  });
}

/** The callback's answer: authorized (naming the account) or still being processed. */
export function renderResultPage(result: AuthorizationResult): string {
  if (result.status === 'processing') {
    return layout({
      title: '正在处理 / Being processed',
      page: 'authorization-processing',
      body: `<h1>正在处理 / Being processed</h1>
<p>已收到您的授权，正在处理，您可以关闭此页面。</p>
<p>Your authorization was received and is being processed; you can close this page.</p>`,
    });
  }
  const name = result.nickname ?? result.authorizerAppid;
  const named = name
    ? `<p>帐号「<strong data-authorizer-appid="${escapeHtml(result.authorizerAppid ?? '')}">${escapeHtml(name)}</strong>」已授权本平台。</p>
<p>The account “${escapeHtml(name)}” has authorized this platform.</p>`
    : '<p>帐号已授权本平台。</p>\n<p>The account has authorized this platform.</p>';
  return layout({
    title: '授权成功 / Authorized',
    page: 'authorization-done',
    body: `<h1>授权成功 / Authorized</h1>
${named}
<p class="hint">您可以关闭此页面。/ You can close this page.</p>`,
  });
}

/** A failure: what happened, what to do, and (for the page, when it can help) a link to try the same page again. */
export function renderFailurePage(code: AuthorizationPageErrorCode | 'INTERNAL', retryHref?: string): string {
  const text = FAILURES[code];
  const retry = retryHref ? `<p><a id="retry" class="button" href="${escapeHtml(retryHref)}">重试 / Try again</a></p>` : '';
  return layout({
    title: '无法授权 / Authorization not possible',
    page: 'authorization-failed',
    body: `<h1>无法授权 / Authorization not possible</h1>
<p>${escapeHtml(text.zh)}</p>
<p>${escapeHtml(text.en)}</p>${retry}
<p><code data-error="${code}">${code}</code></p>`,
  });
}
