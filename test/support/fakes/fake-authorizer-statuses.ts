import type { AuthorizerStatusName, AuthorizerStore } from '../../../shared/store/authorizer-store';
import { storeInterventions } from './interventions';

type StatusMethods = 'getStatus' | 'revoke';

/**
 * The status half of AuthorizerStore in memory, with the real one's rule: a revocation lands only when its event is
 * newer than the last one applied, or of the same second as a status that is not revoked yet. Tests set other statuses directly (in AWS the worker's exchange sets them).
 */
export class FakeAuthorizerStatuses implements Pick<AuthorizerStore, StatusMethods> {
  readonly faults = storeInterventions<StatusMethods>('authorizer store');
  readonly #statuses = new Map<string, { status: AuthorizerStatusName; lastEventCreateTime: number }>();

  /** Puts an authorizer in `status` as of the event at `lastEventCreateTime` (unix s). */
  set(authorizerAppid: string, status: AuthorizerStatusName, lastEventCreateTime = 1): void {
    this.#statuses.set(authorizerAppid, { status, lastEventCreateTime });
  }

  async getStatus(authorizerAppid: string): Promise<{ status: AuthorizerStatusName; lastEventCreateTime: number } | null> {
    await this.faults.enter('getStatus');
    const found = this.#statuses.get(authorizerAppid);
    return found ? { ...found } : null;
  }

  async revoke(revocation: { authorizerAppid: string; eventCreateTime: number }): Promise<'revoked' | 'not-newer'> {
    await this.faults.enter('revoke');
    const current = this.#statuses.get(revocation.authorizerAppid);
    const sameSecond = current?.lastEventCreateTime === revocation.eventCreateTime && current.status !== 'revoked';
    if (current && current.lastEventCreateTime >= revocation.eventCreateTime && !sameSecond) return 'not-newer';
    this.#statuses.set(revocation.authorizerAppid, { status: 'revoked', lastEventCreateTime: revocation.eventCreateTime });
    return 'revoked';
  }
}
