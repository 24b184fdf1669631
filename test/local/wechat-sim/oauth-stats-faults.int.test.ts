import { afterEach, describe, expect, it } from 'vitest';
import { TEST_AUTHORIZER_APPID } from '../../../local/wechat-sim/defaults';
import { accessTokenUrl, authorizeUrl, browse, CONSENT_PATH, getJson, queryOf, refreshTokenUrl, userinfoUrl } from './oauth-harness';
import { CANARY, closeTestSims, fetchComponentToken, startTestSim } from './sim-harness';

afterEach(closeTestSims);

describe('H5 authorization stats', () => {
  it('counts calls and errors under oauth2_authorize, sns_component_access_token, sns_component_refresh_token and sns_userinfo', async () => {
    const sim = await startTestSim();
    const token = await fetchComponentToken(sim);
    sim.resetStats();

    const { location } = await browse(authorizeUrl(sim, { scope: 'snsapi_userinfo', sim_user: 'li-lei' }));
    await browse(authorizeUrl(sim, { scope: 'snsapi_login' }));
    await browse(authorizeUrl(sim, { user: 'refuse' }, CONSENT_PATH));
    const code = queryOf(location).code!;
    const { json } = await getJson(accessTokenUrl(sim, { code, component_access_token: token }));
    await getJson(accessTokenUrl(sim, { code, component_access_token: token }));
    await getJson(refreshTokenUrl(sim, { refresh_token: String(json.refresh_token), component_access_token: token }));
    await getJson(userinfoUrl(sim, { access_token: String(json.access_token), openid: String(json.openid) }));

    expect(sim.stats().calls).toEqual({
      oauth2_authorize: 2,
      oauth2_authorize_consent: 1,
      sns_component_access_token: 2,
      sns_component_refresh_token: 1,
      sns_userinfo: 1,
    });
    expect(sim.stats().errors).toEqual({ oauth2_authorize: { http_400: 1 }, sns_component_access_token: { '40163': 1 } });
  });
});

describe('H5 authorization faults', () => {
  it('answers an injected errcode on the code exchange without using the code up', async () => {
    const sim = await startTestSim();
    const token = await fetchComponentToken(sim);
    const code = sim.issueOAuthCode({ authorizerAppid: TEST_AUTHORIZER_APPID, userId: 'li-lei', scope: 'snsapi_base' });
    sim.setFaults({ failNext: [{ api: 'sns_component_access_token', errcode: -1, count: 1 }] });

    const failed = await getJson(accessTokenUrl(sim, { code, component_access_token: token }));
    const retried = await getJson(accessTokenUrl(sim, { code, component_access_token: token }));

    expect(failed.json.errcode).toBe(-1);
    expect(retried.json.access_token).toEqual(expect.any(String));
    expect(sim.stats().errors.sns_component_access_token).toEqual({ '-1': 1 });
  });

  it('answers an injected bare HTTP status on userinfo and refresh, matched by path or API name', async () => {
    const sim = await startTestSim();
    sim.setFaults({
      failNext: [
        { api: '/sns/userinfo', httpStatus: 502, count: 1 },
        { api: 'sns_component_refresh_token', httpStatus: 503, count: 1 },
      ],
    });

    const userinfo = await fetch(userinfoUrl(sim, {}));
    const refresh = await fetch(refreshTokenUrl(sim, {}));

    expect([userinfo.status, refresh.status]).toEqual([502, 503]);
    expect(sim.stats().errors).toEqual({ sns_userinfo: { http_502: 1 }, sns_component_refresh_token: { http_503: 1 } });
  });

  it('drops the connection of an authorize call when told to, then answers the next one', async () => {
    const sim = await startTestSim();
    sim.setFaults({ dropNext: [{ api: 'oauth2_authorize', count: 1 }] });

    const dropped = browse(authorizeUrl(sim));
    await expect(dropped).rejects.toThrow(TypeError);
    const next = await browse(authorizeUrl(sim));

    expect(next.status).toBe(302);
    expect(sim.stats().errors.oauth2_authorize).toEqual({ dropped: 1 });
  });

  it('adds latencyMs before an authorize answer', async () => {
    const sim = await startTestSim();
    sim.setFaults({ latencyMs: 150 });

    const started = performance.now();
    await browse(authorizeUrl(sim));
    const elapsedMs = performance.now() - started;

    expect(elapsedMs).toBeGreaterThanOrEqual(140);
  });
});

describe('H5 authorization secrecy', () => {
  it('never logs codes, user tokens, refresh tokens, state or openids', async () => {
    const lines: string[] = [];
    const sim = await startTestSim({ log: (line) => lines.push(line) });
    const token = await fetchComponentToken(sim);
    const state = 'CANARYstate42';

    const { location } = await browse(authorizeUrl(sim, { scope: 'snsapi_userinfo', state, sim_user: 'li-lei' }));
    await browse(authorizeUrl(sim, { state, sim_user: 'refuse' }));
    await browse(authorizeUrl(sim, { state, redirect_uri: 'https://evil.example/cb' }));
    const code = queryOf(location).code!;
    const issued = await getJson(accessTokenUrl(sim, { code, component_access_token: token }));
    await getJson(accessTokenUrl(sim, { code, component_access_token: token }));
    const refreshed = await getJson(
      refreshTokenUrl(sim, { refresh_token: String(issued.json.refresh_token), component_access_token: token }),
    );
    await getJson(userinfoUrl(sim, { access_token: String(refreshed.json.access_token), openid: String(issued.json.openid) }));

    const secrets = [
      code,
      token,
      state,
      'evil.example',
      ...['access_token', 'refresh_token', 'openid', 'unionid'].map((k) => String(issued.json[k])),
    ];
    secrets.push(String(refreshed.json.access_token), CANARY.componentAppsecret);
    expect(lines.some((line) => line.includes('oauth2_authorize'))).toBe(true);
    for (const secret of secrets) {
      expect(lines.filter((line) => line.includes(secret))).toEqual([]);
    }
  });

  it('never echoes a code or token in an error answer', async () => {
    const sim = await startTestSim();
    const token = await fetchComponentToken(sim);
    const code = sim.issueOAuthCode({ authorizerAppid: TEST_AUTHORIZER_APPID, userId: 'li-lei', scope: 'snsapi_base' });
    await getJson(accessTokenUrl(sim, { code, component_access_token: token }));

    const reused = await getJson(accessTokenUrl(sim, { code, component_access_token: token }));
    const badRefresh = await getJson(refreshTokenUrl(sim, { refresh_token: 'CANARYrefresh', component_access_token: token }));

    const answers = JSON.stringify([reused.json, badRefresh.json]);
    expect(reused.json.errcode).toBe(40163);
    expect(answers).not.toContain(code);
    expect(answers).not.toContain(token);
    expect(answers).not.toContain('CANARYrefresh');
  });
});
