import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/harness';

const SEC = 1000;
const MIN = 60 * SEC;
const DAY = 24 * 60 * MIN;

/**
 * 24 simulated hours on the fake clock shared by the simulator, the stores and the refresher: WeChat pushes a
 * ticket every 10 minutes (some pushes lost), the schedule fires every 5 minutes, and readers in three
 * "containers" ask for the token every 20 seconds and check it with the simulator, the judge of validity.
 */
describe('a simulated day of operation', () => {
  let h: Harness;
  const report = { tokenCalls: 0, reads: 0, bad: [] as string[], refreshOutcomes: new Map<string, number>() };

  beforeAll(async () => {
    h = await startHarness();
    const readers = [h.newReader(), h.newReader({ revalidateAfterMs: 30 * SEC }), h.newReader({ minRemainingMs: 120 * SEC })];
    const start = h.clock.now();
    let nextPush = start;
    let nextSchedule = start;
    let pushCount = 0;

    while (h.clock.now() - start < DAY) {
      const now = h.clock.now();
      if (now >= nextPush) {
        // Hours 5 to 6: the receiver is unreachable and WeChat's pushes are lost; the stored ticket still serves.
        pushCount++;
        if (now - start >= 5 * 60 * MIN && now - start < 6 * 60 * MIN) h.sim.setFaults({ pushes: { drop: 1 } });
        await h.sim.pushTicketNow();
        h.sim.setFaults({});
        nextPush += 10 * MIN;
      }
      if (now >= nextSchedule) {
        const outcome = await h.runRefresher({ action: 'refresh', reason: 'schedule' });
        report.refreshOutcomes.set(outcome.status, (report.refreshOutcomes.get(outcome.status) ?? 0) + 1);
        nextSchedule += 5 * MIN;
      }
      for (const reader of readers) {
        const token = await reader.getComponentAccessToken();
        report.reads++;
        const verdict = h.sim.checkComponentAccessToken(token);
        if (verdict !== 'ok') report.bad.push(`${new Date(h.clock.now()).toISOString()} ${verdict}`);
      }
      h.clock.advance(20 * SEC);
    }
    report.tokenCalls = h.sim.stats().calls.api_component_token ?? 0;
    expect(pushCount).toBe(144);
  }, 180_000); // a simulated day of pushes, schedules and readers: about 30 s here on a loaded machine
  afterAll(async () => h?.close());

  it('makes at most 14 api_component_token calls', () => {
    expect(report.tokenCalls).toBeGreaterThan(0);
    expect(report.tokenCalls).toBeLessThanOrEqual(14);
  });

  it('never hands out an expired or retired token', () => {
    expect(report.reads).toBeGreaterThan(12_000);
    expect(report.bad).toEqual([]);
  });

  it('refreshes only on the schedule: no reader ever had to wait for a token after the first', () => {
    expect(report.refreshOutcomes.get('refreshed')).toBe(report.tokenCalls);
    expect(h.aws.stats().lambda.Invoke ?? 0).toBeLessThanOrEqual(1);
  });
});
