import type { H5OAuthErrorCode } from '../../shared/h5-oauth/h5-oauth-errors';

interface PageText {
  status: number;
  zh: string;
  en: string;
}

/** One status and one short bilingual explanation per failure: every failure has its own page (README, the h5-oauth contract). */
export const FAILURES: Record<H5OAuthErrorCode | 'INTERNAL', PageText> = {
  BAD_REQUEST: { status: 400, zh: '登录链接不完整。', en: 'The sign-in link is incomplete.' },
  UNKNOWN_AUTHORIZER: { status: 400, zh: '该公众号未授权本平台。', en: 'This official account has not authorized this platform.' },
  RETURN_TO_NOT_ALLOWED: { status: 400, zh: '返回地址不在允许列表中。', en: 'The return address is not on the allow-list.' },
  CODE_CHALLENGE_INVALID: {
    status: 400,
    zh: '登录链接缺少有效的 PKCE 校验值（code_challenge，仅支持 S256）。',
    en: 'The sign-in link lacks a valid PKCE code_challenge (S256 only).',
  },
  UNKNOWN_STATE: { status: 400, zh: '登录请求无效或已过期。', en: 'The sign-in request is unknown or has expired.' },
  STATE_EXPIRED: { status: 400, zh: '登录请求已过期。', en: 'The sign-in request has expired.' },
  COOKIE_MISSING: {
    status: 400,
    zh: '无法确认是同一浏览器发起的登录（缺少 Cookie）。',
    en: 'This browser did not start this sign-in (cookie missing).',
  },
  COOKIE_MISMATCH: { status: 400, zh: '登录由另一个浏览器发起。', en: 'This sign-in was started in another browser.' },
  REPLAYED_ELSEWHERE: { status: 400, zh: '该登录链接已被使用。', en: 'This sign-in link has already been used.' },
  APPID_MISMATCH: { status: 400, zh: '回调来自另一个公众号。', en: 'The callback belongs to another official account.' },
  CODE_REJECTED: { status: 400, zh: '微信授权码无效或已被使用。', en: 'WeChat refused the authorization code (invalid or already used).' },
  WECHAT_UNAVAILABLE: { status: 502, zh: '微信暂时无响应，请稍后重试。', en: 'WeChat did not answer in time. Please try again.' },
  WECHAT_ERROR: { status: 502, zh: '微信拒绝了本次登录。', en: 'WeChat refused this sign-in.' },
  TOKEN_UNAVAILABLE: { status: 503, zh: '平台暂时不可用，请稍后重试。', en: 'The platform is temporarily unavailable. Please try again.' },
  LOGIN_CODE_INVALID: { status: 400, zh: '登录码无效、已使用或已过期。', en: 'The login code is invalid, used or expired.' },
  CODE_VERIFIER_INVALID: {
    status: 400,
    zh: '登录码不是由本页面发起的登录签发的（PKCE 校验失败），已作废。',
    en: 'The login code was not issued to the page that started this sign-in (PKCE check failed); it is now used up.',
  },
  SESSION_INVALID: { status: 401, zh: '会话无效或已过期。', en: 'The session is invalid or has expired.' },
  SESSION_REVOKED: { status: 401, zh: '会话已退出登录。', en: 'The session was ended by signing out.' },
  AUTHORIZER_REVOKED: {
    status: 401,
    zh: '该公众号已取消对本平台的授权，会话失效。',
    en: 'The official account has revoked this platform; the session has ended.',
  },
  ORIGIN_NOT_ALLOWED: { status: 403, zh: '来源不被允许。', en: 'This origin is not allowed.' },
  INTERNAL: { status: 500, zh: '服务暂时出错，请稍后重试。', en: 'Something went wrong on our side. Please try again.' },
};

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/**
 * A small bilingual error page with a retry link: the start URL of the same sign-in when known, else the application
 * (`appUrl`, where the page starts a new sign-in). Nothing from the request is echoed except URLs we built or allowed.
 */
export function renderErrorPage(code: H5OAuthErrorCode | 'INTERNAL', retryUrl?: string, appUrl?: string): string {
  const text = FAILURES[code];
  // Never a `javascript:` link: the page's CSP forbids scripts, so browsers refuse to follow one (a dead button).
  const retry = retryUrl
    ? `<p><a class="retry" href="${escapeHtml(retryUrl)}">重新登录 / Try again</a></p>`
    : appUrl
      ? `<p><a class="retry" href="${escapeHtml(appUrl)}">返回应用重新登录 / Back to the app to sign in again</a></p>`
      : '';
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>登录失败 / Sign-in failed</title>
<style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem;color:#222}h1{font-size:1.2rem}.retry{display:inline-block;margin-top:1rem;padding:.6rem 1rem;background:#07c160;color:#fff;border-radius:.4rem;text-decoration:none}code{color:#888}</style>
</head><body><h1>登录失败 / Sign-in failed</h1><p>${escapeHtml(text.zh)}</p><p>${escapeHtml(text.en)}</p>${retry}<p><code>${code}</code></p></body></html>`;
}
