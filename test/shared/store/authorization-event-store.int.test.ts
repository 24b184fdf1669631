import { createHash } from 'node:crypto';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { type AuthorizationEvent, createAuthorizationEventStore } from '../../../shared/store/authorization-event-store';
import { createEnvelopeSealer } from '../../../shared/store/envelope-sealer';
import { KMS_MAX_PLAINTEXT_BYTES } from '../../../shared/store/kms-sealer';
import { eventsPk } from '../../../shared/store/table-keys';
import { TABLE_NAME, useLocalTable } from './local-table';

const AUTHORIZER = 'wx00000000000000a1';
const CREATE_TIME = 1_795_000_000;

const authorizationEvent = (infoType: string, createTime: number, extra: Record<string, string> = {}): AuthorizationEvent => ({
  infoType,
  createTime,
  authorizerAppid: AUTHORIZER,
  fields: { InfoType: infoType, AuthorizerAppid: AUTHORIZER, AuthorizationCode: `queryauthcode@@@CANARY-${createTime}`, ...extra },
});

describe('createAuthorizationEventStore', () => {
  const ctx = useLocalTable();

  const newStore = () =>
    createAuthorizationEventStore({
      dynamo: ctx.local.dynamo,
      tableName: TABLE_NAME,
      componentAppid: ctx.componentAppid,
      envelopes: createEnvelopeSealer({ kms: ctx.local.kms, keyId: ctx.local.aws.kmsKeyId, componentAppid: ctx.componentAppid }),
      now: ctx.clock.now,
    });
  const itemsWithPrefix = async (prefix: string) =>
    (
      await ctx.local.dynamo.send(
        new QueryCommand({
          TableName: TABLE_NAME,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': eventsPk(ctx.componentAppid), ':prefix': prefix },
          ConsistentRead: true,
        }),
      )
    ).Items ?? [];
  const eventItems = () => itemsWithPrefix('EVENT#');

  it('records an authorization event (the authorizer store keeps status, after the exchange)', async () => {
    const store = newStore();

    const outcome = await store.record(authorizationEvent('authorized', CREATE_TIME));

    expect(outcome).toEqual({ event: 'recorded' });
    expect(await eventItems()).toHaveLength(1);
  });

  it('stores the payload only in sealed form (envelope encryption), openable as an authorization event', async () => {
    const store = newStore();
    const event = authorizationEvent('authorized', CREATE_TIME);
    await store.record(event);

    const [item] = await eventItems();

    expect(JSON.stringify(item)).not.toContain('CANARY');
    expect(item).toMatchObject({
      infoType: 'authorized',
      createTime: CREATE_TIME,
      authorizerAppid: AUTHORIZER,
      processed: false,
      receivedAtMs: ctx.clock.now(),
      payloadFormat: 'json',
    });
    expect(Object.keys(item!.payload as object).sort()).toEqual(['ciphertext', 'encryptedDataKey', 'iv', 'tag']);
    expect(JSON.parse(await store.openPayload(item!))).toEqual(event.fields);
  });

  it('records a redelivered event once and reports the duplicate', async () => {
    const store = newStore();
    const event = authorizationEvent('authorized', CREATE_TIME);
    await store.record(event);
    ctx.clock.advance(5_000);

    const outcome = await store.record(event);

    expect(outcome).toEqual({ event: 'duplicate' });
    expect(await eventItems()).toHaveLength(1);
    expect((await eventItems())[0]!.receivedAtMs).toBe(ctx.clock.now() - 5_000);
  });

  it('treats the same fields in another order as the same event', async () => {
    const store = newStore();
    const event = authorizationEvent('authorized', CREATE_TIME);
    await store.record(event);
    const reordered = { ...event, fields: Object.fromEntries(Object.entries(event.fields).reverse()) };

    const outcome = await store.record(reordered);

    expect(outcome.event).toBe('duplicate');
  });

  it('records two different events of one type and CreateTime apart', async () => {
    const store = newStore();
    const first = {
      ...authorizationEvent('notify_third_fasteregister', CREATE_TIME, { appid: 'wx00000000000000b1' }),
      authorizerAppid: null,
    };
    const second = {
      ...authorizationEvent('notify_third_fasteregister', CREATE_TIME, { appid: 'wx00000000000000b2' }),
      authorizerAppid: null,
    };
    await store.record(first);

    const outcome = await store.record(second);

    expect(outcome.event).toBe('recorded');
    expect(await eventItems()).toHaveLength(2);
  });

  it('seals a payload far over the 4 KiB of KMS Encrypt with one data key, and opens it whole', async () => {
    const store = newStore();
    const padding = '令'.repeat(3 * KMS_MAX_PLAINTEXT_BYTES);
    const event = authorizationEvent('authorized', CREATE_TIME, { Padding: padding });

    await store.record(event);

    const [item] = await eventItems();
    expect(item).not.toHaveProperty('payloadOmitted');
    expect(JSON.parse(await store.openPayload(item!))).toEqual(event.fields);
    expect(ctx.local.aws.stats().kms).toMatchObject({ GenerateDataKey: 1 });
    expect(ctx.local.aws.stats().kms.Encrypt ?? 0).toBe(0);
  });

  describe('unparsed pushes', () => {
    const PLAINTEXT = '<xml><AppId>wx</AppId><AppId>again</AppId><Code>CANARY-unparsed-code</Code></xml>';
    const unparsedSk = (plaintext: string) => `UNPARSED#${createHash('sha256').update(plaintext, 'utf8').digest('hex').slice(0, 32)}`;

    it('records a push it could not interpret under its plaintext digest, flagged with the reason and sealed', async () => {
      const store = newStore();

      const outcome = await store.recordUnparsed({ plaintext: PLAINTEXT, reason: 'XML_MALFORMED' });

      expect(outcome).toBe('recorded');
      const items = await itemsWithPrefix('UNPARSED#');
      expect(items).toHaveLength(1);
      expect(items[0]).toMatchObject({
        sk: unparsedSk(PLAINTEXT),
        unparsed: true,
        reason: 'XML_MALFORMED',
        receivedAtMs: ctx.clock.now(),
        processed: false,
        payloadFormat: 'xml',
        ttl: Math.floor(ctx.clock.now() / 1000) + 30 * 86_400,
      });
      expect(JSON.stringify(items[0])).not.toContain('CANARY');
      expect(await store.openPayload(items[0]!)).toBe(PLAINTEXT);
      expect(await eventItems()).toEqual([]);
    });

    it('records a redelivered unparsed push once and reports the duplicate', async () => {
      const store = newStore();
      await store.recordUnparsed({ plaintext: PLAINTEXT, reason: 'XML_MALFORMED' });
      ctx.clock.advance(5_000);

      const outcome = await store.recordUnparsed({ plaintext: PLAINTEXT, reason: 'XML_MALFORMED' });

      expect(outcome).toBe('duplicate');
      expect(await itemsWithPrefix('UNPARSED#')).toHaveLength(1);
    });

    it('records two different unparsed pushes apart', async () => {
      const store = newStore();
      await store.recordUnparsed({ plaintext: PLAINTEXT, reason: 'XML_MALFORMED' });

      const outcome = await store.recordUnparsed({ plaintext: `${PLAINTEXT} `, reason: 'XML_MALFORMED' });

      expect(outcome).toBe('recorded');
      expect(await itemsWithPrefix('UNPARSED#')).toHaveLength(2);
    });
  });
});
