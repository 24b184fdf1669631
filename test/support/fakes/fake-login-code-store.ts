import { randomAlphanumeric } from '../../../shared/h5-oauth/random-token';
import type { LoginCodeStore, LoginGrant } from '../../../shared/store/login-code-store';
import { storeInterventions } from './interventions';

/** LoginCodeStore in memory, with the real one's rules: a code is redeemed at most once, and only before it expires. */
export class FakeLoginCodeStore implements LoginCodeStore {
  readonly faults = storeInterventions<keyof LoginCodeStore>('login code store');
  readonly #codes = new Map<string, { grant: LoginGrant; expiresAtMs: number }>();

  constructor(private readonly options: { now: () => number; ttlMs: number }) {}

  async issue(grant: LoginGrant): Promise<string> {
    await this.faults.enter('issue');
    const code = randomAlphanumeric(32);
    this.#codes.set(code, { grant: { ...grant }, expiresAtMs: this.options.now() + this.options.ttlMs });
    return code;
  }

  async redeem(code: string): Promise<LoginGrant | null> {
    await this.faults.enter('redeem');
    const entry = this.#codes.get(code);
    this.#codes.delete(code);
    return entry && entry.expiresAtMs > this.options.now() ? entry.grant : null;
  }

  /** The grant behind an unredeemed code, read without redeeming it. */
  peek(code: string): LoginGrant | null {
    return this.#codes.get(code)?.grant ?? null;
  }
}
