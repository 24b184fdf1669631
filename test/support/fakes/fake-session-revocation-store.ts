import type { SessionRevocationStore } from '../../../shared/store/session-revocation-store';
import { storeInterventions } from './interventions';

/** SessionRevocationStore in memory: a revoked jti stays revoked. */
export class FakeSessionRevocationStore implements SessionRevocationStore {
  readonly faults = storeInterventions<keyof SessionRevocationStore>('session revocation store');
  readonly #revoked = new Map<string, number>();

  async revoke(jti: string, expiresAtMs: number): Promise<void> {
    await this.faults.enter('revoke');
    this.#revoked.set(jti, expiresAtMs);
  }

  async isRevoked(jti: string): Promise<boolean> {
    await this.faults.enter('isRevoked');
    return this.#revoked.has(jti);
  }
}
