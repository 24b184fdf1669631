import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_SECRETS } from '../support/harness';
import { type AuthorizationSystem, startAuthorizationSystem, wechatCalls } from './authorization-system';

/** The href of the anchor with this id, unescaped as a browser reads it. */
function linkHref(html: string, id: string): string {
  const match = new RegExp(`id="${id}"[^>]*href="([^"]+)"`).exec(html);
  if (!match) throw new Error(`no #${id} link on the page`);
  return match[1]!.replaceAll('&amp;', '&').replaceAll('&#39;', "'").replaceAll('&quot;', '"');
}

/** The failure code a refusal page names. */
function errorCodeOf(html: string): string | undefined {
  return /data-error="([A-Z_]+)"/.exec(html)?.[1];
}

/** A query value replaced in a URL. */
function withParam(url: string, name: string, value: string | null): string {
  const out = new URL(url);
  if (value === null) out.searchParams.delete(name);
  else out.searchParams.set(name, value);
  return out.toString();
}

describe('GET /authorize (signed links)', () => {
  let s: AuthorizationSystem;
  beforeAll(async () => {
    s = await startAuthorizationSystem();
  });
  afterAll(async () => s?.close());

  it('shows the PC and in-WeChat links around one fresh pre_auth_code, with a referrer policy WeChat accepts', async () => {
    const link = await s.makeLink({ authType: 3 });
    const before = wechatCalls(s.sim).preAuthCodes;

    const response = await fetch(link);
    const html = await response.text();

    expect(response.status).toBe(200);
    expect(response.headers.get('referrer-policy')).toBe('strict-origin-when-cross-origin');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('content-security-policy')).toMatch(/^default-src 'none';/);
    expect(response.headers.get('content-security-policy')).not.toMatch(/script-src/);
    expect(html).not.toContain('<script');
    const pc = new URL(linkHref(html, 'pc-link'));
    const inWechat = new URL(linkHref(html, 'wechat-link'));
    expect(`${pc.origin}${pc.pathname}`).toBe(`${s.sim.url}/cgi-bin/componentloginpage`);
    expect(`${inWechat.origin}${inWechat.pathname}`).toBe(`${s.sim.url}/wxaopen/safe/bindcomponent`);
    expect(inWechat.hash).toBe('#wechat_redirect');
    expect(Object.fromEntries(pc.searchParams)).toEqual({
      component_appid: TEST_SECRETS.componentAppid,
      pre_auth_code: expect.stringMatching(/.{8,}/),
      redirect_uri: s.callbackUrl,
      auth_type: '3',
    });
    expect(Object.fromEntries(inWechat.searchParams)).toEqual({
      action: 'bindcomponent',
      no_scan: '1',
      ...Object.fromEntries(pc.searchParams),
    });
    expect(wechatCalls(s.sim).preAuthCodes).toBe(before + 1);
  });

  it('creates exactly one pre_auth_code per view, a new one each time', async () => {
    const link = await s.makeLink({ authType: 1 });
    const before = wechatCalls(s.sim).preAuthCodes;

    const codes = [];
    for (let view = 0; view < 3; view++)
      codes.push(new URL(linkHref(await (await fetch(link)).text(), 'pc-link')).searchParams.get('pre_auth_code'));

    expect(wechatCalls(s.sim).preAuthCodes).toBe(before + 3);
    expect(new Set(codes).size).toBe(3);
  });

  it('passes biz_appid through to both links', async () => {
    const bizAppid = 'wx1111111111111111';
    const html = await (await fetch(await s.makeLink({ authType: 1, bizAppid }))).text();

    expect(new URL(linkHref(html, 'pc-link')).searchParams.get('biz_appid')).toBe(bizAppid);
    expect(new URL(linkHref(html, 'wechat-link')).searchParams.get('biz_appid')).toBe(bizAppid);
    expect(html).toContain(bizAppid);
  });

  it.each([
    ['auth_type changed', (url: string) => withParam(url, 'auth_type', '2'), 'LINK_SIGNATURE_INVALID'],
    [
      'exp extended',
      (url: string) => withParam(url, 'exp', String(Number(new URL(url).searchParams.get('exp')) + 86_400)),
      'LINK_SIGNATURE_INVALID',
    ],
    ['biz_appid added', (url: string) => withParam(url, 'biz_appid', 'wx2222222222222222'), 'LINK_SIGNATURE_INVALID'],
    ['sig replaced', (url: string) => withParam(url, 'sig', 'A'.repeat(43)), 'LINK_SIGNATURE_INVALID'],
    ['sig removed', (url: string) => withParam(url, 'sig', null), 'LINK_SIGNATURE_MISSING'],
    ['exp not a number', (url: string) => withParam(url, 'exp', 'soon'), 'LINK_MALFORMED'],
    ['auth_type repeated', (url: string) => `${url}&auth_type=1`, 'LINK_MALFORMED'],
  ])('refuses a link with %s with a 400 bilingual page and creates no pre_auth_code', async (_name, tamper, code) => {
    const link = await s.makeLink({ authType: 3 });
    const before = wechatCalls(s.sim).preAuthCodes;

    const response = await fetch(tamper(link));
    const html = await response.text();

    expect(response.status).toBe(400);
    expect(errorCodeOf(html)).toBe(code);
    expect(html).toMatch(/[\u4e00-\u9fff]/);
    expect(html).toContain('Ask the platform operator for a new authorization link.');
    expect(html).not.toContain(new URL(link).searchParams.get('sig')!);
    expect(wechatCalls(s.sim).preAuthCodes).toBe(before);
  });

  it('refuses a link from the second it expires, and creates no pre_auth_code', async () => {
    const link = await s.makeLink({ authType: 1, ttlSec: 600 });
    const before = wechatCalls(s.sim).preAuthCodes;
    s.clock.advance(600_000);

    const response = await fetch(link);

    expect(response.status).toBe(400);
    expect(errorCodeOf(await response.text())).toBe('LINK_EXPIRED');
    expect(wechatCalls(s.sim).preAuthCodes).toBe(before);
  });

  it('refuses an unsigned link in signed mode', async () => {
    const response = await fetch(`${s.pageUrl}?auth_type=1`);

    expect(response.status).toBe(400);
    expect(errorCodeOf(await response.text())).toBe('LINK_SIGNATURE_MISSING');
  });

  it('answers 502 with a retry link when WeChat does not answer, and 502 when it refuses', async () => {
    const link = await s.makeLink({ authType: 1 });
    s.sim.setFaults({ failNext: [{ api: 'api_create_preauthcode', errcode: -1, count: 3 }] });

    const busy = await fetch(link);
    const busyHtml = await busy.text();
    s.sim.setFaults({ failNext: [{ api: 'api_create_preauthcode', errcode: 45009, count: 1 }] });
    const refused = await fetch(link);

    expect(busy.status).toBe(502);
    expect(errorCodeOf(busyHtml)).toBe('WECHAT_UNAVAILABLE');
    expect(linkHref(busyHtml, 'retry')).toBe(new URL(link).search);
    expect(refused.status).toBe(502);
    expect(errorCodeOf(await refused.text())).toBe('WECHAT_ERROR');
    s.sim.setFaults({});
  });

  it('answers 405 to other methods and 404 elsewhere', async () => {
    const link = await s.makeLink({ authType: 1 });

    expect((await fetch(link, { method: 'POST' })).status).toBe(405);
    expect((await fetch(`${s.pageUrl}/elsewhere`)).status).toBe(404);
  });
});

describe('GET /authorize rate limit', () => {
  let s: AuthorizationSystem;
  beforeAll(async () => {
    s = await startAuthorizationSystem({ preAuthCodesPerMinute: 2 });
  });
  afterAll(async () => s?.close());

  it('answers 429 with Retry-After once the minute allowance is spent, without a pre_auth_code, and serves again next minute', async () => {
    const link = await s.makeLink({ authType: 1 });
    s.clock.advance(60_000 - (s.clock.now() % 60_000) + 15_000);
    const before = wechatCalls(s.sim).preAuthCodes;

    const allowed = [(await fetch(link)).status, (await fetch(link)).status];
    const limited = await fetch(link);
    const limitedHtml = await limited.text();
    const callsWhenLimited = wechatCalls(s.sim).preAuthCodes;
    s.clock.advance(45_000);
    const nextMinute = await fetch(link);

    expect(allowed).toEqual([200, 200]);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('45');
    expect(errorCodeOf(limitedHtml)).toBe('RATE_LIMITED');
    expect(callsWhenLimited).toBe(before + 2);
    expect(nextMinute.status).toBe(200);
  });

  it('counts only views that passed the link checks', async () => {
    const link = await s.makeLink({ authType: 1 });
    s.clock.advance(60_000 - (s.clock.now() % 60_000));
    for (let i = 0; i < 5; i++) await fetch(withParam(link, 'auth_type', '2'));

    const statuses = [(await fetch(link)).status, (await fetch(link)).status];

    expect(statuses).toEqual([200, 200]);
  });
});

describe('GET /authorize (open mode)', () => {
  let s: AuthorizationSystem;
  beforeAll(async () => {
    s = await startAuthorizationSystem({ pageMode: 'open' });
  });
  afterAll(async () => s?.close());

  it('opens from an unsigned ?auth_type= link', async () => {
    const response = await fetch(`${s.pageUrl}?auth_type=2`);

    expect(response.status).toBe(200);
    expect(new URL(linkHref(await response.text(), 'pc-link')).searchParams.get('auth_type')).toBe('2');
  });

  it('still refuses a malformed link, and a signed link that was altered', async () => {
    const tampered = withParam(await s.makeLink({ authType: 1 }), 'auth_type', '3');

    expect(errorCodeOf(await (await fetch(`${s.pageUrl}?auth_type=7`)).text())).toBe('LINK_MALFORMED');
    expect(errorCodeOf(await (await fetch(tampered)).text())).toBe('LINK_SIGNATURE_INVALID');
  });
});

describe('authorizer worker action authorization-link', () => {
  let s: AuthorizationSystem;
  beforeAll(async () => {
    s = await startAuthorizationSystem();
  });
  afterAll(async () => s?.close());

  it('answers a signed link to the page and its expiry, 7 days by default', async () => {
    const out = await s.invokeWorker({ action: 'authorization-link', authType: 2 });

    const { url, expiresAt } = out.payload as { url: string; expiresAt: string };
    expect(out.functionError).toBeUndefined();
    expect(url.startsWith(`${s.pageUrl}?auth_type=2&exp=`)).toBe(true);
    expect(expiresAt).toBe(new Date(s.clock.nowSec * 1000 + 7 * 86_400_000).toISOString());
  });

  it('refuses to make a link through the reader alias', async () => {
    const out = await s.invokeWorker({ action: 'authorization-link', authType: 1 }, 'reader');

    expect(out.functionError).toBe('Unhandled');
    expect(JSON.stringify(out.payload)).toContain("'authorization-link' is refused through qualifier 'reader'");
  });

  it.each([
    [{ authType: 1, ttlSec: 31 * 86_400 }, 'ttlSec must be a whole number of seconds from 60 to 2592000'],
    [{ authType: 5 }, 'authType must be 1'],
    [{ authType: 1, bizAppid: 'gh_123' }, 'bizAppid must be an appid'],
  ])('refuses %j naming the field', async (request, message) => {
    const out = await s.invokeWorker({ action: 'authorization-link', ...request });

    expect(out.functionError).toBe('Unhandled');
    expect(JSON.stringify(out.payload)).toContain(message);
  });
});
