import { setTimeout as delay } from 'node:timers/promises';

/** How a token reader caches and waits: the same settings for the component and the authorizer token readers. */
export interface TokenReaderTiming {
  /** A cached token is re-checked against the store (one GetItem, no KMS call) after this. @default 60000 */
  revalidateAfterMs?: number;
  /** Upper bound on waiting for a refresh. @default 15000 */
  maxWaitMs?: number;
  /** @default 250 */
  pollIntervalMs?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** The timing with every default filled in. */
export function resolveTiming(options: TokenReaderTiming): Required<TokenReaderTiming> {
  return {
    revalidateAfterMs: options.revalidateAfterMs ?? 60_000,
    maxWaitMs: options.maxWaitMs ?? 15_000,
    pollIntervalMs: options.pollIntervalMs ?? 250,
    now: options.now ?? Date.now,
    sleep: options.sleep ?? ((ms: number) => delay(ms)),
  };
}

/** While the refresher answers 'busy', it is asked again this often: if the lease holder died, asking takes over its lease. */
const ASK_AGAIN_AFTER_MS = 2_000;

/**
 * Asks for a refresh, then reads the store until `done` holds for what it read, or the wait runs out. Any answer but
 * 'busy' is final: the store already holds whatever that refresh was going to produce, so what was read decides, and
 * `failed` makes the error when it is not done. A 'busy' answer means someone else is refreshing: keep reading.
 */
export async function refreshAndWait<State, Outcome extends { status: string }>(
  timing: Required<TokenReaderTiming>,
  wait: {
    ask: () => Promise<Outcome>;
    read: () => Promise<State>;
    done: (state: State) => boolean;
    failed: (outcome: Outcome) => Error;
    timedOut: (outcome: Outcome) => Error;
  },
): Promise<State> {
  const { now, sleep } = timing;
  const deadline = now() + timing.maxWaitMs;
  let lastAskMs = now();
  let outcome = await wait.ask();
  for (;;) {
    const state = await wait.read();
    if (wait.done(state)) return state;
    if (outcome.status !== 'busy') throw wait.failed(outcome);
    if (now() >= deadline) throw wait.timedOut(outcome);
    await sleep(timing.pollIntervalMs);
    if (now() - lastAskMs >= ASK_AGAIN_AFTER_MS) {
      lastAskMs = now();
      outcome = await wait.ask();
    }
  }
}
