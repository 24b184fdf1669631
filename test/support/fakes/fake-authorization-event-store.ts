import type {
  AuthorizationEvent,
  AuthorizationEventStore,
  AuthorizerState,
  AuthorizerStatus,
  RecordEventOutcome,
  UnparsedPush,
} from '../../../shared/store/authorization-event-store';
import { storeInterventions } from './interventions';

const STATE_BY_INFO_TYPE: Record<string, AuthorizerState | undefined> = {
  authorized: 'authorized',
  updateauthorized: 'authorized',
  unauthorized: 'unauthorized',
};

/**
 * AuthorizationEventStore in memory, with the real one's rules: an event (same authorizer, CreateTime, InfoType and
 * fields) or an unparsed text is kept once, and an authorizer's status only moves to a newer event.
 */
export class FakeAuthorizationEventStore implements AuthorizationEventStore {
  readonly faults = storeInterventions<keyof AuthorizationEventStore>('authorization event store');
  readonly events = new Map<string, AuthorizationEvent>();
  readonly unparsed = new Map<string, UnparsedPush>();
  readonly #authorizers = new Map<string, AuthorizerStatus>();

  constructor(private readonly options: { now: () => number }) {}

  async record(event: AuthorizationEvent): Promise<RecordEventOutcome> {
    await this.faults.enter('record');
    const fields = Object.entries(event.fields).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const key = JSON.stringify([event.authorizerAppid, event.createTime, event.infoType, fields]);
    const outcome = this.events.has(key) ? 'duplicate' : 'recorded';
    if (outcome === 'recorded') this.events.set(key, structuredClone(event));
    const state = STATE_BY_INFO_TYPE[event.infoType];
    return {
      event: outcome,
      authorizer: state && event.authorizerAppid ? this.#advance(event.authorizerAppid, event, state) : 'unaffected',
    };
  }

  async recordUnparsed(push: UnparsedPush): Promise<'recorded' | 'duplicate'> {
    await this.faults.enter('recordUnparsed');
    if (this.unparsed.has(push.plaintext)) return 'duplicate';
    this.unparsed.set(push.plaintext, { ...push });
    return 'recorded';
  }

  /** Items of this fake hold their payload in clear, under `payload`. */
  async openPayload(item: Record<string, unknown>): Promise<string> {
    await this.faults.enter('openPayload');
    return String(item.payload);
  }

  async getAuthorizer(authorizerAppid: string): Promise<AuthorizerStatus | null> {
    await this.faults.enter('getAuthorizer');
    const status = this.#authorizers.get(authorizerAppid);
    return status ? { ...status } : null;
  }

  #advance(authorizerAppid: string, event: AuthorizationEvent, state: AuthorizerState): 'updated' | 'not-newer' {
    const current = this.#authorizers.get(authorizerAppid);
    if (current && current.lastEventCreateTime >= event.createTime) return 'not-newer';
    this.#authorizers.set(authorizerAppid, {
      authorizerAppid,
      state,
      lastInfoType: event.infoType,
      lastEventCreateTime: event.createTime,
      updatedAtMs: this.options.now(),
    });
    return 'updated';
  }
}
