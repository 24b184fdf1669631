import { afterEach, describe, expect, it } from 'vitest';
import { authorizeAccount, callApi, refreshAuthorizerToken } from './authorizer-harness';
import { closeTestReceivers, startTestReceiver } from './push-receiver-stub';
import { closeTestSims, fetchComponentToken, postJson, startTestSim, tokenRequest } from './sim-harness';

const TOKEN_PATH = '/cgi-bin/component/api_component_token';
const ACCOUNT = 'wx1111111111111111';
const OTHER_ACCOUNT = 'wx2222222222222222';

afterEach(async () => {
  await closeTestSims();
  await closeTestReceivers();
});

describe('stats', () => {
  it('starts at zero', async () => {
    const sim = await startTestSim();

    expect(sim.stats()).toEqual({
      calls: {},
      errors: {},
      quotaUsedToday: 0,
      pushes: { sent: 0, acked: 0, failed: 0, dropped: 0, duplicated: 0, reordered: 0 },
      tokensIssued: 0,
      ticketsIssued: 0,
    });
  });

  it('counts calls and errors per API, issued tokens and tickets, and push outcomes', async () => {
    const rx = await startTestReceiver();
    const sim = await startTestSim({ pushUrl: rx.url });
    await sim.pushTicketNow();
    rx.setReply({ status: 500, body: 'oops' });
    await sim.pushTicketNow();
    const ticket = sim.latestTicket()!.ticket;

    await postJson(`${sim.url}${TOKEN_PATH}`, tokenRequest(ticket));
    await postJson(`${sim.url}${TOKEN_PATH}`, { ...tokenRequest(ticket), component_appsecret: 'wrong' });
    await postJson(`${sim.url}${TOKEN_PATH}`, { ...tokenRequest(ticket), component_appsecret: 'wrong' });
    await postJson(`${sim.url}/cgi-bin/component/api_create_preauthcode`, {});

    expect(sim.stats()).toEqual({
      calls: { api_component_token: 3, api_create_preauthcode: 1 },
      errors: { api_component_token: { '40125': 2 }, api_create_preauthcode: { '41001': 1 } },
      quotaUsedToday: 1,
      pushes: { sent: 2, acked: 1, failed: 1, dropped: 0, duplicated: 0, reordered: 0 },
      tokensIssued: 1,
      ticketsIssued: 2,
    });
  });

  it('answers an unknown path with HTTP 404 JSON and counts it under unknown', async () => {
    const sim = await startTestSim();

    const { status, json } = await postJson(`${sim.url}/cgi-bin/component/api_no_such_thing`, {});

    expect(status).toBe(404);
    expect(json.errcode).toBe(404);
    expect(sim.stats().calls).toEqual({ unknown: 1 });
    expect(sim.stats().errors).toEqual({ unknown: { '404': 1 } });
  });

  it('counts the calls naming each authorizer, failed and injected ones too, for each API', async () => {
    const sim = await startTestSim({ authorizationAccounts: [ACCOUNT, OTHER_ACCOUNT] });
    const token = await fetchComponentToken(sim);
    const { refreshToken } = await authorizeAccount(sim, token, ACCOUNT);
    sim.setFaults({ failNext: [{ api: 'api_authorizer_token', count: 1 }] });

    await refreshAuthorizerToken(sim, token, ACCOUNT, refreshToken);
    await refreshAuthorizerToken(sim, token, ACCOUNT, refreshToken);
    await refreshAuthorizerToken(sim, token, OTHER_ACCOUNT, 'refreshtoken@@@forged');
    await callApi(sim, token, 'api_get_authorizer_info', { authorizer_appid: ACCOUNT });
    await postJson(`${sim.url}/cgi-bin/component/api_authorizer_token?component_access_token=${token}`, 'not json');

    expect(sim.callsByAuthorizer('api_authorizer_token')).toEqual({ [ACCOUNT]: 2, [OTHER_ACCOUNT]: 1 });
    expect(sim.callsByAuthorizer('api_get_authorizer_info')).toEqual({ [ACCOUNT]: 1 });
    expect(sim.callsByAuthorizer('api_query_auth')).toEqual({});
    sim.resetStats();
    expect(sim.callsByAuthorizer('api_authorizer_token')).toEqual({});
  });

  it('returns a copy that later calls do not change', async () => {
    const sim = await startTestSim();
    const before = sim.stats();

    await postJson(`${sim.url}${TOKEN_PATH}`, '{}');

    expect(before.calls).toEqual({});
  });

  it('resets counters with resetStats but keeps state: tokens, tickets and the quota used today', async () => {
    const sim = await startTestSim({ dailyQuota: 1 });
    const token = await fetchComponentToken(sim);

    sim.resetStats();
    const { json } = await postJson(`${sim.url}${TOKEN_PATH}`, tokenRequest(sim.latestTicket()!.ticket));

    expect(json.errcode).toBe(45009);
    expect(sim.checkComponentAccessToken(token)).toBe('ok');
    expect(sim.stats()).toMatchObject({ calls: { api_component_token: 1 }, tokensIssued: 0, ticketsIssued: 0, quotaUsedToday: 1 });
  });
});

describe('control endpoints', () => {
  it('GET /__sim/stats returns the same stats as stats() and is not counted itself', async () => {
    const sim = await startTestSim();
    await postJson(`${sim.url}${TOKEN_PATH}`, '{}');

    const response = await fetch(`${sim.url}/__sim/stats`);
    const body: unknown = await response.json();

    expect(response.status).toBe(200);
    expect(body).toEqual(sim.stats());
    expect(sim.stats().calls).toEqual({ api_component_token: 1 });
  });

  it('POST /__sim/reset resets the stats', async () => {
    const sim = await startTestSim();
    await postJson(`${sim.url}${TOKEN_PATH}`, '{}');

    const { status } = await postJson(`${sim.url}/__sim/reset`, '');

    expect(status).toBe(200);
    expect(sim.stats().calls).toEqual({});
  });

  it('POST /__sim/push pushes a ticket now and returns the PushResult', async () => {
    const rx = await startTestReceiver();
    const sim = await startTestSim({ pushUrl: rx.url });

    const { status, json } = await postJson(`${sim.url}/__sim/push`, '');

    expect(status).toBe(200);
    expect(json).toEqual({ status: 200, body: 'success', acked: true });
    expect(rx.pushes).toHaveLength(1);
  });

  it('rejects the wrong method with 405 and unknown control paths with 404', async () => {
    const sim = await startTestSim();

    const wrongMethod = await fetch(`${sim.url}/__sim/stats`, { method: 'POST' });
    const unknown = await fetch(`${sim.url}/__sim/nothing`);

    expect(wrongMethod.status).toBe(405);
    expect(unknown.status).toBe(404);
  });

  it('ignores latency and failure faults on control endpoints', async () => {
    const sim = await startTestSim();
    sim.setFaults({ latencyMs: 2000, failNext: [{ api: '/__sim/stats', httpStatus: 500, count: 1 }] });

    const started = performance.now();
    const response = await fetch(`${sim.url}/__sim/stats`);

    expect(response.status).toBe(200);
    expect(performance.now() - started).toBeLessThan(1500);
  });
});
