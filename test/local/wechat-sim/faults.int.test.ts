import { afterEach, describe, expect, it } from 'vitest';
import type { SimFaults } from '../../../local/wechat-sim/server';
import { closeTestReceivers, openPush, type PushReceiver, startTestReceiver, xmlField } from './push-receiver-stub';
import { CANARY, closeTestSims, fakeClock, fetchComponentToken, postJson, startTestSim, tokenRequest } from './sim-harness';

const TOKEN_PATH = '/cgi-bin/component/api_component_token';

afterEach(async () => {
  await closeTestSims();
  await closeTestReceivers();
});

function ticketsOf(rx: PushReceiver): Array<{ ticket: string | undefined; createTime: string | undefined }> {
  return rx.pushes.map((push) => {
    const inner = openPush(push).innerXml;
    return { ticket: xmlField(inner, 'ComponentVerifyTicket'), createTime: xmlField(inner, 'CreateTime') };
  });
}

describe('API faults', () => {
  it('adds latencyMs before every API answer', async () => {
    const sim = await startTestSim();
    sim.setFaults({ latencyMs: 150 });

    const started = performance.now();
    await postJson(`${sim.url}${TOKEN_PATH}`, '{}');
    const elapsedMs = performance.now() - started;

    expect(elapsedMs).toBeGreaterThanOrEqual(140);
  });

  it('answers the injected errcode as HTTP 200 for the next count calls, then answers normally', async () => {
    const sim = await startTestSim();
    await sim.pushTicketNow();
    const body = tokenRequest(sim.latestTicket()!.ticket);
    sim.setFaults({ failNext: [{ api: 'api_component_token', errcode: -1, count: 2 }] });

    const first = await postJson(`${sim.url}${TOKEN_PATH}`, body);
    const second = await postJson(`${sim.url}${TOKEN_PATH}`, body);
    const third = await postJson(`${sim.url}${TOKEN_PATH}`, body);

    expect([first.status, first.json.errcode]).toEqual([200, -1]);
    expect(second.json.errcode).toBe(-1);
    expect(third.json.component_access_token).toEqual(expect.any(String));
    expect(sim.stats().errors.api_component_token).toEqual({ '-1': 2 });
  });

  it('answers a bare HTTP status with a plain-text body when only httpStatus is given', async () => {
    const sim = await startTestSim();
    sim.setFaults({ failNext: [{ api: 'api_component_token', httpStatus: 503, count: 1 }] });

    const response = await fetch(`${sim.url}${TOKEN_PATH}`, { method: 'POST', body: '{}' });

    expect(response.status).toBe(503);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(sim.stats().errors.api_component_token).toEqual({ http_503: 1 });
  });

  it('answers errcode -1 when a failure names neither errcode nor httpStatus', async () => {
    const sim = await startTestSim();
    sim.setFaults({ failNext: [{ api: 'api_component_token', count: 1 }] });

    const { json } = await postJson(`${sim.url}${TOKEN_PATH}`, '{}');

    expect(json.errcode).toBe(-1);
  });

  it('matches failNext by request path as well as by API name, and leaves other APIs alone', async () => {
    const sim = await startTestSim();
    const token = await fetchComponentToken(sim);
    sim.setFaults({ failNext: [{ api: '/cgi-bin/component/api_create_preauthcode', errcode: 45009, count: 1 }] });

    const other = await postJson(`${sim.url}${TOKEN_PATH}`, '{}');
    const hit = await postJson(`${sim.url}/cgi-bin/component/api_create_preauthcode?access_token=${token}`, {
      component_appid: CANARY.componentAppid,
    });

    expect(other.json.errcode).toBe(61011);
    expect(hit.json.errcode).toBe(45009);
  });

  it('does not let an injected failure use quota or issue a token', async () => {
    const sim = await startTestSim({ dailyQuota: 1 });
    await sim.pushTicketNow();
    const body = tokenRequest(sim.latestTicket()!.ticket);
    sim.setFaults({ failNext: [{ api: 'api_component_token', errcode: -1, count: 1 }] });

    await postJson(`${sim.url}${TOKEN_PATH}`, body);
    const after = await postJson(`${sim.url}${TOKEN_PATH}`, body);

    expect(after.json.component_access_token).toEqual(expect.any(String));
    expect(sim.stats().tokensIssued).toBe(1);
  });

  it('drops the connection without an answer for the next count calls, then answers normally', async () => {
    const sim = await startTestSim();
    sim.setFaults({ dropNext: [{ api: 'api_component_token', count: 1 }] });

    const dropped = fetch(`${sim.url}${TOKEN_PATH}`, { method: 'POST', body: '{}' });
    await expect(dropped).rejects.toThrow(TypeError);
    const next = await postJson(`${sim.url}${TOKEN_PATH}`, '{}');

    expect(next.json.errcode).toBe(61011);
    expect(sim.stats().errors.api_component_token).toEqual({ dropped: 1, '61011': 1 });
    expect(sim.stats().calls.api_component_token).toBe(2);
  });

  it('clears every fault with setFaults({})', async () => {
    const sim = await startTestSim();
    sim.setFaults({ failNext: [{ api: 'api_component_token', errcode: -1, count: 5 }], latencyMs: 1000 });

    sim.setFaults({});
    const started = performance.now();
    const { json } = await postJson(`${sim.url}${TOKEN_PATH}`, '{}');

    expect(json.errcode).toBe(61011);
    expect(performance.now() - started).toBeLessThan(900);
  });

  it("copies the faults, so calls never change the caller's object", async () => {
    const sim = await startTestSim();
    const faults: SimFaults = { failNext: [{ api: 'api_component_token', errcode: -1, count: 1 }] };
    sim.setFaults(faults);

    await postJson(`${sim.url}${TOKEN_PATH}`, '{}');

    expect(faults.failNext?.[0]?.count).toBe(1);
  });

  it('throws a TypeError naming the field for invalid faults', async () => {
    const sim = await startTestSim();

    expect(() => sim.setFaults({ failNext: [{ api: 'api_component_token', count: -1 }] })).toThrow(/failNext\[0\]\.count/);
    expect(() => sim.setFaults({ failNext: [{ api: '', count: 1 }] })).toThrow(TypeError);
  });
});

describe('POST /__sim/faults', () => {
  it('sets faults from JSON', async () => {
    const sim = await startTestSim();

    const set = await postJson(`${sim.url}/__sim/faults`, { failNext: [{ api: 'api_component_token', errcode: 61004, count: 1 }] });
    const { json } = await postJson(`${sim.url}${TOKEN_PATH}`, '{}');

    expect(set).toEqual({ status: 200, json: { ok: true } });
    expect(json.errcode).toBe(61004);
  });

  it('rejects invalid faults with HTTP 400 naming the field and keeps the previous faults', async () => {
    const sim = await startTestSim();
    sim.setFaults({ failNext: [{ api: 'api_component_token', errcode: -1, count: 1 }] });

    const rejected = await postJson(`${sim.url}/__sim/faults`, { pushes: { drop: 'two' } });
    const { json } = await postJson(`${sim.url}${TOKEN_PATH}`, '{}');

    expect(rejected.status).toBe(400);
    expect(rejected.json.error).toMatch(/pushes\.drop/);
    expect(json.errcode).toBe(-1);
  });
});

describe('push faults', () => {
  it('does not send the next n pushes, counting them as dropped, then sends again', async () => {
    const rx = await startTestReceiver();
    const sim = await startTestSim({ pushUrl: rx.url });
    sim.setFaults({ pushes: { drop: 2 } });

    const first = await sim.pushTicketNow();
    await sim.pushTicketNow();
    const third = await sim.pushTicketNow();

    expect(first).toMatchObject({ status: null, acked: false, error: 'push dropped by fault injection' });
    expect(third.acked).toBe(true);
    expect(rx.pushes).toHaveLength(1);
    expect(ticketsOf(rx)[0]?.ticket).toBe(sim.latestTicket()?.ticket);
    expect(sim.stats().pushes).toMatchObject({ dropped: 2, sent: 1, acked: 1 });
  });

  it('sends every push twice when duplicate is set', async () => {
    const rx = await startTestReceiver();
    const sim = await startTestSim({ pushUrl: rx.url });
    sim.setFaults({ pushes: { duplicate: true } });

    await sim.pushTicketNow();
    await sim.pushEvent({ infoType: 'unauthorized' });

    const [a, b, c, d] = rx.pushes.map((p) => openPush(p).innerXml);
    expect(rx.pushes).toHaveLength(4);
    expect(a).toBe(b);
    expect(c).toBe(d);
    expect(sim.stats().pushes).toMatchObject({ sent: 4, acked: 4, duplicated: 2 });
  });

  it('re-sends the previous ticket after each new one when outOfOrder is set, freshly signed', async () => {
    const clock = fakeClock();
    const rx = await startTestReceiver();
    const sim = await startTestSim({ pushUrl: rx.url, now: clock.now });
    await sim.pushTicketNow();
    const older = sim.latestTicket()!;
    clock.advanceSec(600);
    sim.setFaults({ pushes: { outOfOrder: true } });

    await sim.pushTicketNow();

    const newer = sim.latestTicket()!;
    expect(ticketsOf(rx)).toEqual([
      { ticket: older.ticket, createTime: String(older.createTime) },
      { ticket: newer.ticket, createTime: String(newer.createTime) },
      { ticket: older.ticket, createTime: String(older.createTime) },
    ]);
    const resent = rx.pushes[2]!;
    expect(openPush(resent).msgSignatureMatches).toBe(true);
    expect(resent.query.get('timestamp')).toBe(String(newer.createTime));
    expect(sim.stats().pushes.reordered).toBe(1);
  });

  it('has nothing to re-send for the very first ticket', async () => {
    const rx = await startTestReceiver();
    const sim = await startTestSim({ pushUrl: rx.url });
    sim.setFaults({ pushes: { outOfOrder: true } });

    await sim.pushTicketNow();

    expect(rx.pushes).toHaveLength(1);
    expect(sim.stats().pushes.reordered).toBe(0);
  });

  it('does not apply push faults to pushRaw', async () => {
    const rx = await startTestReceiver();
    const sim = await startTestSim({ pushUrl: rx.url });
    sim.setFaults({ pushes: { drop: 1, duplicate: true } });

    await sim.pushRaw({ xml: '<xml><InfoType>x</InfoType></xml>' });

    expect(rx.pushes).toHaveLength(1);
  });

  it('applies push faults to the push that api_start_push_ticket schedules', async () => {
    const rx = await startTestReceiver();
    const sim = await startTestSim({ pushUrl: rx.url });
    sim.setFaults({ pushes: { drop: 1 } });

    await postJson(`${sim.url}/cgi-bin/component/api_start_push_ticket`, {
      component_appid: CANARY.componentAppid,
      component_secret: CANARY.componentAppsecret,
    });
    await sim.whenIdle();

    expect(rx.pushes).toHaveLength(0);
    expect(sim.stats().pushes.dropped).toBe(1);
    expect(sim.latestTicket()).not.toBeNull();
  });
});
