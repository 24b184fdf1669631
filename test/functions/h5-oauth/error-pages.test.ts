import { describe, expect, it } from 'vitest';
import { FAILURES, renderErrorPage } from '../../../functions/h5-oauth/error-pages';
import type { H5OAuthErrorCode } from '../../../shared/h5-oauth/h5-oauth-errors';

const CODES = Object.keys(FAILURES) as Array<H5OAuthErrorCode | 'INTERNAL'>;
const START =
  'https://auth.example.com/oauth/start?appid=wx1111111111111111&scope=snsapi_base&return_to=https%3A%2F%2Fh5.example.com%2Fapp%2F';

describe('FAILURES', () => {
  it.each(CODES)('gives %s an error status, a Chinese and an English explanation', (code) => {
    const { status, zh, en } = FAILURES[code];

    expect(status).toBeGreaterThanOrEqual(400);
    expect(status).toBeLessThan(600);
    expect(zh).toMatch(/[\u4e00-\u9fff]/);
    expect(en).toMatch(/^[A-Z][\x20-\x7e]+\.$/);
  });

  it('answers WeChat trouble with 502, a missing platform token with 503, a bad session with 401 and a foreign origin with 403', () => {
    expect({
      WECHAT_UNAVAILABLE: FAILURES.WECHAT_UNAVAILABLE.status,
      WECHAT_ERROR: FAILURES.WECHAT_ERROR.status,
      TOKEN_UNAVAILABLE: FAILURES.TOKEN_UNAVAILABLE.status,
      SESSION_INVALID: FAILURES.SESSION_INVALID.status,
      ORIGIN_NOT_ALLOWED: FAILURES.ORIGIN_NOT_ALLOWED.status,
      INTERNAL: FAILURES.INTERNAL.status,
    }).toEqual({
      WECHAT_UNAVAILABLE: 502,
      WECHAT_ERROR: 502,
      TOKEN_UNAVAILABLE: 503,
      SESSION_INVALID: 401,
      ORIGIN_NOT_ALLOWED: 403,
      INTERNAL: 500,
    });
  });

  it('answers a logged-out session and a session of a revoked authorizer with 401, like an invalid one', () => {
    expect([FAILURES.SESSION_REVOKED.status, FAILURES.AUTHORIZER_REVOKED.status]).toEqual([401, 401]);
  });

  it('answers every browser-side sign-in failure with 400', () => {
    const browserSide: H5OAuthErrorCode[] = [
      'BAD_REQUEST',
      'UNKNOWN_AUTHORIZER',
      'RETURN_TO_NOT_ALLOWED',
      'UNKNOWN_STATE',
      'STATE_EXPIRED',
      'COOKIE_MISSING',
      'COOKIE_MISMATCH',
      'REPLAYED_ELSEWHERE',
      'APPID_MISMATCH',
      'CODE_REJECTED',
      'LOGIN_CODE_INVALID',
      'CODE_CHALLENGE_INVALID',
      'CODE_VERIFIER_INVALID',
    ];

    expect(browserSide.map((code) => FAILURES[code].status)).toEqual(browserSide.map(() => 400));
  });
});

describe('renderErrorPage', () => {
  it.each(CODES)('renders %s with both explanations, the code and the retry link', (code) => {
    const page = renderErrorPage(code, START);

    expect(page).toContain(FAILURES[code].zh);
    expect(page).toContain(FAILURES[code].en);
    expect(page).toContain(`<code>${code}</code>`);
    expect(page).toContain(`<a class="retry" href="${START.replaceAll('&', '&amp;')}">`);
    expect(page).toMatch(/^<!doctype html>/);
    expect(page).toContain('<meta charset="utf-8">');
  });

  it('escapes the retry URL, so a crafted return_to inside it cannot break out of the attribute', () => {
    const crafted = `${START}&x="><script>alert(1)</script>'`;

    const page = renderErrorPage('STATE_EXPIRED', crafted);

    expect(page).not.toContain('<script>');
    expect(/<a class="retry" href="([^"]*)">/.exec(page)?.[1]).toBe(
      `${START.replaceAll('&', '&amp;')}&amp;x=&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;&#39;`,
    );
  });

  it('never offers a javascript: link: the page CSP forbids scripts, so the browser would refuse to follow it', () => {
    for (const code of CODES) {
      const page = renderErrorPage(code);

      expect(page).not.toMatch(/href="\s*javascript:/i);
    }
  });

  it('falls back to a link to the application when the sign-in to repeat is unknown', () => {
    const page = renderErrorPage('UNKNOWN_STATE', undefined, 'https://h5.example.com/app/');

    expect(page).toContain('<a class="retry" href="https://h5.example.com/app/">');
  });

  it('prefers the retry link over the application link', () => {
    const page = renderErrorPage('STATE_EXPIRED', START, 'https://h5.example.com/app/');

    expect(page).toContain(`href="${START.replaceAll('&', '&amp;')}"`);
    expect(page).not.toContain('href="https://h5.example.com/app/"');
  });
});
