import type { RefreshBackoff, RefreshGuards } from '../../../shared/store/refresh-guards';
import { storeInterventions } from './interventions';

/**
 * RefreshGuards in memory, with the real one's rules: api_start_push_ticket may be claimed once per interval, and a
 * backoff reads as none once its time is up.
 */
export class FakeRefreshGuards implements RefreshGuards {
  readonly faults = storeInterventions<keyof RefreshGuards>('refresh guards');
  #lastStartPushTicketMs: number | undefined;
  #backoff: RefreshBackoff | null = null;

  constructor(private readonly options: { now: () => number }) {}

  async claimStartPushTicket(minIntervalMs: number): Promise<boolean> {
    await this.faults.enter('claimStartPushTicket');
    const nowMs = this.options.now();
    if (this.#lastStartPushTicketMs !== undefined && this.#lastStartPushTicketMs > nowMs - minIntervalMs) return false;
    this.#lastStartPushTicketMs = nowMs;
    return true;
  }

  async loadBackoff(): Promise<RefreshBackoff | null> {
    await this.faults.enter('loadBackoff');
    return this.backoff;
  }

  async setBackoff(backoff: RefreshBackoff): Promise<void> {
    await this.faults.enter('setBackoff');
    this.#backoff = { ...backoff };
  }

  async clearBackoff(): Promise<void> {
    await this.faults.enter('clearBackoff');
    this.#backoff = null;
  }

  /** The backoff in force, read without counting a call. */
  get backoff(): RefreshBackoff | null {
    return this.#backoff && this.#backoff.untilMs > this.options.now() ? { ...this.#backoff } : null;
  }
}
