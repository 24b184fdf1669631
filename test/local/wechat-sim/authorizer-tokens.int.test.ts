import { afterEach, describe, expect, it } from 'vitest';
import { TEST_AUTHORIZER_APPID } from '../../../local/wechat-sim/defaults';
import { secretFingerprint } from '../../../local/wechat-sim/server';
import {
  type AuthorizerApi,
  authorizationEvents,
  authorizeAccount,
  callApi,
  exchangeCode,
  refreshAuthorizerToken,
} from './authorizer-harness';
import { closeTestReceivers, startTestReceiver, xmlField } from './push-receiver-stub';
import { closeTestSims, fakeClock, fetchComponentToken, postJson, startTestSim } from './sim-harness';

afterEach(async () => {
  await closeTestSims();
  await closeTestReceivers();
});

const ACCOUNT = TEST_AUTHORIZER_APPID;
const OTHER_ACCOUNT = 'wx2222222222222222';

describe('api_query_auth', () => {
  it('exchanges an authorization code for the account tokens and permissions', async () => {
    const sim = await startTestSim();
    const token = await fetchComponentToken(sim);
    const { authorizationCode } = await sim.authorize({ authorizerAppid: ACCOUNT });

    const json = await callApi(sim, token, 'api_query_auth', { authorization_code: authorizationCode });

    const info = json.authorization_info as Record<string, unknown>;
    expect(Object.keys(json)).toEqual(['authorization_info']);
    expect(info).toEqual({
      authorizer_appid: ACCOUNT,
      authorizer_access_token: expect.stringMatching(/^[A-Za-z0-9_-]{64,}$/),
      expires_in: 7200,
      authorizer_refresh_token: expect.stringMatching(/^refreshtoken@@@[A-Za-z0-9_-]{40,}$/),
      func_info: [1, 2, 3, 4, 7, 11, 15].map((id) => ({ funcscope_category: { id } })),
    });
    expect(sim.checkAuthorizerAccessToken(ACCOUNT, String(info.authorizer_access_token))).toBe('ok');
    expect(sim.authorizerSnapshot(ACCOUNT)).toMatchObject({
      state: 'authorized',
      queryAuthDone: true,
      refreshTokenFingerprint: secretFingerprint(String(info.authorizer_refresh_token)),
      accessTokensIssued: 1,
    });
  });

  it('rejects a second exchange of the same code with 61009 and counts both calls for that code', async () => {
    const sim = await startTestSim();
    const token = await fetchComponentToken(sim);
    const { authorizationCode } = await sim.authorize({ authorizerAppid: ACCOUNT });

    await exchangeCode(sim, token, authorizationCode);
    const second = await callApi(sim, token, 'api_query_auth', { authorization_code: authorizationCode });

    expect(second.errcode).toBe(61009);
    expect(second.errmsg).toMatch(/^code is invalid rid: /);
    expect(sim.authorizationCodeStats()).toEqual({ [secretFingerprint(authorizationCode)]: { calls: 2, successes: 1 } });
    expect(sim.authorizerSnapshot(ACCOUNT)?.accessTokensIssued).toBe(1);
  });

  it('rejects a code never issued, and a missing one, with 61009', async () => {
    const sim = await startTestSim();
    const token = await fetchComponentToken(sim);

    const unknown = await callApi(sim, token, 'api_query_auth', { authorization_code: 'queryauthcode@@@forged' });
    const missing = await callApi(sim, token, 'api_query_auth');

    expect([unknown.errcode, missing.errcode]).toEqual([61009, 61009]);
    expect(sim.authorizationCodeStats()).toEqual({});
  });

  it('accepts a code until 3600 s after it was issued and answers 61010 from then on', async () => {
    const clock = fakeClock();
    const sim = await startTestSim({ now: clock.now, authorizationAccounts: [ACCOUNT, OTHER_ACCOUNT] });
    const token = await fetchComponentToken(sim);
    const early = await sim.authorize({ authorizerAppid: ACCOUNT });
    const late = await sim.authorize({ authorizerAppid: OTHER_ACCOUNT });
    clock.advanceSec(3599);
    const componentToken = await fetchComponentToken(sim);

    const within = await callApi(sim, componentToken, 'api_query_auth', { authorization_code: early.authorizationCode });
    clock.advanceSec(1);
    const expired = await callApi(sim, componentToken, 'api_query_auth', { authorization_code: late.authorizationCode });

    expect(token).not.toBe(componentToken);
    expect(within.authorization_info).toBeDefined();
    expect(expired.errcode).toBe(61010);
    expect(sim.authorizerSnapshot(OTHER_ACCOUNT)?.queryAuthDone).toBe(false);
  });

  it('rejects with 61009 the code of an authorization the account has replaced or revoked since', async () => {
    const sim = await startTestSim({ authorizationAccounts: [ACCOUNT, OTHER_ACCOUNT] });
    const token = await fetchComponentToken(sim);
    const replaced = await sim.authorize({ authorizerAppid: ACCOUNT });
    const current = await sim.authorize({ authorizerAppid: ACCOUNT });
    const revoked = await sim.authorize({ authorizerAppid: OTHER_ACCOUNT });
    await sim.revokeAuthorization(OTHER_ACCOUNT);

    const answers = await Promise.all(
      [replaced, revoked].map(({ authorizationCode }) => callApi(sim, token, 'api_query_auth', { authorization_code: authorizationCode })),
    );
    const info = await exchangeCode(sim, token, current.authorizationCode);

    expect(answers.map((json) => json.errcode)).toEqual([61009, 61009]);
    expect(info.authorizer_appid).toBe(ACCOUNT);
  });
});

describe('api_authorizer_token', () => {
  it('answers a new access token and the same refresh token, the older access token working for the grace period', async () => {
    const clock = fakeClock();
    const sim = await startTestSim({ now: clock.now, previousTokenGraceSec: 300 });
    const token = await fetchComponentToken(sim);
    const first = await authorizeAccount(sim, token, ACCOUNT);

    const json = await refreshAuthorizerToken(sim, token, ACCOUNT, first.refreshToken);

    expect(json).toEqual({
      authorizer_access_token: expect.stringMatching(/^[A-Za-z0-9_-]{64,}$/),
      expires_in: 7200,
      authorizer_refresh_token: first.refreshToken,
    });
    const second = String(json.authorizer_access_token);
    expect(second).not.toBe(first.accessToken);
    clock.advanceSec(299);
    expect(sim.checkAuthorizerAccessToken(ACCOUNT, first.accessToken)).toBe('ok');
    clock.advanceSec(1);
    expect(sim.checkAuthorizerAccessToken(ACCOUNT, first.accessToken)).toBe('invalid');
    clock.advanceSec(7200 - 300);
    expect(sim.checkAuthorizerAccessToken(ACCOUNT, second)).toBe('expired');
    expect(sim.checkAuthorizerAccessToken(OTHER_ACCOUNT, second)).toBe('invalid');
    expect(sim.authorizerSnapshot(ACCOUNT)).toMatchObject({ refreshes: 1, accessTokensIssued: 2 });
  });

  it("rejects with 61023 a blank, missing, unknown or other account's refresh token, and any for an unknown or never-authorized account", async () => {
    const sim = await startTestSim({ authorizationAccounts: [ACCOUNT, OTHER_ACCOUNT] });
    const token = await fetchComponentToken(sim);
    const { refreshToken } = await authorizeAccount(sim, token, ACCOUNT);

    const answers = await Promise.all([
      refreshAuthorizerToken(sim, token, ACCOUNT, ''),
      callApi(sim, token, 'api_authorizer_token', { authorizer_appid: ACCOUNT }),
      refreshAuthorizerToken(sim, token, ACCOUNT, 'refreshtoken@@@forged'),
      refreshAuthorizerToken(sim, token, OTHER_ACCOUNT, refreshToken),
      refreshAuthorizerToken(sim, token, 'wx9999999999999999', refreshToken),
    ]);

    expect(answers.map((json) => json.errcode)).toEqual([61023, 61023, 61023, 61023, 61023]);
    expect(answers[0]?.errmsg).toMatch(/^refresh_token is invalid rid: /);
    expect(sim.authorizerSnapshot(ACCOUNT)?.refreshes).toBe(0);
  });

  it('answers 41002 when authorizer_appid is missing', async () => {
    const sim = await startTestSim();
    const token = await fetchComponentToken(sim);

    const json = await callApi(sim, token, 'api_authorizer_token', { authorizer_refresh_token: 'refreshtoken@@@x' });

    expect(json.errcode).toBe(41002);
  });

  it('invalidates the old refresh token at once when the account authorizes again, which pushes updateauthorized', async () => {
    const rx = await startTestReceiver();
    const sim = await startTestSim({ pushUrl: rx.url });
    const token = await fetchComponentToken(sim);
    const before = await authorizeAccount(sim, token, ACCOUNT);

    const again = await sim.authorize({ authorizerAppid: ACCOUNT });
    const old = await refreshAuthorizerToken(sim, token, ACCOUNT, before.refreshToken);
    const info = await exchangeCode(sim, token, again.authorizationCode);
    const fresh = await refreshAuthorizerToken(sim, token, ACCOUNT, String(info.authorizer_refresh_token));

    expect(again.infoType).toBe('updateauthorized');
    expect(old.errcode).toBe(61023);
    expect(info.authorizer_refresh_token).not.toBe(before.refreshToken);
    expect(fresh.authorizer_access_token).toEqual(expect.any(String));
    expect(authorizationEvents(rx).map((xml) => xmlField(xml, 'InfoType'))).toEqual(['authorized', 'updateauthorized']);
  });

  it('after a revocation answers 61023 for the refresh token, treats its access tokens as invalid and pushes unauthorized', async () => {
    const clock = fakeClock();
    const rx = await startTestReceiver();
    const sim = await startTestSim({ pushUrl: rx.url, now: clock.now });
    const token = await fetchComponentToken(sim);
    const { refreshToken, accessToken } = await authorizeAccount(sim, token, ACCOUNT);
    clock.advanceSec(60);

    const push = await sim.revokeAuthorization(ACCOUNT);
    const json = await refreshAuthorizerToken(sim, token, ACCOUNT, refreshToken);

    expect(push.acked).toBe(true);
    expect(json.errcode).toBe(61023);
    expect(sim.checkAuthorizerAccessToken(ACCOUNT, accessToken)).toBe('invalid');
    expect(sim.authorizerSnapshot(ACCOUNT)).toMatchObject({ state: 'revoked', refreshTokenFingerprint: null });
    expect(authorizationEvents(rx).at(-1)).toBe(
      `<xml><AppId><![CDATA[wx1234567890abcdef]]></AppId><CreateTime>${clock.now() / 1000}</CreateTime>` +
        `<InfoType><![CDATA[unauthorized]]></InfoType><AuthorizerAppid><![CDATA[${ACCOUNT}]]></AuthorizerAppid></xml>`,
    );
  });

  it('authorizes a revoked account again as a new authorization (authorized, not updateauthorized)', async () => {
    const sim = await startTestSim();
    const token = await fetchComponentToken(sim);
    await authorizeAccount(sim, token, ACCOUNT);
    await sim.revokeAuthorization(ACCOUNT);

    const again = await sim.authorize({ authorizerAppid: ACCOUNT });
    const info = await exchangeCode(sim, token, again.authorizationCode);
    const refreshed = await refreshAuthorizerToken(sim, token, ACCOUNT, String(info.authorizer_refresh_token));

    expect(again.infoType).toBe('authorized');
    expect(refreshed.authorizer_access_token).toEqual(expect.any(String));
  });

  it('never rotates the refresh token by default, however often it is used', async () => {
    const sim = await startTestSim();
    const token = await fetchComponentToken(sim);
    const { refreshToken } = await authorizeAccount(sim, token, ACCOUNT);

    const answers = [];
    for (let i = 0; i < 5; i += 1) answers.push(await refreshAuthorizerToken(sim, token, ACCOUNT, refreshToken));

    expect(new Set(answers.map((json) => json.authorizer_refresh_token))).toEqual(new Set([refreshToken]));
  });

  it('with rotateRefreshTokenEvery answers a new refresh token every Nth refresh, keeping the previous one until the new one is used', async () => {
    const sim = await startTestSim({ rotateRefreshTokenEvery: 3 });
    const token = await fetchComponentToken(sim);
    const { refreshToken: rt1 } = await authorizeAccount(sim, token, ACCOUNT);

    const first = await refreshAuthorizerToken(sim, token, ACCOUNT, rt1);
    await refreshAuthorizerToken(sim, token, ACCOUNT, rt1);
    const third = await refreshAuthorizerToken(sim, token, ACCOUNT, rt1);
    const rt2 = String(third.authorizer_refresh_token);
    const snapshotWhileBothWork = sim.authorizerSnapshot(ACCOUNT);
    const oldStillWorks = await refreshAuthorizerToken(sim, token, ACCOUNT, rt1);
    const newUsed = await refreshAuthorizerToken(sim, token, ACCOUNT, rt2);
    const oldRetired = await refreshAuthorizerToken(sim, token, ACCOUNT, rt1);

    expect(first.authorizer_refresh_token).toBe(rt1);
    expect(rt2).toMatch(/^refreshtoken@@@/);
    expect(rt2).not.toBe(rt1);
    expect(snapshotWhileBothWork).toMatchObject({
      refreshTokenFingerprint: secretFingerprint(rt2),
      previousRefreshTokenFingerprint: secretFingerprint(rt1),
    });
    expect(oldStillWorks.authorizer_refresh_token).toBe(rt2);
    expect(newUsed.authorizer_access_token).toEqual(expect.any(String));
    expect(oldRetired.errcode).toBe(61023);
    expect(sim.authorizerSnapshot(ACCOUNT)?.previousRefreshTokenFingerprint).toBeNull();
  });

  it('limits each authorizer to authorizerTokenDailyQuota successful refreshes per Beijing day (45009), other authorizers apart', async () => {
    const clock = fakeClock();
    const sim = await startTestSim({ now: clock.now, authorizerTokenDailyQuota: 2, authorizationAccounts: [ACCOUNT, OTHER_ACCOUNT] });
    const token = await fetchComponentToken(sim);
    const account = await authorizeAccount(sim, token, ACCOUNT);
    const other = await authorizeAccount(sim, token, OTHER_ACCOUNT);

    await refreshAuthorizerToken(sim, token, ACCOUNT, 'refreshtoken@@@wrong');
    const allowed = [
      await refreshAuthorizerToken(sim, token, ACCOUNT, account.refreshToken),
      await refreshAuthorizerToken(sim, token, ACCOUNT, account.refreshToken),
    ];
    const refused = await refreshAuthorizerToken(sim, token, ACCOUNT, account.refreshToken);
    const otherAccount = await refreshAuthorizerToken(sim, token, OTHER_ACCOUNT, other.refreshToken);
    clock.setMs(Date.UTC(2025, 0, 15, 16, 0, 0));
    await sim.pushTicketNow();
    const nextDay = await refreshAuthorizerToken(sim, await fetchComponentToken(sim), ACCOUNT, account.refreshToken);

    expect(allowed.map((json) => typeof json.authorizer_access_token)).toEqual(['string', 'string']);
    expect(refused.errcode).toBe(45009);
    expect(otherAccount.authorizer_access_token).toEqual(expect.any(String));
    expect(nextDay.authorizer_access_token).toEqual(expect.any(String));
  });
});

describe('common checks of the authorizer APIs', () => {
  const apis: AuthorizerApi[] = ['api_query_auth', 'api_authorizer_token', 'api_get_authorizer_info', 'api_get_authorizer_list'];

  it.each(apis)('%s answers 41001, 40001, 42001, 47001 and 61011 like api_create_preauthcode', async (api) => {
    const clock = fakeClock();
    const sim = await startTestSim({ now: clock.now });
    const token = await fetchComponentToken(sim);
    const path = `${sim.url}/cgi-bin/component/${api}`;

    const missing = await postJson(path, {});
    const unknown = await postJson(`${path}?component_access_token=${'f'.repeat(86)}`, {});
    const malformed = await postJson(`${path}?access_token=${token}`, '{not json');
    const foreign = await postJson(`${path}?component_access_token=${token}`, { component_appid: 'wx0000000000000bad' });
    clock.advanceSec(7200);
    const expired = await postJson(`${path}?component_access_token=${token}`, {});

    expect([missing, unknown, malformed, foreign, expired].map(({ json }) => json.errcode)).toEqual([41001, 40001, 47001, 61011, 42001]);
  });
});
