import { afterEach, describe, expect, it } from 'vitest';
import { TEST_AUTHORIZER_APPID } from '../../../local/wechat-sim/defaults';
import { authorizeAccount, callApi, exchangeCode } from './authorizer-harness';
import { closeTestSims, fakeClock, fetchComponentToken, NOON_BEIJING_MS, startTestSim } from './sim-harness';

afterEach(closeTestSims);

const ACCOUNT = TEST_AUTHORIZER_APPID;

describe('api_get_authorizer_info', () => {
  it('describes an authorized official account, with the refresh token of its exchanged authorization', async () => {
    const sim = await startTestSim();
    const token = await fetchComponentToken(sim);
    const { refreshToken } = await authorizeAccount(sim, token, ACCOUNT);

    const json = await callApi(sim, token, 'api_get_authorizer_info', { authorizer_appid: ACCOUNT });

    const listed = sim.authorizers().find((account) => account.appid === ACCOUNT)!;
    expect(json).toEqual({
      authorizer_info: {
        nick_name: listed.nickname,
        head_img: expect.stringMatching(/^data:image\/svg\+xml;base64,/),
        service_type_info: { id: listed.serviceTypeId },
        verify_type_info: { id: listed.verifyTypeId },
        user_name: listed.userName,
        principal_name: listed.principalName,
        alias: expect.stringMatching(/^sim_[0-9a-f]{6}$/),
        qrcode_url: expect.stringMatching(/^http:\/\//),
        business_info: { open_store: 0, open_scan: 0, open_pay: expect.any(Number), open_card: 0, open_shake: 0 },
      },
      authorization_info: {
        authorizer_appid: ACCOUNT,
        authorizer_refresh_token: refreshToken,
        func_info: [1, 2, 3, 4, 7, 11, 15].map((id) => ({ funcscope_category: { id } })),
      },
    });
    expect(listed).toMatchObject({ kind: 'official_account', userName: expect.stringMatching(/^gh_[0-9a-f]{12}$/) });
    expect([0, 2]).toContain(listed.serviceTypeId);
    expect([-1, 0]).toContain(listed.verifyTypeId);
  });

  it('leaves authorizer_refresh_token out until api_query_auth was called for the current authorization', async () => {
    const sim = await startTestSim();
    const token = await fetchComponentToken(sim);
    await authorizeAccount(sim, token, ACCOUNT);
    const again = await sim.authorize({ authorizerAppid: ACCOUNT, funcInfo: [1, 15] });

    const before = await callApi(sim, token, 'api_get_authorizer_info', { authorizer_appid: ACCOUNT });
    const exchanged = await exchangeCode(sim, token, again.authorizationCode);
    const after = await callApi(sim, token, 'api_get_authorizer_info', { authorizer_appid: ACCOUNT });

    expect(before.authorization_info).toEqual({
      authorizer_appid: ACCOUNT,
      func_info: [{ funcscope_category: { id: 1 } }, { funcscope_category: { id: 15 } }],
    });
    expect((after.authorization_info as Record<string, unknown>).authorizer_refresh_token).toBe(exchanged.authorizer_refresh_token);
  });

  it('adds MiniProgramInfo for a mini program, which is never a service account', async () => {
    const sim = await startTestSim();
    const token = await fetchComponentToken(sim);
    const [appid] = sim.addAuthorizedAccounts(1, { kind: 'mini_program' });

    const json = await callApi(sim, token, 'api_get_authorizer_info', { authorizer_appid: appid });

    const info = json.authorizer_info as Record<string, unknown>;
    expect(info.MiniProgramInfo).toEqual({
      network: { RequestDomain: [], WsRequestDomain: [], UploadDomain: [], DownloadDomain: [], BizDomain: [], UDPDomain: [] },
      categories: [{ first: '工具', second: '效率' }],
      visit_status: 0,
    });
    expect(info.service_type_info).toEqual({ id: 0 });
    expect((json.authorization_info as Record<string, unknown>).func_info).toEqual(
      [17, 18, 19, 25, 30, 31].map((id) => ({ funcscope_category: { id } })),
    );
  });

  it('derives the same profile from the same appid in every simulator', async () => {
    const first = await startTestSim({ authorizationAccounts: ['wx5555555555555555'] });
    const second = await startTestSim({ authorizationAccounts: ['wx5555555555555555', ACCOUNT] });

    const [a] = first.authorizers();
    const b = second.authorizers().find((account) => account.appid === 'wx5555555555555555');

    expect(b).toEqual(a);
  });

  it('answers 61003 for an unknown, never-authorized or revoked account and 41002 without authorizer_appid', async () => {
    const sim = await startTestSim({ authorizationAccounts: [ACCOUNT, 'wx3333333333333333'] });
    const token = await fetchComponentToken(sim);
    await authorizeAccount(sim, token, 'wx3333333333333333');
    await sim.revokeAuthorization('wx3333333333333333');

    const answers = await Promise.all(
      [{ authorizer_appid: 'wx9999999999999999' }, { authorizer_appid: ACCOUNT }, { authorizer_appid: 'wx3333333333333333' }, {}].map(
        (body) => callApi(sim, token, 'api_get_authorizer_info', body),
      ),
    );

    expect(answers.map((json) => json.errcode)).toEqual([61003, 61003, 61003, 41002]);
    expect(answers[0]?.errmsg).toMatch(/^component is not authorized by this account rid: /);
  });
});

describe('api_get_authorizer_list', () => {
  it('pages through the currently authorized accounts in a stable order, with refresh token and auth time', async () => {
    const clock = fakeClock();
    const sim = await startTestSim({ now: clock.now });
    const token = await fetchComponentToken(sim);
    const appids = sim.addAuthorizedAccounts(7);
    await sim.revokeAuthorization(appids[1]!);
    const expected = appids.filter((_, i) => i !== 1);

    const pages = [];
    for (const offset of [0, 3, 6]) pages.push(await callApi(sim, token, 'api_get_authorizer_list', { offset, count: 3 }));

    expect(pages.map((page) => page.total_count)).toEqual([6, 6, 6]);
    const entries = pages.flatMap((page) => page.list as Array<Record<string, unknown>>);
    expect(entries.map((entry) => entry.authorizer_appid)).toEqual(expected);
    expect(pages.map((page) => (page.list as unknown[]).length)).toEqual([3, 3, 0]);
    for (const entry of entries) {
      expect(entry).toEqual({
        authorizer_appid: expect.any(String),
        refresh_token: expect.stringMatching(/^refreshtoken@@@/),
        auth_time: NOON_BEIJING_MS / 1000,
      });
    }
  });

  it('lists a refresh token that works, and none for an account whose authorization was not exchanged yet', async () => {
    const sim = await startTestSim();
    const token = await fetchComponentToken(sim);
    const [loaded] = sim.addAuthorizedAccounts(1);
    await sim.authorize({ authorizerAppid: ACCOUNT });

    const page = await callApi(sim, token, 'api_get_authorizer_list', { offset: 0, count: 500 });
    // Configured accounts come first: the registry keeps the order in which accounts became known.
    const [pendingEntry, loadedEntry] = page.list as Array<Record<string, unknown>>;
    const refreshed = await callApi(sim, token, 'api_authorizer_token', {
      authorizer_appid: loaded,
      authorizer_refresh_token: loadedEntry?.refresh_token,
    });

    expect(pendingEntry).toEqual({ authorizer_appid: ACCOUNT, auth_time: expect.any(Number) });
    expect(refreshed.authorizer_access_token).toEqual(expect.any(String));
  });

  it('answers an empty list past the end, with the total', async () => {
    const sim = await startTestSim();
    const token = await fetchComponentToken(sim);
    sim.addAuthorizedAccounts(2);

    const json = await callApi(sim, token, 'api_get_authorizer_list', { offset: 2, count: 10 });

    expect(json).toEqual({ total_count: 2, list: [] });
  });

  it('answers 40097 for a count outside 1..500 or an offset or count that is not a whole JSON number', async () => {
    const sim = await startTestSim();
    const token = await fetchComponentToken(sim);
    const bodies = [
      { offset: 0, count: 0 },
      { offset: 0, count: 501 },
      { offset: 0 },
      { count: 10 },
      { offset: -1, count: 10 },
      { offset: 0, count: '10' },
      { offset: 0.5, count: 10 },
    ];

    const answers = await Promise.all(bodies.map((body) => callApi(sim, token, 'api_get_authorizer_list', body)));
    const largest = await callApi(sim, token, 'api_get_authorizer_list', { offset: 0, count: 500 });

    expect(answers.map((json) => json.errcode)).toEqual(bodies.map(() => 40097));
    expect(largest).toEqual({ total_count: 0, list: [] });
  });
});
