import { afterEach, describe, expect, it } from 'vitest';
import {
  CANARY,
  closeTestSims,
  fakeClock,
  fetchComponentToken,
  NOON_BEIJING_MS,
  postJson,
  startTestSim,
  tokenRequest,
} from './sim-harness';

afterEach(closeTestSims);

const TOKEN_PATH = '/cgi-bin/component/api_component_token';
const HOUR_SEC = 3600;

describe('api_component_token', () => {
  it('issues an unguessable token of at least 64 characters valid for 7200 s', async () => {
    const sim = await startTestSim({ now: fakeClock().now });
    await sim.pushTicketNow();

    const { status, json } = await postJson(`${sim.url}${TOKEN_PATH}`, tokenRequest(sim.latestTicket()!.ticket));

    expect(status).toBe(200);
    expect(json.expires_in).toBe(7200);
    expect(json.errcode).toBeUndefined();
    expect(String(json.component_access_token).length).toBeGreaterThanOrEqual(64);
    expect(sim.checkComponentAccessToken(String(json.component_access_token))).toBe('ok');
  });

  it('issues a different token on every call', async () => {
    const sim = await startTestSim();

    const first = await fetchComponentToken(sim);
    const second = await fetchComponentToken(sim);

    expect(first).not.toBe(second);
  });

  it('keeps a token valid until 7200 s after issue and expired from then on, on the sim clock', async () => {
    const clock = fakeClock();
    const sim = await startTestSim({ now: clock.now });
    const token = await fetchComponentToken(sim);

    clock.advanceSec(7199);
    const justBefore = sim.checkComponentAccessToken(token);
    clock.advanceSec(1);
    const atExpiry = sim.checkComponentAccessToken(token);

    expect(justBefore).toBe('ok');
    expect(atExpiry).toBe('expired');
  });

  it('honours tokenTtlSec', async () => {
    const clock = fakeClock();
    const sim = await startTestSim({ now: clock.now, tokenTtlSec: 60 });
    await sim.pushTicketNow();

    const { json } = await postJson(`${sim.url}${TOKEN_PATH}`, tokenRequest(sim.latestTicket()!.ticket));
    clock.advanceSec(60);

    expect(json.expires_in).toBe(60);
    expect(sim.checkComponentAccessToken(String(json.component_access_token))).toBe('expired');
  });

  it('reports a token it never issued as invalid', async () => {
    const sim = await startTestSim();

    expect(sim.checkComponentAccessToken('x'.repeat(86))).toBe('invalid');
  });
});

describe('previous token grace', () => {
  it('keeps the superseded token working for previousTokenGraceSec after the new one, then invalid', async () => {
    const clock = fakeClock();
    const sim = await startTestSim({ now: clock.now });
    const older = await fetchComponentToken(sim);
    clock.advanceSec(100);
    const newer = await fetchComponentToken(sim);

    clock.advanceSec(299);
    const withinGrace = sim.checkComponentAccessToken(older);
    clock.advanceSec(1);
    const afterGrace = sim.checkComponentAccessToken(older);

    expect(withinGrace).toBe('ok');
    expect(afterGrace).toBe('invalid');
    expect(sim.checkComponentAccessToken(newer)).toBe('ok');
  });

  it('invalidates a superseded token at once when previousTokenGraceSec is 0', async () => {
    const sim = await startTestSim({ now: fakeClock().now, previousTokenGraceSec: 0 });
    const older = await fetchComponentToken(sim);

    await fetchComponentToken(sim);

    expect(sim.checkComponentAccessToken(older)).toBe('invalid');
  });

  it('starts the grace of every older token when it was first superseded, not at the latest issue', async () => {
    const clock = fakeClock();
    const sim = await startTestSim({ now: clock.now });
    const oldest = await fetchComponentToken(sim);
    await fetchComponentToken(sim);
    clock.advanceSec(200);
    await fetchComponentToken(sim);

    clock.advanceSec(100);

    expect(sim.checkComponentAccessToken(oldest)).toBe('invalid');
  });
});

describe('api_component_token ticket checks', () => {
  it('accepts a ticket until 12 h after its CreateTime and answers 61005 from then on', async () => {
    const clock = fakeClock();
    const sim = await startTestSim({ now: clock.now });
    await sim.pushTicketNow();
    const { ticket } = sim.latestTicket()!;

    clock.advanceSec(12 * HOUR_SEC - 1);
    const justBefore = await postJson(`${sim.url}${TOKEN_PATH}`, tokenRequest(ticket));
    clock.advanceSec(1);
    const atExpiry = await postJson(`${sim.url}${TOKEN_PATH}`, tokenRequest(ticket));

    expect(justBefore.json.component_access_token).toEqual(expect.any(String));
    expect(atExpiry.json.errcode).toBe(61005);
    expect(atExpiry.json.component_access_token).toBeUndefined();
  });

  it('accepts an older ticket that is still valid after a newer one was issued', async () => {
    const clock = fakeClock();
    const sim = await startTestSim({ now: clock.now });
    await sim.pushTicketNow();
    const older = sim.latestTicket()!.ticket;
    clock.advanceSec(600);
    await sim.pushTicketNow();

    const { json } = await postJson(`${sim.url}${TOKEN_PATH}`, tokenRequest(older));

    expect(json.component_access_token).toEqual(expect.any(String));
  });

  it('rejects a ticket the simulator never issued with 61006', async () => {
    const sim = await startTestSim();
    await sim.pushTicketNow();

    const { json } = await postJson(`${sim.url}${TOKEN_PATH}`, tokenRequest('ticket@@@forgedforgedforgedforgedforgedforgedforged'));

    expect(json.errcode).toBe(61006);
  });

  it('rejects a missing ticket with 61006', async () => {
    const sim = await startTestSim();

    const { json } = await postJson(`${sim.url}${TOKEN_PATH}`, {
      component_appid: CANARY.componentAppid,
      component_appsecret: CANARY.componentAppsecret,
    });

    expect(json.errcode).toBe(61006);
  });
});

describe('api_component_token credential checks', () => {
  it('rejects a wrong appsecret with 40125', async () => {
    const sim = await startTestSim();
    await sim.pushTicketNow();

    const { json } = await postJson(`${sim.url}${TOKEN_PATH}`, {
      ...tokenRequest(sim.latestTicket()!.ticket),
      component_appsecret: 'wrong',
    });

    expect(json.errcode).toBe(40125);
    expect(json.errmsg).toEqual(expect.stringContaining('invalid appsecret'));
  });

  it('rejects a missing appsecret with 41004', async () => {
    const sim = await startTestSim();
    await sim.pushTicketNow();
    const { component_appsecret: _omitted, ...body } = tokenRequest(sim.latestTicket()!.ticket);

    const { json } = await postJson(`${sim.url}${TOKEN_PATH}`, body);

    expect(json.errcode).toBe(41004);
  });

  it('rejects an unknown or missing component_appid with 61011', async () => {
    const sim = await startTestSim();
    await sim.pushTicketNow();
    const valid = tokenRequest(sim.latestTicket()!.ticket);

    const wrong = await postJson(`${sim.url}${TOKEN_PATH}`, { ...valid, component_appid: 'wx0000000000000bad' });
    const { component_appid: _omitted, ...withoutAppid } = valid;
    const missing = await postJson(`${sim.url}${TOKEN_PATH}`, withoutAppid);

    expect(wrong.json.errcode).toBe(61011);
    expect(missing.json.errcode).toBe(61011);
  });

  it('checks the secret before the ticket, so a wrong secret with a forged ticket answers 40125', async () => {
    const sim = await startTestSim();

    const { json } = await postJson(`${sim.url}${TOKEN_PATH}`, { ...tokenRequest('ticket@@@forged'), component_appsecret: 'wrong' });

    expect(json.errcode).toBe(40125);
  });

  it('rejects bodies that are not a JSON object with 47001, as HTTP 200', async () => {
    const sim = await startTestSim();

    for (const body of ['', '{not json', '[]', '"text"', 'null', '42', 'x'.repeat(70 * 1024)]) {
      const { status, json } = await postJson(`${sim.url}${TOKEN_PATH}`, body);

      expect(status).toBe(200);
      expect(json.errcode).toBe(47001);
    }
  });

  it('rejects GET with 43002 require POST method', async () => {
    const sim = await startTestSim();

    const response = await fetch(`${sim.url}${TOKEN_PATH}`);

    expect(response.status).toBe(200);
    expect(((await response.json()) as { errcode: number }).errcode).toBe(43002);
  });
});

describe('api_component_token daily quota', () => {
  it('answers 45009 once the daily quota is used up', async () => {
    const sim = await startTestSim({ now: fakeClock().now, dailyQuota: 3 });
    await sim.pushTicketNow();
    const body = tokenRequest(sim.latestTicket()!.ticket);

    const answers = [];
    for (let i = 0; i < 4; i += 1) answers.push((await postJson(`${sim.url}${TOKEN_PATH}`, body)).json);

    expect(answers.slice(0, 3).every((a) => typeof a.component_access_token === 'string')).toBe(true);
    expect(answers[3]?.errcode).toBe(45009);
    expect(sim.stats().quotaUsedToday).toBe(3);
    expect(sim.stats().tokensIssued).toBe(3);
  });

  it('does not count calls that fail another check against the quota', async () => {
    const sim = await startTestSim({ now: fakeClock().now, dailyQuota: 1 });
    await sim.pushTicketNow();
    const body = tokenRequest(sim.latestTicket()!.ticket);

    await postJson(`${sim.url}${TOKEN_PATH}`, { ...body, component_appsecret: 'wrong' });
    await postJson(`${sim.url}${TOKEN_PATH}`, { ...body, component_verify_ticket: 'ticket@@@forged' });
    const valid = await postJson(`${sim.url}${TOKEN_PATH}`, body);

    expect(valid.json.component_access_token).toEqual(expect.any(String));
  });

  it('refills the quota at 00:00 Beijing time (16:00 UTC), not at UTC midnight', async () => {
    const clock = fakeClock(Date.UTC(2025, 0, 15, 15, 59, 59));
    const sim = await startTestSim({ now: clock.now, dailyQuota: 1 });
    await sim.pushTicketNow();
    const body = tokenRequest(sim.latestTicket()!.ticket);
    await postJson(`${sim.url}${TOKEN_PATH}`, body);

    const lastSecondOfBeijingDay = await postJson(`${sim.url}${TOKEN_PATH}`, body);
    clock.advanceSec(1);
    const beijingMidnight = await postJson(`${sim.url}${TOKEN_PATH}`, body);
    clock.setMs(Date.UTC(2025, 0, 16, 0, 0, 0));
    const utcMidnight = await postJson(`${sim.url}${TOKEN_PATH}`, body);

    expect(lastSecondOfBeijingDay.json.errcode).toBe(45009);
    expect(beijingMidnight.json.component_access_token).toEqual(expect.any(String));
    expect(utcMidnight.json.errcode).toBe(45009);
  });

  it('simulates 24 hours of refreshes on the fake clock within the quota', async () => {
    const clock = fakeClock(NOON_BEIJING_MS);
    const sim = await startTestSim({ now: clock.now, dailyQuota: 24 });
    await sim.pushTicketNow();

    let token = '';
    for (let hour = 0; hour < 24; hour += 1) {
      if (hour % 10 === 0) await sim.pushTicketNow(); // a ticket every 10 h keeps one valid
      const ticket = sim.latestTicket()!.ticket;
      const { json } = await postJson(`${sim.url}${TOKEN_PATH}`, tokenRequest(ticket));
      token = String(json.component_access_token);
      clock.advanceSec(HOUR_SEC);
    }

    expect(sim.stats().tokensIssued).toBe(24);
    expect(sim.checkComponentAccessToken(token)).toBe('ok');
  });
});
