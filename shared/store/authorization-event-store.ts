import { createHash } from 'node:crypto';
import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Sealer } from './kms-sealer';
import { KMS_MAX_PLAINTEXT_BYTES } from './kms-sealer';
import { authorizersPk, eventsPk, SK, ttlAfterDays } from './table-keys';
import { isConditionalCheckFailed, storeUnavailable } from './store-errors';

/** An authorization-type push (anything but component_verify_ticket), as the receiver hands it over. */
export interface AuthorizationEvent {
  infoType: string;
  createTime: number;
  authorizerAppid: string | null;
  /** Every field of the decrypted message. It can carry an AuthorizationCode, so it is stored sealed with KMS as JSON. */
  fields: Record<string, string>;
}

export type AuthorizerState = 'authorized' | 'unauthorized';

export interface AuthorizerStatus {
  authorizerAppid: string;
  state: AuthorizerState;
  lastInfoType: string;
  lastEventCreateTime: number;
  updatedAtMs: number;
}

export interface RecordEventOutcome {
  event: 'recorded' | 'duplicate';
  /** Whether the authorizer's status item moved forward, stayed (an older or equal event), or is not affected. */
  authorizer: 'updated' | 'not-newer' | 'unaffected';
  payload: 'sealed' | 'omitted-too-large';
}

// Events hold short-lived authorization codes; a month is ample for later processing and for an operator to look.
const EVENT_TTL_DAYS = 30;

const STATE_BY_INFO_TYPE: Record<string, AuthorizerState | undefined> = {
  authorized: 'authorized',
  updateauthorized: 'authorized',
  unauthorized: 'unauthorized',
};

/**
 * A short, stable digest of an event's fields, independent of their order, for the event's sort key. 64 bits of
 * sha256: collisions between events of one type and second are negligible, and the high-entropy AuthorizationCode
 * inside cannot be recovered from it.
 */
function payloadDigest(fields: Record<string, string>): string {
  const canonical = JSON.stringify(Object.entries(fields).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return createHash('sha256').update(canonical, 'utf8').digest('hex').slice(0, 16);
}

/** Records authorization events idempotently and keeps one status item per authorizer that never goes backwards. */
export function createAuthorizationEventStore(input: {
  dynamo: DynamoDBDocumentClient;
  tableName: string;
  componentAppid: string;
  sealer: Sealer;
  now: () => number;
}) {
  const pk = eventsPk(input.componentAppid);
  const statusPk = authorizersPk(input.componentAppid);

  const putEvent = async (event: AuthorizationEvent, nowMs: number) => {
    const payload = JSON.stringify(event.fields);
    const tooLarge = Buffer.byteLength(payload, 'utf8') > KMS_MAX_PLAINTEXT_BYTES;
    const payloadCiphertext = tooLarge ? undefined : await input.sealer.seal('authorization_event', payload);
    try {
      await input.dynamo.send(
        new PutCommand({
          TableName: input.tableName,
          Item: {
            pk,
            sk: SK.event(event.authorizerAppid, event.createTime, event.infoType, payloadDigest(event.fields)),
            infoType: event.infoType,
            createTime: event.createTime,
            authorizerAppid: event.authorizerAppid ?? undefined,
            receivedAtMs: nowMs,
            processed: false,
            ...(payloadCiphertext ? { payloadCiphertext } : { payloadOmitted: 'too-large' }),
            ttl: ttlAfterDays(nowMs, EVENT_TTL_DAYS),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return { event: 'recorded' as const, payload: tooLarge ? ('omitted-too-large' as const) : ('sealed' as const) };
    } catch (err) {
      if (isConditionalCheckFailed(err)) return { event: 'duplicate' as const, payload: tooLarge ? ('omitted-too-large' as const) : ('sealed' as const) };
      throw storeUnavailable('PutItem authorization event', err);
    }
  };

  const advanceAuthorizer = async (event: AuthorizationEvent, state: AuthorizerState, nowMs: number) => {
    try {
      await input.dynamo.send(
        new UpdateCommand({
          TableName: input.tableName,
          Key: { pk: statusPk, sk: SK.authorizer(event.authorizerAppid ?? '') },
          UpdateExpression:
            'SET authorizerAppid = :appid, #state = :state, lastInfoType = :type, lastEventCreateTime = :ct, updatedAtMs = :now',
          ConditionExpression: 'attribute_not_exists(pk) OR lastEventCreateTime < :ct',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: {
            ':appid': event.authorizerAppid,
            ':state': state,
            ':type': event.infoType,
            ':ct': event.createTime,
            ':now': nowMs,
          },
        }),
      );
      return 'updated' as const;
    } catch (err) {
      if (isConditionalCheckFailed(err)) return 'not-newer' as const;
      throw storeUnavailable('UpdateItem authorizer status', err);
    }
  };

  return {
    /**
     * Safe to call again for the same push: the event write is conditional and the status update is newer-only,
     * so a retry after a partial failure completes what is missing and changes nothing else.
     */
    async record(event: AuthorizationEvent): Promise<RecordEventOutcome> {
      const nowMs = input.now();
      const { event: eventOutcome, payload } = await putEvent(event, nowMs);
      const state = STATE_BY_INFO_TYPE[event.infoType];
      const authorizer = state && event.authorizerAppid ? await advanceAuthorizer(event, state, nowMs) : 'unaffected';
      return { event: eventOutcome, authorizer, payload };
    },

    /** The authorizer's latest known state, or null if no event about it was ever received. */
    async getAuthorizer(authorizerAppid: string): Promise<AuthorizerStatus | null> {
      try {
        const item = (
          await input.dynamo.send(
            new GetCommand({ TableName: input.tableName, Key: { pk: statusPk, sk: SK.authorizer(authorizerAppid) }, ConsistentRead: true }),
          )
        ).Item;
        if (!item) return null;
        return {
          authorizerAppid,
          state: item.state as AuthorizerState,
          lastInfoType: String(item.lastInfoType),
          lastEventCreateTime: Number(item.lastEventCreateTime),
          updatedAtMs: Number(item.updatedAtMs),
        };
      } catch (err) {
        throw storeUnavailable('GetItem authorizer status', err);
      }
    },
  };
}

export type AuthorizationEventStore = ReturnType<typeof createAuthorizationEventStore>;
