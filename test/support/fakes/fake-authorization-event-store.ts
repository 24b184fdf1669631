import type {
  AuthorizationEvent,
  AuthorizationEventStore,
  RecordEventOutcome,
  UnparsedPush,
} from '../../../shared/store/authorization-event-store';
import { storeInterventions } from './interventions';

/**
 * AuthorizationEventStore in memory, with the real one's rules: an event (same authorizer, CreateTime, InfoType and
 * fields) or an unparsed text is kept once. (An authorizer's status is the authorizer store's, not this log's.)
 */
export class FakeAuthorizationEventStore implements AuthorizationEventStore {
  readonly faults = storeInterventions<keyof AuthorizationEventStore>('authorization event store');
  readonly events = new Map<string, AuthorizationEvent>();
  readonly unparsed = new Map<string, UnparsedPush>();

  async record(event: AuthorizationEvent): Promise<RecordEventOutcome> {
    await this.faults.enter('record');
    const fields = Object.entries(event.fields).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const key = JSON.stringify([event.authorizerAppid, event.createTime, event.infoType, fields]);
    const outcome = this.events.has(key) ? 'duplicate' : 'recorded';
    if (outcome === 'recorded') this.events.set(key, structuredClone(event));
    return { event: outcome };
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
}
