import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_AUTHORIZER_APPID } from '../../local/wechat-sim/defaults';
import { TestBrowser } from '../support/h5-oauth-browser';
import { type Harness, RETURN_TO_ORIGIN, startHarness } from '../support/harness';
import { newPkcePair } from '../support/pkce';
import { startUrl } from './h5-oauth-flows';

describe('h5-oauth, end to end against the simulator', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    await h.sim.pushTicketNow();
  });
  afterAll(async () => h?.close());

  it('signs a user in with snsapi_userinfo and hands the page a session with the profile', async () => {
    const browser = new TestBrowser();
    const { codeVerifier, codeChallenge } = newPkcePair();
    const start = startUrl(h, { scope: 'snsapi_userinfo', code_challenge: codeChallenge });
    const user = h.sim.oauthUsers()[0]!;

    const first = await browser.get(start);
    const authorize = new URL(first.headers.get('location')!);
    authorize.searchParams.set('sim_user', user.id);
    const { hops } = await browser.follow(authorize.href, RETURN_TO_ORIGIN);
    const loginCode = new URL(hops.at(-1)!).searchParams.get('wx_login');
    const session = await fetch(`${h.gateway.url}/h5-oauth/session`, {
      method: 'POST',
      body: JSON.stringify({ loginCode, codeVerifier }),
      headers: { origin: RETURN_TO_ORIGIN },
    });
    const body = (await session.json()) as { token: string; user: { openid: string; nickname?: string } };
    const me = await fetch(`${h.gateway.url}/h5-oauth/session`, { headers: { authorization: `Bearer ${body.token}` } });

    expect(first.status).toBe(302);
    expect(session.status).toBe(200);
    expect(session.headers.get('access-control-allow-origin')).toBe(RETURN_TO_ORIGIN);
    expect(body.user.openid).toBe(user.openidFor(TEST_AUTHORIZER_APPID));
    expect(body.user.nickname).toBe(user.nickname);
    expect(me.status).toBe(200);
    expect(((await me.json()) as { openid: string }).openid).toBe(body.user.openid);
  });
});
