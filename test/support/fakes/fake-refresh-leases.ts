import { randomUUID } from 'node:crypto';
import type { RefreshLease, RefreshLeases } from '../../../shared/store/refresh-lease';
import { StoreError } from '../../../shared/store/store-errors';
import { storeInterventions } from './interventions';

/**
 * RefreshLeases in memory, with the real one's rules: acquiring fails with LEASE_HELD while an unexpired lease exists,
 * an expired one is simply taken over, and a release removes the lease only if the releaser still holds it.
 */
export class FakeRefreshLeases implements RefreshLeases {
  readonly faults = storeInterventions<'acquire' | 'release'>('refresh lease');
  #lease: { holder: string; expiresAtMs: number } | null = null;

  constructor(private readonly options: { now: () => number; leaseDurationMs: number }) {}

  async acquire(): Promise<RefreshLease> {
    await this.faults.enter('acquire');
    const nowMs = this.options.now();
    if (this.#lease && this.#lease.expiresAtMs > nowMs) throw new StoreError('LEASE_HELD', 'another token refresh holds the lease');
    const lease = { holder: randomUUID(), expiresAtMs: nowMs + this.options.leaseDurationMs };
    this.#lease = lease;
    return {
      ...lease,
      release: async () => {
        await this.faults.enter('release');
        if (this.#lease?.holder === lease.holder) this.#lease = null;
      },
    };
  }

  /** The unexpired lease, if any, read without counting a call. */
  get held(): { holder: string; expiresAtMs: number } | null {
    return this.#lease && this.#lease.expiresAtMs > this.options.now() ? { ...this.#lease } : null;
  }
}
