import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeH5OAuthHandler } from '../../functions/h5-oauth/app';
import { type HttpGateway, startHttpGateway } from '../../local/runtime/http-gateway';
import { TEST_AUTHORIZER_APPID } from '../../local/wechat-sim/defaults';
import { createWechatHttp } from '../../shared/wechat/component-api';
import { createSnsApi } from '../../shared/wechat/sns-api';
import { TestBrowser } from '../support/h5-oauth-browser';
import { type Harness, RETURN_TO, startHarness } from '../support/harness';
import { fetchTokenBehindOurBack } from '../support/rival-token-fetch';
import { callbackUrl, consent, expectFailurePage, redeem, simCalls, start } from './h5-oauth-flows';

const stale40001 = (h: Harness) => h.sim.stats().errors.sns_component_access_token?.['40001'] ?? 0;

describe('h5-oauth when WeChat misbehaves', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    await h.sim.pushTicketNow();
    await h.h5OAuthDeps.tokenReader.getComponentAccessToken();
  });
  afterEach(() => h.sim.setFaults({}));
  afterAll(async () => h?.close());

  /** A started sign-in and the callback WeChat sent its browser to, not yet followed. */
  async function startedAndConsented(browser = new TestBrowser()) {
    const started = await start(h, browser);
    const callback = await consent(h, browser, started);
    return { browser, started, callback, code: new URL(callback).searchParams.get('code')! };
  }

  it('answers 502 WECHAT_UNAVAILABLE with a retry link when WeChat keeps answering -1 through every retry', async () => {
    const { browser, started, callback, code } = await startedAndConsented();
    const callsBefore = simCalls(h);
    h.sim.setFaults({ failNext: [{ api: 'sns_component_access_token', errcode: -1, count: 3 }] });

    const response = await browser.get(callback);

    const retry = new URL(await expectFailurePage(response, 'WECHAT_UNAVAILABLE', [code, started.cookieValue]));
    expect(retry.href).toBe(RETURN_TO);
    expect(simCalls(h)).toBe(callsBefore + 3);
  });

  it('signs in when WeChat answers -1 twice and then succeeds', async () => {
    const { browser, callback } = await startedAndConsented();
    const callsBefore = simCalls(h);
    h.sim.setFaults({ failNext: [{ api: 'sns_component_access_token', errcode: -1, count: 2 }] });

    const response = await browser.get(callback);

    expect(response.status).toBe(302);
    expect(new URL(response.headers.get('location')!).searchParams.get('wx_login')).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(simCalls(h)).toBe(callsBefore + 3);
  });

  it('answers 502 WECHAT_UNAVAILABLE when WeChat drops the connection, without repeating the single-use code exchange', async () => {
    const { browser, started, callback, code } = await startedAndConsented();
    h.sim.setFaults({ dropNext: [{ api: 'sns_component_access_token', count: 3 }] });

    const response = await browser.get(callback);

    await expectFailurePage(response, 'WECHAT_UNAVAILABLE', [code, started.cookieValue]);
    // WeChat may have used the code before the connection dropped: a retry could only earn 40163 ("code been used").
    expect(h.sim.stats().errors.sns_component_access_token?.dropped).toBe(1);
  });

  it('answers 502 WECHAT_ERROR when WeChat refuses the exchange for a reason retrying cannot fix', async () => {
    const { browser, started, callback, code } = await startedAndConsented();
    const callsBefore = simCalls(h);
    h.sim.setFaults({ failNext: [{ api: 'sns_component_access_token', errcode: 61004, count: 1 }] });

    const response = await browser.get(callback);

    await expectFailurePage(response, 'WECHAT_ERROR', [code, started.cookieValue]);
    expect(simCalls(h)).toBe(callsBefore + 1);
  });

  it('lets a failed sign-in be started again from the page its retry link leads back to, and completed', async () => {
    const { browser, callback } = await startedAndConsented();
    h.sim.setFaults({ failNext: [{ api: 'sns_component_access_token', errcode: -1, count: 3 }] });
    const failed = await browser.get(callback);
    const retry = await expectFailurePage(failed, 'WECHAT_UNAVAILABLE');
    h.sim.setFaults({});

    // The page at the retry link starts a new sign-in with a fresh PKCE pair, as the README snippet does.
    const again = await startedAndConsented(browser);
    const landed = await browser.get(again.callback);

    expect(retry).toBe(RETURN_TO);
    expect(landed.status).toBe(302);
    const loginCode = new URL(landed.headers.get('location')!).searchParams.get('wx_login');
    expect((await redeem(h, { loginCode, codeVerifier: again.started.codeVerifier })).status).toBe(200);
  });

  describe('with an sns client whose timeout is shorter than WeChat’s answer', () => {
    const LATENCY_MS = 500;
    let slow: HttpGateway;
    beforeAll(async () => {
      // The harness client waits 5 s per attempt; a second gateway serves the same sign-in with a 150 ms one, so the
      // test takes about a second. The state, cookie and stores are shared: only the callback goes there.
      const handler = makeH5OAuthHandler({
        ...h.h5OAuthDeps,
        sns: createSnsApi(createWechatHttp({ baseUrl: h.sim.url, timeoutMs: 150, maxAttempts: 2, sleep: async () => {} })),
      });
      slow = await startHttpGateway({
        routes: [{ routeKey: 'GET /h5-oauth/callback', functionName: 'h5-oauth', handler }],
        now: h.clock.now,
      });
    });
    afterAll(async () => slow?.close());

    it('answers 502 WECHAT_UNAVAILABLE when WeChat answers after the client has given up', async () => {
      const browser = new TestBrowser();
      const started = await start(h, browser);
      const code = h.sim.issueOAuthCode({
        authorizerAppid: TEST_AUTHORIZER_APPID,
        userId: h.sim.oauthUsers()[0]!.id,
        scope: 'snsapi_base',
      });
      h.sim.setFaults({ latencyMs: LATENCY_MS });
      const startedAt = performance.now();

      const response = await fetch(callbackUrl(slow.url, { code, state: started.state, appid: TEST_AUTHORIZER_APPID }), {
        redirect: 'manual',
        headers: { cookie: started.cookie! },
      });
      const tookMs = performance.now() - startedAt;
      // The simulator still answers both abandoned attempts later; let it, so they do not land in the next test.
      await delay(startedAt + 2 * LATENCY_MS - performance.now());

      await expectFailurePage(response, 'WECHAT_UNAVAILABLE', [code, started.cookieValue]);
      expect(tookMs).toBeLessThan(LATENCY_MS);
    });
  });

  it('recovers from 40001 on a component token retired behind our back: one refresh, one retry, and the sign-in succeeds', async () => {
    await fetchTokenBehindOurBack(h);
    h.clock.advance(301_000); // the sim retires superseded tokens after 300 s
    const { browser, started, callback } = await startedAndConsented();
    const calls = { exchange: simCalls(h), token: simCalls(h, 'api_component_token'), stale: stale40001(h) };

    const response = await browser.get(callback);

    expect(response.status).toBe(302);
    const loginCode = new URL(response.headers.get('location')!).searchParams.get('wx_login');
    expect((await redeem(h, { loginCode, codeVerifier: started.codeVerifier })).status).toBe(200);
    expect(simCalls(h) - calls.exchange).toBe(2);
    expect(simCalls(h, 'api_component_token') - calls.token).toBe(1);
    expect(stale40001(h) - calls.stale).toBe(1);
  });
});

describe('h5-oauth before the platform has any component token', () => {
  let h: Harness;
  // No ticket is pushed: the refresher cannot get a component_access_token.
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => h?.close());

  it('answers 503 TOKEN_UNAVAILABLE with a retry link, without calling the sns API', async () => {
    const browser = new TestBrowser();
    const started = await start(h, browser);
    const callback = await consent(h, browser, started);

    const response = await browser.get(callback);

    await expectFailurePage(response, 'TOKEN_UNAVAILABLE', [new URL(callback).searchParams.get('code')!, started.cookieValue]);
    expect(simCalls(h)).toBe(0);
  });
});
