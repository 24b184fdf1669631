import type { FaultService } from './fault-injector';

/**
 * Calls received per operation, e.g.
 * `{ kms: { Encrypt: 2, Decrypt: 5 }, secretsManager: {}, lambda: { Invoke: 1 }, sqs: { SendMessageBatch: 3 } }`.
 */
export type CallStatsSnapshot = Record<FaultService, Record<string, number>>;

/** Counts every request a stand-in receives per operation, including ones that fail or are faulted. */
export class CallStats {
  private counts: CallStatsSnapshot = emptySnapshot();

  /** Counts one call. */
  record(service: FaultService, operation: string): void {
    const perService = this.counts[service];
    perService[operation] = (perService[operation] ?? 0) + 1;
  }

  /** A copy of the counts so far. */
  snapshot(): CallStatsSnapshot {
    return {
      kms: { ...this.counts.kms },
      secretsManager: { ...this.counts.secretsManager },
      lambda: { ...this.counts.lambda },
      sqs: { ...this.counts.sqs },
    };
  }

  /** Sets every count back to zero. */
  reset(): void {
    this.counts = emptySnapshot();
  }
}

function emptySnapshot(): CallStatsSnapshot {
  return { kms: {}, secretsManager: {}, lambda: {}, sqs: {} };
}
