import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_AUTHORIZER_APPID } from '../../local/wechat-sim/defaults';
import { randomAlphanumeric } from '../../shared/h5-oauth/random-token';
import { TestBrowser } from '../support/h5-oauth-browser';
import { type Harness, RETURN_TO, startHarness } from '../support/harness';
import {
  callbackUrl,
  consent,
  expectFailurePage,
  h5OAuth,
  type Redemption,
  redeem,
  type Started,
  scanItems,
  simCalls,
  start,
} from './h5-oauth-flows';

const STATE_TTL_MS = 600_000;
const REPLAY_WINDOW_MS = 300_000;

describe('GET /h5-oauth/callback', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    await h.sim.pushTicketNow();
    // Warm the token reader, so sns call counts below are about the sign-in alone.
    await h.h5OAuthDeps.tokenReader.getComponentAccessToken();
  });
  afterAll(async () => h?.close());

  const issueCode = (userId = h.sim.oauthUsers()[0]!.id) =>
    h.sim.issueOAuthCode({ authorizerAppid: TEST_AUTHORIZER_APPID, userId, scope: 'snsapi_base' });
  const callbackFor = (started: Started, code: string) =>
    callbackUrl(h.gateway.url, { code, state: started.state, appid: TEST_AUTHORIZER_APPID });
  const openidOf = async (redemption: Redemption) =>
    ((await (await redeem(h, redemption)).json()) as { user: { openid: string } }).user.openid;

  it('lands on return_to with a single-use 32-character wx_login', async () => {
    const user = h.sim.oauthUsers()[1]!;

    const signedIn = await h5OAuth(h, new TestBrowser(), { userId: user.id });

    expect(`${signedIn.landing.origin}${signedIn.landing.pathname}`).toBe(RETURN_TO);
    expect(signedIn.loginCode).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(await openidOf(signedIn)).toBe(user.openidFor(TEST_AUTHORIZER_APPID));
  });

  it("adds wx_login to return_to without rewriting the page's own query text", async () => {
    const returnTo = `${RETURN_TO}?q=a%20b&flag#top`;

    const { landing } = await h5OAuth(h, new TestBrowser(), { returnTo });

    expect(landing.href).toMatch(/\?q=a%20b&flag&wx_login=[A-Za-z0-9]{32}#top$/);
  });

  it('replaces a stale wx_login or wx_error that return_to already carries', async () => {
    const { landing } = await h5OAuth(h, new TestBrowser(), { returnTo: `${RETURN_TO}?wx_error=access_denied&wx_login=old` });

    expect([...landing.searchParams.keys()]).toEqual(['wx_login']);
    expect(landing.searchParams.get('wx_login')).toMatch(/^[A-Za-z0-9]{32}$/);
  });

  it('rejects an unknown state with 400 UNKNOWN_STATE, a link back to the application, and no WeChat call', async () => {
    const callsBefore = simCalls(h);

    const response = await fetch(
      callbackUrl(h.gateway.url, { code: issueCode(), state: randomAlphanumeric(32), appid: TEST_AUTHORIZER_APPID }),
      { redirect: 'manual' },
    );

    // Nothing is known about this sign-in, so "try again" leads back to the application, which starts a new one.
    expect(await expectFailurePage(response, 'UNKNOWN_STATE')).toBe(RETURN_TO);
    expect(simCalls(h)).toBe(callsBefore);
  });

  it('rejects a missing or malformed state with 400 UNKNOWN_STATE', async () => {
    for (const state of ['', 'short!', 'a'.repeat(129), '../../etc', 'abc def']) {
      const url = new URL(callbackUrl(h.gateway.url, { code: 'x', state, appid: TEST_AUTHORIZER_APPID }));
      if (state === '') url.searchParams.delete('state');

      await expectFailurePage(await fetch(url, { redirect: 'manual' }), 'UNKNOWN_STATE');
    }
  });

  it('still accepts a callback one second before the state expires', async () => {
    const browser = new TestBrowser();
    const started = await start(h, browser);
    h.clock.advance(STATE_TTL_MS - 1_000);

    const response = await browser.get(await consent(h, browser, started));

    expect(response.status).toBe(302);
  });

  it('rejects an expired state with 400 and a retry link back to the page that started it, where a new sign-in begins', async () => {
    const browser = new TestBrowser();
    const returnTo = `${RETURN_TO}orders?tab=paid`;
    const started = await start(h, browser, { scope: 'snsapi_userinfo', return_to: returnTo });
    h.clock.advance(STATE_TTL_MS + 1);
    const callback = await consent(h, browser, started);
    const callsBefore = simCalls(h);

    const response = await browser.get(callback);

    const retry = await expectFailurePage(response, 'STATE_EXPIRED', [new URL(callback).searchParams.get('code')!, started.cookieValue]);
    expect(retry).toBe(returnTo);
    expect(simCalls(h)).toBe(callsBefore);
  });

  it('links the retry back to the page without the wx_login or wx_error of an earlier round trip, and never to a start URL with the old challenge', async () => {
    const browser = new TestBrowser();
    const started = await start(h, browser, { return_to: `${RETURN_TO}?q=a%20b&wx_error=access_denied&wx_login=old` });
    h.clock.advance(STATE_TTL_MS + 1);

    const response = await browser.get(await consent(h, browser, started));

    const retry = await expectFailurePage(response, 'STATE_EXPIRED');
    expect(retry).toBe(`${RETURN_TO}?q=a+b`);
    expect(retry).not.toContain('/h5-oauth/start');
  });

  describe('a replayed callback', () => {
    it('from the same browser within 5 minutes lands again with a new login code for the same user and no second WeChat call', async () => {
      const browser = new TestBrowser();
      const user = h.sim.oauthUsers()[0]!;
      const first = await h5OAuth(h, browser, { userId: user.id, scope: 'snsapi_userinfo' });
      const firstOpenid = await openidOf(first);
      const calls = { exchange: simCalls(h), userinfo: simCalls(h, 'sns_userinfo') };
      h.clock.advance(REPLAY_WINDOW_MS - 1_000);

      const replay = await browser.get(first.callback);

      expect(replay.status).toBe(302);
      const landing = new URL(replay.headers.get('location')!);
      const loginCode = landing.searchParams.get('wx_login')!;
      expect(`${landing.origin}${landing.pathname}`).toBe(RETURN_TO);
      expect(loginCode).toMatch(/^[A-Za-z0-9]{32}$/);
      expect(loginCode).not.toBe(first.loginCode);
      expect({ exchange: simCalls(h), userinfo: simCalls(h, 'sns_userinfo') }).toEqual(calls);
      // Bound to the same PKCE challenge as the first: the page that started the sign-in redeems it with its verifier.
      expect(await openidOf({ loginCode, codeVerifier: first.codeVerifier })).toBe(user.openidFor(TEST_AUTHORIZER_APPID));
      expect(firstOpenid).toBe(user.openidFor(TEST_AUTHORIZER_APPID));
    });

    it('rejects a replay from another browser with 400 REPLAYED_ELSEWHERE', async () => {
      const first = await h5OAuth(h, new TestBrowser());
      const callsBefore = simCalls(h);

      const replay = await new TestBrowser().get(first.callback);

      await expectFailurePage(replay, 'REPLAYED_ELSEWHERE', [first.code, first.started.cookieValue, first.loginCode]);
      expect(simCalls(h)).toBe(callsBefore);
    });

    it('rejects a replay from the same browser after the 5-minute window with 400', async () => {
      const browser = new TestBrowser();
      const first = await h5OAuth(h, browser);
      h.clock.advance(REPLAY_WINDOW_MS + 1_000);

      const replay = await browser.get(first.callback);

      await expectFailurePage(replay, 'UNKNOWN_STATE', [first.code, first.started.cookieValue, first.loginCode]);
    });

    it('rejects a replay from the same browser that carries another code with 400', async () => {
      const browser = new TestBrowser();
      const first = await h5OAuth(h, browser);
      const otherCode = issueCode();

      const replay = await browser.get(callbackFor(first.started, otherCode));

      await expectFailurePage(replay, 'UNKNOWN_STATE', [otherCode, first.started.cookieValue]);
    });

    it('calls WeChat once when the same browser fires the callback five times at once, and lands every time', async () => {
      const browser = new TestBrowser();
      const started = await start(h, browser);
      const callback = await consent(h, browser, started);
      const callsBefore = simCalls(h);

      const responses = await Promise.all(Array.from({ length: 5 }, () => browser.get(callback)));

      expect(responses.map((response) => response.status)).toEqual([302, 302, 302, 302, 302]);
      const loginCodes = responses.map((response) => new URL(response.headers.get('location')!).searchParams.get('wx_login'));
      expect(new Set(loginCodes).size).toBe(5);
      expect(simCalls(h)).toBe(callsBefore + 1);
    });
  });

  describe('browser binding', () => {
    it('rejects a first callback from another browser (no cookie) with 400 COOKIE_MISSING, leaving the sign-in to its own browser', async () => {
      const browser = new TestBrowser();
      const started = await start(h, browser);
      const callback = await consent(h, browser, started);
      const callsBefore = simCalls(h);

      const elsewhere = await new TestBrowser().get(callback);
      const callsAfterRefusal = simCalls(h);
      const own = await browser.get(callback);

      await expectFailurePage(elsewhere, 'COOKIE_MISSING', [new URL(callback).searchParams.get('code')!, started.cookieValue]);
      expect(callsAfterRefusal).toBe(callsBefore);
      expect(own.status).toBe(302);
    });

    it('rejects a callback whose binding cookie has the wrong value with 400 COOKIE_MISMATCH, leaving the sign-in to its own browser', async () => {
      const browser = new TestBrowser();
      const started = await start(h, browser);
      const callback = await consent(h, browser, started);
      const callsBefore = simCalls(h);

      const forged = await fetch(callback, {
        redirect: 'manual',
        headers: { cookie: `__Host-wxo_${started.state}=${randomAlphanumeric(43)}` },
      });
      const own = await browser.get(callback);

      await expectFailurePage(forged, 'COOKIE_MISMATCH', [new URL(callback).searchParams.get('code')!, started.cookieValue]);
      expect(simCalls(h)).toBe(callsBefore + 1);
      expect(own.status).toBe(302);
    });

    it("rejects a callback that carries another sign-in's cookie with 400 COOKIE_MISSING", async () => {
      const attacker = new TestBrowser();
      const attackers = await start(h, attacker);
      const victim = new TestBrowser();
      const victims = await start(h, victim);
      const callback = await consent(h, victim, victims);

      const response = await fetch(callback, { redirect: 'manual', headers: { cookie: attackers.cookie! } });

      await expectFailurePage(response, 'COOKIE_MISSING', [attackers.cookieValue, victims.cookieValue]);
    });
  });

  it('rejects a callback for another appid with 400 APPID_MISMATCH and calls no WeChat API', async () => {
    const browser = new TestBrowser();
    const started = await start(h, browser);
    const code = issueCode();
    const callsBefore = simCalls(h);

    const other = await browser.get(callbackUrl(h.gateway.url, { code, state: started.state, appid: 'wx5555555555555555' }));
    const missing = await browser.get(callbackUrl(h.gateway.url, { code, state: started.state }));
    const own = await browser.get(callbackFor(started, code));

    await expectFailurePage(other, 'APPID_MISMATCH', [code, started.cookieValue]);
    await expectFailurePage(missing, 'APPID_MISMATCH', [code, started.cookieValue]);
    expect(simCalls(h)).toBe(callsBefore + 1);
    expect(own.status).toBe(302);
  });

  it('sends a refusal back to return_to with wx_error=access_denied, storing no user and calling no WeChat API', async () => {
    const browser = new TestBrowser();
    const started = await start(h, browser, { scope: 'snsapi_userinfo' });
    const usersBefore = (await scanItems(h, 'USER#')).length;
    const callsBefore = simCalls(h);

    const callback = await consent(h, browser, started, 'refuse');
    const response = await browser.get(callback);
    const replay = await browser.get(callback);

    expect(new URL(callback).searchParams.has('code')).toBe(false);
    expect(response.status).toBe(302);
    const landing = new URL(response.headers.get('location')!);
    expect(`${landing.origin}${landing.pathname}`).toBe(RETURN_TO);
    expect(Object.fromEntries(landing.searchParams)).toEqual({ wx_error: 'access_denied' });
    expect(replay.headers.get('location')).toBe(response.headers.get('location'));
    expect((await scanItems(h, 'USER#')).length).toBe(usersBefore);
    expect(simCalls(h)).toBe(callsBefore);
  });

  it('rejects a code WeChat has already exchanged with 400 CODE_REJECTED and a retry link', async () => {
    const code = issueCode();
    const firstBrowser = new TestBrowser();
    const first = await firstBrowser.get(callbackFor(await start(h, firstBrowser), code));
    const browser = new TestBrowser();
    const second = await start(h, browser);

    const response = await browser.get(callbackFor(second, code));

    expect(first.status).toBe(302);
    const retry = new URL(await expectFailurePage(response, 'CODE_REJECTED', [code, second.cookieValue]));
    expect(retry.href).toBe(RETURN_TO);
    expect(h.sim.stats().errors.sns_component_access_token?.['40163']).toBeGreaterThanOrEqual(1);
  });

  it('rejects a code WeChat never issued with 400 CODE_REJECTED', async () => {
    const browser = new TestBrowser();
    const started = await start(h, browser);
    const code = randomBytes(16).toString('hex');

    const response = await browser.get(callbackFor(started, code));

    await expectFailurePage(response, 'CODE_REJECTED', [code, started.cookieValue]);
  });

  it('answers a failed sign-in replayed by the same browser with the same failure and no second WeChat call', async () => {
    const browser = new TestBrowser();
    const started = await start(h, browser);
    const code = randomBytes(16).toString('hex');
    const first = await browser.get(callbackFor(started, code));
    const callsBefore = simCalls(h);

    const replay = await browser.get(callbackFor(started, code));

    expect(first.status).toBe(400);
    await expectFailurePage(replay, 'CODE_REJECTED', [code, started.cookieValue]);
    expect(simCalls(h)).toBe(callsBefore);
  });

  it('keeps callback answers out of caches and referrers: the landing redirect and the failure page alike', async () => {
    const browser = new TestBrowser();
    const started = await start(h, browser);
    const callback = await consent(h, browser, started);

    const landed = await browser.get(callback);
    const failed = await new TestBrowser().get(callback);

    expect([landed.status, failed.status]).toEqual([302, 400]);
    for (const response of [landed, failed]) {
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    }
    expect(failed.headers.get('content-security-policy')).toContain("default-src 'none'");
  });
});
