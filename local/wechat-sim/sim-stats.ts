/**
 * Counters behind `stats()` and `GET /__sim/stats`.
 */
import type { SimStats } from './types';

type PushCounter = keyof SimStats['pushes'];

/** Collects call, error, push and issuance counts; quota usage is state and is read from the quota instead. */
export class SimStatsRecorder {
  private counts = emptyCounts();
  /** Calls per API and authorizer appid: kept apart from `counts`, which snapshots copy whole (10,000 appids is a lot). */
  private byAuthorizer = new Map<string, Map<string, number>>();

  /** Counts one call of `api`. */
  recordCall(api: string): void {
    this.counts.calls[api] = (this.counts.calls[api] ?? 0) + 1;
  }

  /** Counts one call of `api` that names authorizer `appid` in its body. */
  recordAuthorizerCall(api: string, appid: string): void {
    const calls = this.byAuthorizer.get(api) ?? new Map<string, number>();
    calls.set(appid, (calls.get(appid) ?? 0) + 1);
    this.byAuthorizer.set(api, calls);
  }

  /** Calls of `api` per authorizer appid, as a new object. */
  callsByAuthorizer(api: string): Record<string, number> {
    return Object.fromEntries(this.byAuthorizer.get(api) ?? []);
  }

  /** Counts one failed call of `api` under `key` (an errcode, `http_<status>` or `dropped`). */
  recordError(api: string, key: string): void {
    const byKey = this.counts.errors[api] ?? {};
    byKey[key] = (byKey[key] ?? 0) + 1;
    this.counts.errors[api] = byKey;
  }

  /** Counts one push event of the given kind. */
  recordPush(counter: PushCounter): void {
    this.counts.pushes[counter] += 1;
  }

  recordTokenIssued(): void {
    this.counts.tokensIssued += 1;
  }

  recordTicketIssued(): void {
    this.counts.ticketsIssued += 1;
  }

  /** A deep copy, so callers cannot change the counters through it. */
  snapshot(quotaUsedToday: number): SimStats {
    return structuredClone({ ...this.counts, quotaUsedToday });
  }

  reset(): void {
    this.counts = emptyCounts();
    this.byAuthorizer = new Map();
  }
}

function emptyCounts(): Omit<SimStats, 'quotaUsedToday'> {
  return {
    calls: {},
    errors: {},
    pushes: { sent: 0, acked: 0, failed: 0, dropped: 0, duplicated: 0, reordered: 0 },
    tokensIssued: 0,
    ticketsIssued: 0,
  };
}
