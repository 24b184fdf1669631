import type { ConsumeResult, H5OAuthOutcome, H5OAuthState, H5OAuthStateStore } from '../../../shared/store/h5-oauth-state-store';
import { StoreError } from '../../../shared/store/store-errors';
import { storeInterventions } from './interventions';

/**
 * H5OAuthStateStore in memory, with the real one's rules: a state is created once, consumed at most once and only
 * before it expires, and only a consumed state takes an outcome.
 */
export class FakeH5OAuthStateStore implements H5OAuthStateStore {
  readonly faults = storeInterventions<keyof H5OAuthStateStore>('sign-in state store');
  readonly #states = new Map<string, H5OAuthState>();

  constructor(private readonly options: { now: () => number }) {}

  async create(state: Omit<H5OAuthState, 'consumedAtMs' | 'codeSha256' | 'outcome'>, _keepAfterExpiryMs: number): Promise<void> {
    await this.faults.enter('create');
    if (this.#states.has(state.state)) throw new StoreError('UNAVAILABLE', 'DynamoDB PutItem sign-in state (collision) failed');
    this.#states.set(state.state, structuredClone(state));
  }

  async get(state: string): Promise<H5OAuthState | null> {
    await this.faults.enter('get');
    return this.peek(state);
  }

  async consume(state: string, codeSha256: string | null): Promise<ConsumeResult> {
    await this.faults.enter('consume');
    const record = this.#states.get(state);
    if (record?.consumedAtMs !== undefined) return 'already-consumed';
    const nowMs = this.options.now();
    if (!record || record.expiresAtMs <= nowMs) return 'expired';
    record.consumedAtMs = nowMs;
    if (codeSha256) record.codeSha256 = codeSha256;
    return 'consumed';
  }

  async complete(state: string, outcome: H5OAuthOutcome): Promise<void> {
    await this.faults.enter('complete');
    const record = this.#states.get(state);
    if (record?.consumedAtMs === undefined) throw new StoreError('UNAVAILABLE', 'DynamoDB UpdateItem complete sign-in state failed');
    record.outcome = structuredClone(outcome);
  }

  /** A copy of the stored state, read without counting a call. */
  peek(state: string): H5OAuthState | null {
    const record = this.#states.get(state);
    return record ? structuredClone(record) : null;
  }
}
