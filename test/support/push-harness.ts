import { afterAll, beforeAll, beforeEach } from 'vitest';
import { useCapturedOutput } from './captured-output';
import { type Harness, startHarness } from './harness';

/**
 * Registers the hooks the push receiver's integration tests share: one harness for the enclosing describe and,
 * before each test, the clock a minute on and every injected fault cleared. Returns the harness, usable from hooks
 * and tests (it is started in beforeAll, so reading it at describe scope throws).
 *
 * The receiver logs, as in Lambda: some tests read those logs (withCapturedOutput), and every test's output is
 * captured, so a passing run prints none of it.
 */
export function usePushHarness(): Harness {
  let started: Harness | undefined;
  useCapturedOutput();

  beforeAll(async () => {
    started = await startHarness();
  });
  afterAll(async () => started?.close());

  beforeEach(() => {
    // A minute per test: every ticket a test pushes is newer than anything an earlier test stored.
    started!.clock.advance(60_000);
    // A test that failed half-way must not leave its faults to the next one.
    started!.sim.setFaults({});
    started!.aws.clearFaults();
  });

  // A stand-in that forwards to the harness once beforeAll has started it, so tests keep writing `h.clock`, `h.sim`.
  return new Proxy({} as Harness, {
    get(_target, key) {
      if (!started) throw new Error('usePushHarness: the harness is only available inside hooks and tests');
      return Reflect.get(started, key, started);
    },
  });
}
