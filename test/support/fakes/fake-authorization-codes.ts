import { sha256Hex } from '../../../shared/crypto/digests';
import {
  type AuthorizationCodeStore,
  AWAITING_PUSH,
  type CodeArrival,
  type StoredCode,
} from '../../../shared/store/authorization-code-store';
import { storeInterventions } from './interventions';

/**
 * The arrival half of AuthorizationCodeStore in memory, with the real one's rules: one item per code whichever side
 * brings it first, new ones pending, a later arrival adding its source and what only the push knows, and a lost
 * code waiting for its authorizer re-opened once an arrival names it.
 */
export class FakeAuthorizationCodes implements Pick<AuthorizationCodeStore, 'record'> {
  readonly faults = storeInterventions<'record'>('authorization code store');
  readonly items = new Map<string, StoredCode>();

  async record(arrival: CodeArrival): Promise<{ created: boolean; item: StoredCode }> {
    await this.faults.enter('record');
    const codeSha256 = sha256Hex(arrival.code);
    const known = this.items.get(codeSha256);
    if (!known) {
      const item: StoredCode = {
        codeSha256,
        status: 'pending',
        sources: [arrival.source],
        eventCreateTime: arrival.eventCreateTime,
        codeExpiresAtMs: arrival.codeExpiresAtMs,
        attempts: 0,
        lastAttemptNotSent: false,
        ...(arrival.authorizerAppid ? { authorizerAppid: arrival.authorizerAppid } : {}),
        ...(arrival.infoType ? { infoType: arrival.infoType } : {}),
      };
      this.items.set(codeSha256, item);
      return { created: true, item: structuredClone(item) };
    }
    if (!known.sources.includes(arrival.source)) known.sources.push(arrival.source);
    if (arrival.authorizerAppid) known.authorizerAppid = arrival.authorizerAppid;
    if (arrival.source === 'push') {
      known.eventCreateTime = arrival.eventCreateTime;
      if (arrival.infoType) known.infoType = arrival.infoType;
    }
    // It was waiting for the push to name its authorizer: now the worker can recover it.
    if (known.status === 'lost' && known.outcome === AWAITING_PUSH && known.authorizerAppid) known.status = 'pending';
    return { created: false, item: structuredClone(known) };
  }

  /** Moves a recorded code on, as the worker's claim and exchange would. */
  setStatus(code: string, status: StoredCode['status']): void {
    const item = this.items.get(sha256Hex(code));
    if (!item) throw new Error('no such code recorded');
    item.status = status;
  }
}
