import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CapturedOutput, enablePowertoolsOutput } from '../support/captured-output';
import { type Harness, startHarness } from '../support/harness';

const LEASE_MS = 60_000;
const calls = (h: Harness) => h.sim.stats().calls.api_component_token ?? 0;

/** Moves the clock to `atMs`; the readers' waits have moved it too, but never that far. */
function clockTo(h: Harness, atMs: number) {
  expect(h.clock.now()).toBeLessThan(atMs);
  h.clock.advance(atMs - h.clock.now());
}

/** Every KMS Encrypt fails from now on; far more than the SDK's retries of any number of refreshes can use up. */
const breakTokenSealing = (h: Harness) =>
  h.aws.injectFault({ service: 'kms', operation: 'Encrypt', errorType: 'KMSInternalException', count: 10_000 });

/**
 * 50 reader containers missing the token at once (polling at the production interval and asking again while the
 * refresher is busy), and the schedule with its retries, all while sealing fails.
 */
async function stampede(h: Harness, scheduledRuns: number) {
  const readers = Promise.allSettled(Array.from({ length: 50 }, () => h.newReader({ pollIntervalMs: 250 }).getComponentAccessToken()));
  const schedule = Promise.allSettled(Array.from({ length: scheduledRuns }, () => h.runRefresher()));
  return { readers: await readers, schedule: await schedule };
}

describe('token refresher when storage fails after WeChat answered', () => {
  let h: Harness;
  enablePowertoolsOutput();
  const output = new CapturedOutput();

  beforeEach(async () => {
    output.start();
    h = await startHarness({ leaseDurationMs: LEASE_MS });
    await h.sim.pushTicketNow(); // the receiver seals the ticket before KMS breaks
    output.clear();
  });
  afterEach(async () => {
    output.stop();
    await h.close();
  });

  it('calls api_component_token once per lease period however many readers and scheduled retries ask', async () => {
    breakTokenSealing(h);
    const start = h.clock.now();

    const first = await stampede(h, 5);
    const callsInFirstLease = calls(h);
    const readersGotNoToken = first.readers.every((r) => r.status === 'rejected');
    clockTo(h, start + LEASE_MS); // the kept lease expires
    await stampede(h, 5);
    const callsInSecondLease = calls(h);
    clockTo(h, start + 2 * LEASE_MS);
    h.aws.clearFaults(); // KMS recovers
    const recovered = await h.runRefresher();
    const token = await h.newReader().getComponentAccessToken();

    expect(callsInFirstLease).toBe(1);
    expect(readersGotNoToken).toBe(true);
    // The one that won the lease threw (the token could not be stored); the rest found the lease kept.
    for (const r of first.schedule) expect(r.status === 'rejected' || r.value.status === 'busy').toBe(true);
    expect(callsInSecondLease).toBe(2);
    expect(recovered.status).toBe('refreshed');
    expect(calls(h)).toBe(3);
    expect(h.sim.checkComponentAccessToken(token)).toBe('ok');
  });

  it('logs the failure as an error without the token and counts it', async () => {
    breakTokenSealing(h);

    await expect(h.runRefresher()).rejects.toMatchObject({ name: 'StoreError', code: 'UNAVAILABLE' });

    const [line, ...more] = output.logs('WeChat answered but its answer could not be stored; keeping the refresh lease until it expires');
    expect(more).toEqual([]);
    expect(line).toMatchObject({ level: 'ERROR', step: 'store-token', error: 'StoreError' });
    expect(typeof line?.leaseExpiresAt).toBe('string');
    expect(output.metricSum('RefreshStoreFailures')).toBe(1);
    expect(output.text).not.toMatch(/"(componentAccessToken|component_access_token)"\s*:/);
  });
});
