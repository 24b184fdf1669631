import { afterEach, describe, expect, it } from 'vitest';
import { TEST_AUTHORIZER_APPID } from '../../../local/wechat-sim/defaults';
import { getJson, userinfoUrl, userTokenFor } from './oauth-harness';
import { closeTestSims, fakeClock, fetchComponentToken, startTestSim } from './sim-harness';

afterEach(closeTestSims);

describe('GET /sns/userinfo', () => {
  it('answers the profile, privilege and unionid for an snsapi_userinfo token', async () => {
    const sim = await startTestSim();
    const token = await fetchComponentToken(sim);
    const user = await userTokenFor(sim, token, { userId: 'li-lei', scope: 'snsapi_userinfo' });
    const expected = sim.oauthUsers().find((candidate) => candidate.id === 'li-lei')!;

    const { status, json } = await getJson(userinfoUrl(sim, { access_token: String(user.access_token), openid: String(user.openid) }));

    expect(status).toBe(200);
    expect(json).toEqual({
      openid: expected.openidFor(TEST_AUTHORIZER_APPID),
      nickname: '李雷',
      sex: 1,
      province: '广东',
      city: '深圳',
      country: '中国',
      headimgurl: expected.headimgurl,
      privilege: [],
      unionid: expected.unionid,
    });
    expect(expected.headimgurl).toMatch(/^data:image\/svg\+xml;base64,/);
  });

  it('answers English place names for lang=en and leaves unionid out for a user without one', async () => {
    const sim = await startTestSim();
    const token = await fetchComponentToken(sim);
    const user = await userTokenFor(sim, token, { userId: 'wang-fang', scope: 'snsapi_userinfo' });

    const { json } = await getJson(userinfoUrl(sim, { access_token: String(user.access_token), openid: String(user.openid), lang: 'en' }));

    expect(json).toMatchObject({ nickname: 'Wang Fang 🌸', sex: 0, province: 'Shanghai', city: 'Xuhui', country: 'China' });
    expect(json).not.toHaveProperty('unionid');
  });

  it('rejects an snsapi_base token with 48001', async () => {
    const sim = await startTestSim();
    const token = await fetchComponentToken(sim);
    const user = await userTokenFor(sim, token, { userId: 'li-lei', scope: 'snsapi_base' });

    const { json } = await getJson(userinfoUrl(sim, { access_token: String(user.access_token), openid: String(user.openid) }));

    expect(json.errcode).toBe(48001);
  });

  it("rejects another user's openid with 40003 and a missing one with 41009", async () => {
    const sim = await startTestSim();
    const token = await fetchComponentToken(sim);
    const lilei = await userTokenFor(sim, token, { userId: 'li-lei', scope: 'snsapi_userinfo' });
    const hanmeimei = await userTokenFor(sim, token, { userId: 'han-meimei', scope: 'snsapi_userinfo' });

    const mismatch = await getJson(userinfoUrl(sim, { access_token: String(lilei.access_token), openid: String(hanmeimei.openid) }));
    const missing = await getJson(userinfoUrl(sim, { access_token: String(lilei.access_token) }));

    expect([mismatch.json.errcode, missing.json.errcode]).toEqual([40003, 41009]);
  });

  it('rejects a user token 2 hours after issue with 42001 and accepts a refreshed one', async () => {
    const clock = fakeClock();
    const sim = await startTestSim({ now: clock.now, tokenTtlSec: 86_400 });
    const token = await fetchComponentToken(sim);
    const user = await userTokenFor(sim, token, { userId: 'li-lei', scope: 'snsapi_userinfo' });

    clock.advanceSec(7199);
    const within = await getJson(userinfoUrl(sim, { access_token: String(user.access_token), openid: String(user.openid) }));
    clock.advanceSec(1);
    const expired = await getJson(userinfoUrl(sim, { access_token: String(user.access_token), openid: String(user.openid) }));

    expect(within.json.nickname).toBe('李雷');
    expect(expired.json.errcode).toBe(42001);
  });

  it('rejects a missing user token with 41001 and an unknown one, such as a component token, with 40001', async () => {
    const sim = await startTestSim();
    const token = await fetchComponentToken(sim);

    const missing = await getJson(userinfoUrl(sim, { openid: 'o'.repeat(28) }));
    const componentToken = await getJson(userinfoUrl(sim, { access_token: token, openid: 'o'.repeat(28) }));

    expect([missing.json.errcode, componentToken.json.errcode]).toEqual([41001, 40001]);
  });
});

describe('simulated users', () => {
  it('have openids that are stable per authorizer, differ between authorizers, and share one unionid', async () => {
    const first = await startTestSim();
    const second = await startTestSim();

    const [alice, again] = [first.oauthUsers()[0]!, second.oauthUsers()[0]!];

    expect(alice.openidFor(TEST_AUTHORIZER_APPID)).toBe(again.openidFor(TEST_AUTHORIZER_APPID));
    expect(alice.openidFor(TEST_AUTHORIZER_APPID)).not.toBe(alice.openidFor('wx2222222222222222'));
    expect(alice.openidFor(TEST_AUTHORIZER_APPID)).toMatch(/^o[A-Za-z0-9_-]{27}$/);
    expect(alice.unionid).toBe(again.unionid);
  });

  it('are at least three, with distinct openids, and some with a unionid and some without', async () => {
    const sim = await startTestSim();

    const users = sim.oauthUsers();

    expect(users.length).toBeGreaterThanOrEqual(3);
    expect(new Set(users.map((user) => user.openidFor(TEST_AUTHORIZER_APPID))).size).toBe(users.length);
    expect(users.some((user) => user.unionid !== undefined)).toBe(true);
    expect(users.some((user) => user.unionid === undefined)).toBe(true);
  });

  it('get the same unionid through the code exchange for two authorizers', async () => {
    const sim = await startTestSim({ authorizerAppids: [TEST_AUTHORIZER_APPID, 'wx2222222222222222'] });
    const token = await fetchComponentToken(sim);

    const one = await userTokenFor(sim, token, { userId: 'han-meimei', scope: 'snsapi_userinfo' });
    const two = await userTokenFor(sim, token, { userId: 'han-meimei', scope: 'snsapi_userinfo', authorizerAppid: 'wx2222222222222222' });

    expect(one.unionid).toEqual(expect.any(String));
    expect(one.unionid).toBe(two.unionid);
    expect(one.openid).not.toBe(two.openid);
  });
});
