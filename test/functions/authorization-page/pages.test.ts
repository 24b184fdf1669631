import { describe, expect, it } from 'vitest';
import { FAILURES, renderAuthorizationPage, renderFailurePage, renderResultPage } from '../../../functions/authorization-page/pages';

describe('authorization pages', () => {
  it('escape an account nickname, which comes from WeChat and may hold markup', () => {
    const html = renderResultPage({
      status: 'authorized',
      authorizerAppid: 'wx1111111111111111',
      nickname: '<img src=x onerror=alert(1)>"&',
    });

    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;&quot;&amp;');
  });

  it('escape the links, whose redirect_uri carries its own query', () => {
    const html = renderAuthorizationPage(
      {
        authType: 1,
        pcUrl: 'https://mp.example/a?x=1&y="2"',
        wechatUrl: 'https://open.example/b?x=1&y=2#wechat_redirect',
        expiresAtMs: 1_800_000,
      },
      0,
    );

    expect(html).toContain('href="https://mp.example/a?x=1&amp;y=&quot;2&quot;"');
    expect(html).toContain('30 分钟');
    expect(html).toContain('work for 30 minutes');
  });

  it('give every failure a status and a Chinese and an English explanation', () => {
    for (const [code, text] of Object.entries(FAILURES)) {
      const html = renderFailurePage(code as keyof typeof FAILURES);

      expect(text.status, code).toBeGreaterThanOrEqual(400);
      expect(text.zh, code).toMatch(/[\u4e00-\u9fff]/);
      expect(text.en, code).toMatch(/^[\x20-\x7e“”]+$/);
      expect(html, code).toContain(`data-error="${code}"`);
    }
  });
});
