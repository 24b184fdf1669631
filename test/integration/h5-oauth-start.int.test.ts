import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_AUTHORIZER_APPID } from '../../local/wechat-sim/defaults';
import { sha256Hex } from '../../shared/crypto/digests';
import { TestBrowser } from '../support/h5-oauth-browser';
import { type Harness, RETURN_TO, startHarness, TEST_SECRETS } from '../support/harness';
import { callbackUrl, expectFailurePage, scanItems, start, startUrl } from './h5-oauth-flows';

// Configured, then revoked by a push in one test; no other test uses it.
const REVOKED_APPID = 'wx2222222222222222';

describe('GET /h5-oauth/start', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ oauth: { authorizerAppids: [TEST_AUTHORIZER_APPID, REVOKED_APPID] } });
  });
  afterAll(async () => h?.close());

  it("redirects to WeChat's authorize URL with WeChat's parameter order, connect_redirect=1 and #wechat_redirect", async () => {
    const browser = new TestBrowser();

    const { response, authorize, state } = await start(h, browser, { scope: 'snsapi_userinfo' });

    const location = response.headers.get('location')!;
    expect(location).toBe(
      `${h.sim.url}/connect/oauth2/authorize?appid=${TEST_AUTHORIZER_APPID}` +
        `&redirect_uri=${encodeURIComponent(`${h.gateway.url}/h5-oauth/callback`)}` +
        `&response_type=code&scope=snsapi_userinfo&state=${state}&component_appid=${TEST_SECRETS.componentAppid}` +
        '&connect_redirect=1#wechat_redirect',
    );
    expect([...authorize.searchParams.keys()]).toEqual([
      'appid',
      'redirect_uri',
      'response_type',
      'scope',
      'state',
      'component_appid',
      'connect_redirect',
    ]);
    expect(response.headers.get('cache-control')).toBe('no-store');
  });

  it('gives every sign-in its own 32-character alphanumeric state', async () => {
    const browser = new TestBrowser();

    const states = [];
    for (let i = 0; i < 25; i++) states.push((await start(h, browser)).state);

    for (const state of states) expect(state).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(new Set(states).size).toBe(states.length);
  });

  it('binds the sign-in to the browser with a __Host- cookie: Secure, HttpOnly, SameSite=Lax, Path=/, Max-Age, no Domain', async () => {
    const browser = new TestBrowser();

    const { response, state } = await start(h, browser);

    const cookies = response.headers.getSetCookie();
    expect(cookies).toHaveLength(1);
    const [pair, ...attributes] = cookies[0]!.split(';').map((part) => part.trim());
    expect(pair).toMatch(new RegExp(`^__Host-wxo_${state}=[A-Za-z0-9]{43}$`));
    const names = attributes.map((attribute) => attribute.split('=')[0]!.toLowerCase());
    expect(names).toEqual(expect.arrayContaining(['secure', 'httponly', 'samesite', 'path', 'max-age']));
    expect(names).not.toContain('domain');
    expect(names).not.toContain('expires');
    expect(attributes).toContain('SameSite=Lax');
    expect(attributes).toContain('Path=/');
    expect(Number(attributes.find((attribute) => attribute.startsWith('Max-Age='))!.slice('Max-Age='.length))).toBe(900);
  });

  it('stores the sign-in state with only a hash of the cookie, never the cookie value itself', async () => {
    const browser = new TestBrowser();

    const { state, cookieValue } = await start(h, browser, { scope: 'snsapi_userinfo' });

    const item = (await scanItems(h, `H5_OAUTH_STATE#${TEST_SECRETS.componentAppid}#${state}`))[0]!;
    expect(item).toMatchObject({
      state,
      authorizerAppid: TEST_AUTHORIZER_APPID,
      scope: 'snsapi_userinfo',
      returnTo: RETURN_TO,
      bindingSha256: sha256Hex(cookieValue!),
    });
    expect(item.expiresAtMs).toBe(h.clock.now() + 600_000);
    expect(JSON.stringify(item)).not.toContain(cookieValue);
  });

  it('rejects an appid that is neither configured nor authorized by a push', async () => {
    const statesBefore = (await scanItems(h, 'H5_OAUTH_STATE#')).length;

    const response = await fetch(startUrl(h, { appid: 'wx4444444444444444' }), { redirect: 'manual' });

    expect(await expectFailurePage(response, 'UNKNOWN_AUTHORIZER')).toBe(RETURN_TO);
    expect(response.headers.getSetCookie()).toEqual([]);
    expect((await scanItems(h, 'H5_OAUTH_STATE#')).length).toBe(statesBefore);
  });

  it('rejects malformed appids', async () => {
    for (const appid of [
      'wx111111111111111',
      'wx11111111111111111',
      'WX1111111111111111',
      `${TEST_AUTHORIZER_APPID},${TEST_AUTHORIZER_APPID}`,
      '../wx1111111111111111',
    ]) {
      const response = await fetch(startUrl(h, { appid }), { redirect: 'manual' });

      await expectFailurePage(response, 'UNKNOWN_AUTHORIZER');
    }
  });

  it('rejects a configured authorizer once an unauthorized push has revoked it', async () => {
    const before = await fetch(startUrl(h, { appid: REVOKED_APPID }), { redirect: 'manual' });

    const pushed = await h.sim.pushEvent({ infoType: 'unauthorized', fields: { AuthorizerAppid: REVOKED_APPID } });
    const after = await fetch(startUrl(h, { appid: REVOKED_APPID }), { redirect: 'manual' });

    expect(before.status).toBe(302);
    expect(pushed.acked).toBe(true);
    await expectFailurePage(after, 'UNKNOWN_AUTHORIZER');
  });

  it('accepts an unconfigured authorizer once the worker has exchanged its authorization, not at the push', async () => {
    const [appid] = h.sim.addAuthorizedAccounts(1, { prefix: 'wxf' }) as [string];
    await h.sim.pushTicketNow();
    const before = await fetch(startUrl(h, { appid }), { redirect: 'manual' });

    const authorization = await h.sim.authorize({ authorizerAppid: appid });
    const atThePush = await fetch(startUrl(h, { appid }), { redirect: 'manual' });
    await h.drainJobs();
    const afterTheExchange = await fetch(startUrl(h, { appid }), { redirect: 'manual' });

    expect(before.status).toBe(400);
    expect(authorization.push.acked).toBe(true);
    expect(atThePush.status).toBe(400);
    expect(afterTheExchange.status).toBe(302);
    expect(new URL(afterTheExchange.headers.get('location')!).searchParams.get('appid')).toBe(appid);
  });

  it('rejects a scope other than snsapi_base or snsapi_userinfo', async () => {
    for (const scope of ['snsapi_login', 'SNSAPI_BASE', 'snsapi_base,snsapi_userinfo', 'snsapi_base ', 'snsapi_privateinfo']) {
      const response = await fetch(startUrl(h, { scope }), { redirect: 'manual' });

      await expectFailurePage(response, 'BAD_REQUEST');
    }
  });

  it('rejects a request missing appid, scope or return_to with 400', async () => {
    for (const missing of ['appid', 'scope', 'return_to'] as const) {
      const url = new URL(startUrl(h));
      url.searchParams.delete(missing);

      const emptied = new URL(startUrl(h));
      emptied.searchParams.set(missing, '');
      const responses = [await fetch(url, { redirect: 'manual' }), await fetch(emptied, { redirect: 'manual' })];

      for (const response of responses) await expectFailurePage(response, 'BAD_REQUEST');
    }
    await expectFailurePage(await fetch(`${h.gateway.url}/h5-oauth/start`, { redirect: 'manual' }), 'BAD_REQUEST');
  });
});

describe('GET /h5-oauth/start with cookie binding off', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ oauth: { cookieBinding: false } });
    await h.sim.pushTicketNow();
  });
  afterAll(async () => h?.close());

  it('sets no cookie and stores no binding', async () => {
    const browser = new TestBrowser();

    const { response, state } = await start(h, browser);

    expect(response.headers.getSetCookie()).toEqual([]);
    const item = (await scanItems(h, `H5_OAUTH_STATE#${TEST_SECRETS.componentAppid}#${state}`))[0]!;
    expect(item.bindingSha256).toBeNull();
  });

  it('completes a callback that arrives without any cookie', async () => {
    const { state } = await start(h, new TestBrowser());
    const code = h.sim.issueOAuthCode({ authorizerAppid: TEST_AUTHORIZER_APPID, userId: h.sim.oauthUsers()[0]!.id, scope: 'snsapi_base' });

    const response = await fetch(callbackUrl(h.gateway.url, { code, state, appid: TEST_AUTHORIZER_APPID }), { redirect: 'manual' });

    expect(response.status).toBe(302);
    expect(new URL(response.headers.get('location')!).searchParams.get('wx_login')).toMatch(/^[A-Za-z0-9]{32}$/);
  });

  it('rejects every replay of a used callback, since no browser can be told apart from another', async () => {
    const { state } = await start(h, new TestBrowser());
    const code = h.sim.issueOAuthCode({ authorizerAppid: TEST_AUTHORIZER_APPID, userId: h.sim.oauthUsers()[0]!.id, scope: 'snsapi_base' });
    const url = callbackUrl(h.gateway.url, { code, state, appid: TEST_AUTHORIZER_APPID });
    const first = await fetch(url, { redirect: 'manual' });

    const replay = await fetch(url, { redirect: 'manual' });

    expect(first.status).toBe(302);
    await expectFailurePage(replay, 'REPLAYED_ELSEWHERE', [code]);
  });
});
