import { afterEach, describe, expect, it } from 'vitest';
import { TEST_AUTHORIZER_APPID } from '../../../local/wechat-sim/defaults';
import { accessTokenUrl, authorizeUrl, browse, getJson, queryOf, refreshTokenUrl, userTokenFor } from './oauth-harness';
import { closeTestSims, fakeClock, fetchComponentToken, startTestSim } from './sim-harness';

afterEach(closeTestSims);

const OTHER_AUTHORIZER = 'wx2222222222222222';

describe('GET /sns/oauth2/component/access_token', () => {
  it('exchanges a code from the browser flow for a user token, openid and scope', async () => {
    const sim = await startTestSim();
    const token = await fetchComponentToken(sim);
    const { location } = await browse(authorizeUrl(sim, { scope: 'snsapi_base', sim_user: 'han-meimei' }));

    const { status, json } = await getJson(accessTokenUrl(sim, { code: queryOf(location).code!, component_access_token: token }));

    const user = sim.oauthUsers().find((candidate) => candidate.id === 'han-meimei')!;
    expect(status).toBe(200);
    expect(json).toEqual({
      access_token: expect.stringMatching(/^[A-Za-z0-9_-]{86}$/),
      expires_in: 7200,
      refresh_token: expect.stringMatching(/^[A-Za-z0-9_-]{86}$/),
      openid: user.openidFor(TEST_AUTHORIZER_APPID),
      scope: 'snsapi_base',
    });
  });

  it('adds the unionid for snsapi_userinfo when the user has one, and not for snsapi_base', async () => {
    const sim = await startTestSim();
    const token = await fetchComponentToken(sim);
    const user = sim.oauthUsers().find((candidate) => candidate.id === 'li-lei')!;

    const userinfo = await userTokenFor(sim, token, { userId: 'li-lei', scope: 'snsapi_userinfo' });
    const base = await userTokenFor(sim, token, { userId: 'li-lei', scope: 'snsapi_base' });

    expect(user.unionid).toMatch(/^o[A-Za-z0-9_-]{28}$/);
    expect(userinfo.unionid).toBe(user.unionid);
    expect(base).not.toHaveProperty('unionid');
  });

  it('leaves the unionid out for a user who has none', async () => {
    const sim = await startTestSim();
    const token = await fetchComponentToken(sim);

    const json = await userTokenFor(sim, token, { userId: 'wang-fang', scope: 'snsapi_userinfo' });

    expect(json).not.toHaveProperty('unionid');
    expect(json.scope).toBe('snsapi_userinfo');
  });

  it('marks the snapshot-mode virtual user with is_snapshotuser 1', async () => {
    const sim = await startTestSim();
    const token = await fetchComponentToken(sim);

    const snapshot = await userTokenFor(sim, token, { userId: 'snapshot', scope: 'snsapi_userinfo' });
    const regular = await userTokenFor(sim, token, { userId: 'li-lei', scope: 'snsapi_userinfo' });

    expect(snapshot.is_snapshotuser).toBe(1);
    expect(regular).not.toHaveProperty('is_snapshotuser');
  });

  it('accepts the component token under the newer parameter name access_token', async () => {
    const sim = await startTestSim();
    const token = await fetchComponentToken(sim);
    const code = sim.issueOAuthCode({ authorizerAppid: TEST_AUTHORIZER_APPID, userId: 'li-lei', scope: 'snsapi_base' });

    const { json } = await getJson(accessTokenUrl(sim, { code, access_token: token }));

    expect(json.access_token).toEqual(expect.any(String));
  });

  it('rejects a second exchange of the same code with 40163', async () => {
    const sim = await startTestSim();
    const token = await fetchComponentToken(sim);
    const code = sim.issueOAuthCode({ authorizerAppid: TEST_AUTHORIZER_APPID, userId: 'li-lei', scope: 'snsapi_base' });
    await getJson(accessTokenUrl(sim, { code, component_access_token: token }));

    const { json } = await getJson(accessTokenUrl(sim, { code, component_access_token: token }));

    expect(json.errcode).toBe(40163);
  });

  it('rejects a code 5 minutes after issue with 40029 and accepts it a second before', async () => {
    const clock = fakeClock();
    const sim = await startTestSim({ now: clock.now });
    const token = await fetchComponentToken(sim);
    const early = sim.issueOAuthCode({ authorizerAppid: TEST_AUTHORIZER_APPID, userId: 'li-lei', scope: 'snsapi_base' });
    const late = sim.issueOAuthCode({ authorizerAppid: TEST_AUTHORIZER_APPID, userId: 'li-lei', scope: 'snsapi_base' });

    clock.advanceSec(299);
    const within = await getJson(accessTokenUrl(sim, { code: early, component_access_token: token }));
    clock.advanceSec(1);
    const expired = await getJson(accessTokenUrl(sim, { code: late, component_access_token: token }));

    expect(within.json.access_token).toEqual(expect.any(String));
    expect(expired.json.errcode).toBe(40029);
  });

  it('rejects a code the simulator never issued with 40029', async () => {
    const sim = await startTestSim();
    const token = await fetchComponentToken(sim);

    const { json } = await getJson(accessTokenUrl(sim, { code: 'A'.repeat(32), component_access_token: token }));

    expect(json.errcode).toBe(40029);
  });

  it('rejects a code issued for another authorizer with 40029, without using it up', async () => {
    const sim = await startTestSim({ authorizerAppids: [TEST_AUTHORIZER_APPID, OTHER_AUTHORIZER] });
    const token = await fetchComponentToken(sim);
    const code = sim.issueOAuthCode({ authorizerAppid: TEST_AUTHORIZER_APPID, userId: 'li-lei', scope: 'snsapi_base' });

    const foreign = await getJson(accessTokenUrl(sim, { appid: OTHER_AUTHORIZER, code, component_access_token: token }));
    const rightful = await getJson(accessTokenUrl(sim, { code, component_access_token: token }));

    expect(foreign.json.errcode).toBe(40029);
    expect(rightful.json.access_token).toEqual(expect.any(String));
  });

  it('rejects a missing component token with 41001, an unknown one with 40001 and an expired one with 42001', async () => {
    const clock = fakeClock();
    const sim = await startTestSim({ now: clock.now });
    const token = await fetchComponentToken(sim);
    const code = sim.issueOAuthCode({ authorizerAppid: TEST_AUTHORIZER_APPID, userId: 'li-lei', scope: 'snsapi_base' });

    const missing = await getJson(accessTokenUrl(sim, { code }));
    const unknown = await getJson(accessTokenUrl(sim, { code, component_access_token: 'f'.repeat(86) }));
    clock.advanceSec(7200);
    const expired = await getJson(accessTokenUrl(sim, { code, component_access_token: token }));

    expect([missing.json.errcode, unknown.json.errcode, expired.json.errcode]).toEqual([41001, 40001, 42001]);
  });

  it('checks the component token before the code, so a rejected call does not use the code up', async () => {
    const sim = await startTestSim();
    const token = await fetchComponentToken(sim);
    const code = sim.issueOAuthCode({ authorizerAppid: TEST_AUTHORIZER_APPID, userId: 'li-lei', scope: 'snsapi_base' });

    const rejected = await getJson(accessTokenUrl(sim, { code, component_access_token: 'f'.repeat(86) }));
    const accepted = await getJson(accessTokenUrl(sim, { code, component_access_token: token }));

    expect(rejected.json.errcode).toBe(40001);
    expect(accepted.json.access_token).toEqual(expect.any(String));
  });

  it('rejects a foreign component_appid with 61011, a missing appid with 41002, a wrong grant_type with 40002 and a missing code with 41008', async () => {
    const sim = await startTestSim();
    const token = await fetchComponentToken(sim);
    const code = sim.issueOAuthCode({ authorizerAppid: TEST_AUTHORIZER_APPID, userId: 'li-lei', scope: 'snsapi_base' });
    const call = async (params: Record<string, string | null>) =>
      (await getJson(accessTokenUrl(sim, { code, component_access_token: token, ...params }))).json.errcode;

    const errcodes = [
      await call({ component_appid: 'wx0000000000000bad' }),
      await call({ appid: null }),
      await call({ grant_type: 'client_credential' }),
      await call({ code: null }),
    ];

    expect(errcodes).toEqual([61011, 41002, 40002, 41008]);
  });
});

describe('GET /sns/oauth2/component/refresh_token', () => {
  it('answers a new access token with the same refresh token, openid and scope', async () => {
    const sim = await startTestSim();
    const token = await fetchComponentToken(sim);
    const first = await userTokenFor(sim, token, { userId: 'li-lei', scope: 'snsapi_userinfo' });

    const { json } = await getJson(refreshTokenUrl(sim, { refresh_token: String(first.refresh_token), component_access_token: token }));

    expect(json).toEqual({
      access_token: expect.any(String),
      expires_in: 7200,
      refresh_token: first.refresh_token,
      openid: first.openid,
      scope: 'snsapi_userinfo',
    });
    expect(json.access_token).not.toBe(first.access_token);
  });

  it('rejects a refresh token 30 days after the code exchange with 40030, even if it was used meanwhile', async () => {
    const clock = fakeClock();
    const sim = await startTestSim({ now: clock.now, tokenTtlSec: 40 * 86_400 });
    const token = await fetchComponentToken(sim);
    const first = await userTokenFor(sim, token, { userId: 'li-lei', scope: 'snsapi_base' });
    const refresh = () => getJson(refreshTokenUrl(sim, { refresh_token: String(first.refresh_token), component_access_token: token }));

    clock.advanceSec(29 * 86_400);
    const day29 = await refresh();
    clock.advanceSec(86_400);
    const day30 = await refresh();

    expect(day29.json.access_token).toEqual(expect.any(String));
    expect(day30.json.errcode).toBe(40030);
  });

  it('rejects an unknown refresh token, or one of another authorizer, with 40030', async () => {
    const sim = await startTestSim({ authorizerAppids: [TEST_AUTHORIZER_APPID, OTHER_AUTHORIZER] });
    const token = await fetchComponentToken(sim);
    const first = await userTokenFor(sim, token, { userId: 'li-lei', scope: 'snsapi_base' });

    const unknown = await getJson(refreshTokenUrl(sim, { refresh_token: 'r'.repeat(86), component_access_token: token }));
    const foreign = await getJson(
      refreshTokenUrl(sim, { appid: OTHER_AUTHORIZER, refresh_token: String(first.refresh_token), component_access_token: token }),
    );

    expect([unknown.json.errcode, foreign.json.errcode]).toEqual([40030, 40030]);
  });

  it('rejects a missing component token with 41001, a missing refresh_token with 41003 and a wrong grant_type with 40002', async () => {
    const sim = await startTestSim();
    const token = await fetchComponentToken(sim);
    const first = await userTokenFor(sim, token, { userId: 'li-lei', scope: 'snsapi_base' });
    const refreshToken = String(first.refresh_token);

    const noToken = await getJson(refreshTokenUrl(sim, { refresh_token: refreshToken }));
    const noRefresh = await getJson(refreshTokenUrl(sim, { component_access_token: token }));
    const wrongGrant = await getJson(
      refreshTokenUrl(sim, { refresh_token: refreshToken, component_access_token: token, grant_type: 'authorization_code' }),
    );

    expect([noToken.json.errcode, noRefresh.json.errcode, wrongGrant.json.errcode]).toEqual([41001, 41003, 40002]);
  });
});

describe('issueOAuthCode', () => {
  it('throws TypeError for an authorizer that is not configured or a user that does not exist', async () => {
    const sim = await startTestSim();

    const foreign = () => sim.issueOAuthCode({ authorizerAppid: OTHER_AUTHORIZER, userId: 'li-lei', scope: 'snsapi_base' });
    const nobody = () => sim.issueOAuthCode({ authorizerAppid: TEST_AUTHORIZER_APPID, userId: 'nobody', scope: 'snsapi_base' });
    const refuse = () => sim.issueOAuthCode({ authorizerAppid: TEST_AUTHORIZER_APPID, userId: 'refuse', scope: 'snsapi_base' });

    expect(foreign).toThrow(TypeError);
    expect(nobody).toThrow(TypeError);
    expect(refuse).toThrow(TypeError);
  });
});
