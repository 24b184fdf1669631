import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { sha256Hex } from '../crypto/digests';
import { type EnvelopeSealer, readSealedEnvelope } from './envelope-sealer';
import { isConditionalCheckFailed, storeUnavailable } from './store-errors';
import { eventsPk, SK, ttlAfterDays } from './table-keys';

/** An authorization-type push (anything but component_verify_ticket), as the receiver hands it over. */
export interface AuthorizationEvent {
  infoType: string;
  createTime: number;
  authorizerAppid: string | null;
  /** Every field of the decrypted message. It can carry an AuthorizationCode, so it is stored as JSON, envelope-sealed. */
  fields: Record<string, string>;
}

export interface RecordEventOutcome {
  event: 'recorded' | 'duplicate';
}

/** An authenticated push whose decrypted text we could not interpret, kept whole so nothing WeChat sent is lost. */
export interface UnparsedPush {
  /** The decrypted message, as received. */
  plaintext: string;
  /** Why it could not be read: a WechatMessageError code such as XML_MALFORMED or MISSING_FIELD. */
  reason: string;
}

// Every stored payload is sealed for this purpose: what reaches the authorization event URL, tickets excepted.
const PAYLOAD_PURPOSE = 'authorization_event';

// Events hold short-lived authorization codes; a month is ample for later processing and for an operator to look.
const EVENT_TTL_DAYS = 30;

/**
 * A short, stable digest of an event's fields, independent of their order, for the event's sort key. 64 bits of
 * sha256: collisions between events of one type and second are negligible, and the high-entropy AuthorizationCode
 * inside cannot be recovered from it.
 */
function payloadDigest(fields: Record<string, string>): string {
  const canonical = JSON.stringify(Object.entries(fields).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return sha256Hex(canonical).slice(0, 16);
}

/**
 * Records authorization events and unparsed pushes idempotently, each with its payload envelope-sealed (any size up to
 * the receiver's body cap): the record of what WeChat sent. Authorizer status lives in the authorizer store.
 */
export function createAuthorizationEventStore(input: {
  dynamo: DynamoDBDocumentClient;
  tableName: string;
  componentAppid: string;
  envelopes: EnvelopeSealer;
  now: () => number;
}) {
  const pk = eventsPk(input.componentAppid);

  /** Conditional put of a new item with its sealed payload: 'duplicate' when the key already holds one. */
  const putOnce = async (
    item: { sk: string; payload: string; payloadFormat: 'json' | 'xml' } & Record<string, unknown>,
    nowMs: number,
    what: string,
  ) => {
    const { payload, ...attributes } = item;
    const sealed = await input.envelopes.seal(PAYLOAD_PURPOSE, payload);
    try {
      await input.dynamo.send(
        new PutCommand({
          TableName: input.tableName,
          Item: { pk, ...attributes, receivedAtMs: nowMs, processed: false, payload: sealed, ttl: ttlAfterDays(nowMs, EVENT_TTL_DAYS) },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return 'recorded' as const;
    } catch (err) {
      if (isConditionalCheckFailed(err)) return 'duplicate' as const;
      throw storeUnavailable(`PutItem ${what}`, err);
    }
  };

  const putEvent = (event: AuthorizationEvent, nowMs: number) =>
    putOnce(
      {
        sk: SK.event(event.authorizerAppid, event.createTime, event.infoType, payloadDigest(event.fields)),
        infoType: event.infoType,
        createTime: event.createTime,
        authorizerAppid: event.authorizerAppid ?? undefined,
        payload: JSON.stringify(event.fields),
        payloadFormat: 'json',
      },
      nowMs,
      'authorization event',
    );

  return {
    /** Safe to call again for the same push: the write is conditional, a redelivery is a 'duplicate'. */
    async record(event: AuthorizationEvent): Promise<RecordEventOutcome> {
      return { event: await putEvent(event, input.now()) };
    },

    /** Keeps an authenticated push we could not interpret, once per distinct decrypted text; it changes no status. */
    async recordUnparsed(push: UnparsedPush): Promise<'recorded' | 'duplicate'> {
      const digest = sha256Hex(push.plaintext).slice(0, 32);
      return putOnce(
        { sk: SK.unparsed(digest), unparsed: true, reason: push.reason, payload: push.plaintext, payloadFormat: 'xml' },
        input.now(),
        'unparsed push',
      );
    },

    /**
     * The plaintext payload of a stored event (JSON of its fields) or unparsed push (the decrypted XML), for operators
     * and tests: KMS Decrypt of its data key, then AES-GCM.
     */
    async openPayload(item: Record<string, unknown>): Promise<string> {
      return input.envelopes.open(PAYLOAD_PURPOSE, readSealedEnvelope(item.payload, PAYLOAD_PURPOSE));
    },
  };
}

export type AuthorizationEventStore = ReturnType<typeof createAuthorizationEventStore>;
