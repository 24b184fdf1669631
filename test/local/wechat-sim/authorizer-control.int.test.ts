import { afterEach, describe, expect, it } from 'vitest';
import { TEST_AUTHORIZER_APPID } from '../../../local/wechat-sim/defaults';
import { secretFingerprint } from '../../../local/wechat-sim/server';
import { authorizationEvents, authorizeAccount, callApi, exchangeCode, refreshAuthorizerToken } from './authorizer-harness';
import { closeTestReceivers, startTestReceiver, xmlField } from './push-receiver-stub';
import { closeTestSims, fetchComponentToken, postJson, startTestSim } from './sim-harness';

afterEach(async () => {
  await closeTestSims();
  await closeTestReceivers();
});

const ACCOUNT = TEST_AUTHORIZER_APPID;

describe('authorize()', () => {
  it('authorizes without a browser, pushing authorized with the code it returns', async () => {
    const rx = await startTestReceiver();
    const sim = await startTestSim({ pushUrl: rx.url });

    const result = await sim.authorize({ authorizerAppid: ACCOUNT, authType: 1, redirect: false });

    expect(result).toEqual({
      authorizationCode: expect.stringMatching(/^queryauthcode@@@/),
      infoType: 'authorized',
      push: { status: 200, body: 'success', acked: true },
    });
    const [event] = authorizationEvents(rx);
    expect(xmlField(event!, 'AuthorizationCode')).toBe(result.authorizationCode);
    expect(xmlField(event!, 'PreAuthCode')).toMatch(/^preauthcode@@@/);
    expect(sim.authorizerSnapshot(ACCOUNT)).toMatchObject({ state: 'authorized', queryAuthDone: false, authTime: expect.any(Number) });
  });

  it('still authorizes when the push is dropped, reporting the push result', async () => {
    const rx = await startTestReceiver();
    const sim = await startTestSim({ pushUrl: rx.url });
    sim.setFaults({ pushes: { drop: 1 } });

    const result = await sim.authorize({ authorizerAppid: ACCOUNT });

    expect(result.push).toMatchObject({ acked: false, error: 'push dropped by fault injection' });
    expect(sim.authorizerSnapshot(ACCOUNT)?.state).toBe('authorized');
  });

  it('throws TypeError for an unknown account, an auth type that excludes its kind, a redirect or bad funcInfo', async () => {
    const sim = await startTestSim();
    const [miniProgram] = sim.addAuthorizedAccounts(1, { kind: 'mini_program' });

    await expect(sim.authorize({ authorizerAppid: 'wx9999999999999999' })).rejects.toThrow(TypeError);
    await expect(sim.authorize({ authorizerAppid: miniProgram!, authType: 1 })).rejects.toThrow(/auth type/);
    await expect(sim.authorize({ authorizerAppid: ACCOUNT, redirect: true as unknown as false })).rejects.toThrow(/redirect/);
    await expect(sim.authorize({ authorizerAppid: ACCOUNT, funcInfo: [0] })).rejects.toThrow(/funcInfo/);
    expect(sim.authorizerSnapshot(ACCOUNT)?.state).toBe('never');
    expect(sim.authorizerSnapshot('wx9999999999999999')).toBeNull();
  });

  it('revokeAuthorization throws TypeError for an account that is not authorized', async () => {
    const sim = await startTestSim();

    await expect(sim.revokeAuthorization(ACCOUNT)).rejects.toThrow(TypeError);
    await expect(sim.revokeAuthorization('wx9999999999999999')).rejects.toThrow(TypeError);
  });
});

describe('load mode', () => {
  it('creates 10,000 authorized accounts in well under a second, without pushes, listed with working refresh tokens', async () => {
    const rx = await startTestReceiver();
    const sim = await startTestSim({ pushUrl: rx.url });
    const token = await fetchComponentToken(sim);
    rx.pushes.length = 0;

    const started = performance.now();
    const appids = sim.addAuthorizedAccounts(10_000);
    const elapsedMs = performance.now() - started;

    expect(elapsedMs).toBeLessThan(500);
    expect(appids).toHaveLength(10_000);
    expect(new Set(appids).size).toBe(10_000);
    expect(appids[0]).toBe('wxa000000000000001');
    expect(rx.pushes).toHaveLength(0);
    const listed: Array<Record<string, unknown>> = [];
    for (let offset = 0; offset < 10_000; offset += 500) {
      const page = await callApi(sim, token, 'api_get_authorizer_list', { offset, count: 500 });
      expect(page.total_count).toBe(10_000);
      listed.push(...(page.list as Array<Record<string, unknown>>));
    }
    expect(listed.map((entry) => entry.authorizer_appid)).toEqual(appids);
    const last = listed.at(-1)!;
    const refreshed = await refreshAuthorizerToken(sim, token, String(last.authorizer_appid), String(last.refresh_token));
    expect(refreshed.authorizer_refresh_token).toBe(last.refresh_token);
    expect(sim.authorizerSnapshot(appids[9_999]!)).toMatchObject({
      state: 'authorized',
      queryAuthDone: true,
      refreshTokenFingerprint: secretFingerprint(String(last.refresh_token)),
      accessTokensIssued: 1,
      refreshes: 1,
    });
  });

  it('continues the sequence of a prefix and skips appids that exist, for either kind', async () => {
    const sim = await startTestSim({ authorizationAccounts: ['wxtest000000000002'] });

    const first = sim.addAuthorizedAccounts(2, { prefix: 'wxtest' });
    const second = sim.addAuthorizedAccounts(1, { prefix: 'wxtest', kind: 'mini_program' });

    expect([...first, ...second]).toEqual(['wxtest000000000001', 'wxtest000000000003', 'wxtest000000000004']);
    expect(sim.authorizerSnapshot('wxtest000000000004')?.kind).toBe('mini_program');
    expect(sim.authorizerSnapshot('wxtest000000000002')?.state).toBe('never');
  });

  it('throws TypeError naming a bad count, kind or prefix', async () => {
    const sim = await startTestSim();

    expect(() => sim.addAuthorizedAccounts(-1)).toThrow(/count/);
    expect(() => sim.addAuthorizedAccounts(1.5)).toThrow(/count/);
    expect(() => sim.addAuthorizedAccounts(1, { kind: 'channel' as never })).toThrow(/kind/);
    expect(() => sim.addAuthorizedAccounts(1, { prefix: 'ab' })).toThrow(/prefix/);
    expect(() => sim.addAuthorizedAccounts(2, { prefix: 'wx1234567890abcdef' })).toThrow(/prefix/);
  });
});

describe('authorizer control endpoints', () => {
  it('POST /__sim/accounts, /__sim/authorize and /__sim/revoke mirror the methods; GET /__sim/authorizers lists states without tokens', async () => {
    const rx = await startTestReceiver();
    const sim = await startTestSim({ pushUrl: rx.url });
    const token = await fetchComponentToken(sim);

    const accounts = await postJson(`${sim.url}/__sim/accounts`, { count: 2, kind: 'mini_program' });
    const authorized = await postJson(`${sim.url}/__sim/authorize`, { authorizerAppid: ACCOUNT, authType: 1 });
    const info = await exchangeCode(sim, token, String(authorized.json.authorizationCode));
    const revoked = await postJson(`${sim.url}/__sim/revoke`, { authorizerAppid: 'wxb000000000000002' });
    const listing = await fetch(`${sim.url}/__sim/authorizers`);
    const listingText = await listing.text();

    expect(accounts).toEqual({ status: 200, json: { appids: ['wxb000000000000001', 'wxb000000000000002'] } });
    expect(authorized.json).toMatchObject({ infoType: 'authorized', push: { acked: true } });
    expect(revoked).toMatchObject({ status: 200, json: { acked: true } });
    expect(authorizationEvents(rx).map((xml) => xmlField(xml, 'InfoType'))).toEqual(['authorized', 'unauthorized']);
    const { authorizers } = JSON.parse(listingText) as { authorizers: Array<Record<string, unknown>> };
    expect(authorizers.map((account) => [account.appid, account.kind, account.state])).toEqual([
      [ACCOUNT, 'official_account', 'authorized'],
      ['wxb000000000000001', 'mini_program', 'authorized'],
      ['wxb000000000000002', 'mini_program', 'revoked'],
    ]);
    expect(listingText).not.toContain(String(info.authorizer_refresh_token));
    expect(listingText).not.toContain('refreshtoken@@@');
    expect(listingText).not.toContain('Fingerprint');
  });

  it('GET /__sim/authorization-codes shows api_query_auth counters by code fingerprint', async () => {
    const sim = await startTestSim();
    const token = await fetchComponentToken(sim);
    const { code } = await authorizeAccount(sim, token, ACCOUNT);

    const response = await fetch(`${sim.url}/__sim/authorization-codes`);

    expect(await response.json()).toEqual({ codes: { [secretFingerprint(code)]: { calls: 1, successes: 1 } } });
  });

  it('answers HTTP 400 naming the problem for bad input, changing nothing', async () => {
    const sim = await startTestSim();

    const answers = await Promise.all([
      postJson(`${sim.url}/__sim/authorize`, { authorizerAppid: 'wx9999999999999999' }),
      postJson(`${sim.url}/__sim/authorize`, { authorizerAppid: ACCOUNT, authType: 5 }),
      postJson(`${sim.url}/__sim/revoke`, { authorizerAppid: ACCOUNT }),
      postJson(`${sim.url}/__sim/revoke`, {}),
      postJson(`${sim.url}/__sim/accounts`, { count: 'many' }),
      postJson(`${sim.url}/__sim/accounts`, '[1]'),
    ]);

    expect(answers.map(({ status }) => status)).toEqual([400, 400, 400, 400, 400, 400]);
    expect(answers.map(({ json }) => json.error)).toEqual([
      expect.stringMatching(/authorizerAppid/),
      expect.stringMatching(/authType/),
      expect.stringMatching(/authorizerAppid/),
      expect.stringMatching(/authorizerAppid/),
      expect.stringMatching(/count/),
      'body must be a JSON object',
    ]);
    expect(sim.authorizers().map((account) => account.state)).toEqual(['never']);
  });
});

describe('stats, faults and quotas of the authorizer APIs', () => {
  it('counts every authorizer API and page by its WeChat name', async () => {
    const sim = await startTestSim();
    const token = await fetchComponentToken(sim);
    sim.resetStats();

    const { refreshToken } = await authorizeAccount(sim, token, ACCOUNT);
    await callApi(sim, token, 'api_create_preauthcode');
    await refreshAuthorizerToken(sim, token, ACCOUNT, refreshToken);
    await refreshAuthorizerToken(sim, token, ACCOUNT, 'refreshtoken@@@wrong');
    await callApi(sim, token, 'api_get_authorizer_info', { authorizer_appid: ACCOUNT });
    await callApi(sim, token, 'api_get_authorizer_list', { offset: 0, count: 10 });
    await fetch(`${sim.url}/cgi-bin/componentloginpage`);
    await fetch(`${sim.url}/wxaopen/safe/bindcomponent`);
    await fetch(`${sim.url}/__consent/approve`, { method: 'POST' });
    await fetch(`${sim.url}/__consent/cancel`, { method: 'POST' });

    expect(sim.stats().calls).toEqual({
      api_query_auth: 1,
      api_create_preauthcode: 1,
      api_authorizer_token: 2,
      api_get_authorizer_info: 1,
      api_get_authorizer_list: 1,
      componentloginpage: 1,
      bindcomponent: 1,
      consent_approve: 1,
      consent_cancel: 1,
    });
    expect(sim.stats().errors).toEqual({ api_authorizer_token: { '61023': 1 } });
    const overHttp = (await (await fetch(`${sim.url}/__sim/stats`)).json()) as { calls: Record<string, number> };
    expect(overHttp.calls.api_authorizer_token).toBe(2);
  });

  it('answers an injected failure on api_query_auth without spending or counting the code, so a retry succeeds', async () => {
    const sim = await startTestSim();
    const token = await fetchComponentToken(sim);
    const { authorizationCode } = await sim.authorize({ authorizerAppid: ACCOUNT });
    sim.setFaults({ failNext: [{ api: 'api_query_auth', errcode: -1, count: 1 }] });

    const failed = await callApi(sim, token, 'api_query_auth', { authorization_code: authorizationCode });
    const retried = await callApi(sim, token, 'api_query_auth', { authorization_code: authorizationCode });

    expect(failed.errcode).toBe(-1);
    expect(retried.authorization_info).toBeDefined();
    expect(sim.authorizationCodeStats()[secretFingerprint(authorizationCode)]).toEqual({ calls: 1, successes: 1 });
    expect(sim.stats().errors.api_query_auth).toEqual({ '-1': 1 });
  });

  it('drops api_authorizer_token connections and fails info and list by path, as for the other APIs', async () => {
    const sim = await startTestSim();
    const token = await fetchComponentToken(sim);
    const { refreshToken } = await authorizeAccount(sim, token, ACCOUNT);
    sim.setFaults({
      dropNext: [{ api: 'api_authorizer_token', count: 1 }],
      failNext: [
        { api: '/cgi-bin/component/api_get_authorizer_info', httpStatus: 503, count: 1 },
        { api: 'api_get_authorizer_list', errcode: 45009, count: 1 },
      ],
    });

    const dropped = refreshAuthorizerToken(sim, token, ACCOUNT, refreshToken);
    await expect(dropped).rejects.toThrow(TypeError);
    const info = await fetch(`${sim.url}/cgi-bin/component/api_get_authorizer_info?component_access_token=${token}`, {
      method: 'POST',
      body: '{}',
    });
    const list = await callApi(sim, token, 'api_get_authorizer_list', { offset: 0, count: 1 });
    const refreshed = await refreshAuthorizerToken(sim, token, ACCOUNT, refreshToken);

    expect(info.status).toBe(503);
    expect(list.errcode).toBe(45009);
    expect(refreshed.authorizer_access_token).toEqual(expect.any(String));
    expect(sim.authorizerSnapshot(ACCOUNT)?.refreshes).toBe(1);
  });

  it('limits an API to its apiDailyQuota per Beijing day, counting only calls that would succeed', async () => {
    const sim = await startTestSim({ apiDailyQuota: { api_get_authorizer_list: 1, api_query_auth: 0 } });
    const token = await fetchComponentToken(sim);
    const { authorizationCode } = await sim.authorize({ authorizerAppid: ACCOUNT });

    const invalid = await callApi(sim, token, 'api_get_authorizer_list', { offset: 0, count: 0 });
    const allowed = await callApi(sim, token, 'api_get_authorizer_list', { offset: 0, count: 1 });
    const refused = await callApi(sim, token, 'api_get_authorizer_list', { offset: 0, count: 1 });
    const exchange = await callApi(sim, token, 'api_query_auth', { authorization_code: authorizationCode });
    const info = await callApi(sim, token, 'api_get_authorizer_info', { authorizer_appid: ACCOUNT });

    expect([invalid.errcode, allowed.total_count, refused.errcode]).toEqual([40097, 1, 45009]);
    expect(exchange.errcode).toBe(45009);
    expect(sim.authorizerSnapshot(ACCOUNT)?.queryAuthDone).toBe(false);
    expect(info.authorizer_info).toBeDefined();
  });

  it('refuses at start an apiDailyQuota for an API it does not limit', async () => {
    await expect(startTestSim({ apiDailyQuota: { api_component_token: 5 } })).rejects.toThrow(/apiDailyQuota keys/);
    await expect(startTestSim({ apiDailyQuota: { api_query_auth: -1 } })).rejects.toThrow(/apiDailyQuota\.api_query_auth/);
  });

  it('refuses at start bad authorization options, naming them', async () => {
    await expect(startTestSim({ authorizationAccounts: ['gh_123'] })).rejects.toThrow(/authorizationAccounts/);
    await expect(startTestSim({ rotateRefreshTokenEvery: 1.5 })).rejects.toThrow(/rotateRefreshTokenEvery/);
    await expect(startTestSim({ authorizationDomains: [''] })).rejects.toThrow(/authorizationDomains/);
    await expect(startTestSim({ authorizerTokenDailyQuota: -1 })).rejects.toThrow(/authorizerTokenDailyQuota/);
  });
});
