import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { createAuthorizationEventStore, type AuthorizationEvent } from '../../../shared/store/authorization-event-store';
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

  const newStore = () => createAuthorizationEventStore({ dynamo: ctx.local.dynamo, tableName: TABLE_NAME, componentAppid: ctx.componentAppid, sealer: ctx.newSealer(), now: ctx.clock.now });
  const eventItems = async () =>
    (
      await ctx.local.dynamo.send(
        new QueryCommand({
          TableName: TABLE_NAME,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :event)',
          ExpressionAttributeValues: { ':pk': eventsPk(ctx.componentAppid), ':event': 'EVENT#' },
          ConsistentRead: true,
        }),
      )
    ).Items ?? [];

  it('records an authorization, seals its payload and marks the authorizer authorized', async () => {
    const store = newStore();

    const outcome = await store.record(authorizationEvent('authorized', CREATE_TIME));

    expect(outcome).toEqual({ event: 'recorded', authorizer: 'updated', payload: 'sealed' });
    expect(await store.getAuthorizer(AUTHORIZER)).toEqual({
      authorizerAppid: AUTHORIZER,
      state: 'authorized',
      lastInfoType: 'authorized',
      lastEventCreateTime: CREATE_TIME,
      updatedAtMs: ctx.clock.now(),
    });
  });

  it('stores the payload only in sealed form, openable as an authorization event', async () => {
    const event = authorizationEvent('authorized', CREATE_TIME);
    await newStore().record(event);

    const [item] = await eventItems();

    expect(JSON.stringify(item)).not.toContain('CANARY');
    expect(item).toMatchObject({ infoType: 'authorized', createTime: CREATE_TIME, authorizerAppid: AUTHORIZER, processed: false, receivedAtMs: ctx.clock.now() });
    const opened = await ctx.newSealer().open('authorization_event', item!.payloadCiphertext as Uint8Array);
    expect(JSON.parse(opened)).toEqual(event.fields);
  });

  it('records a redelivered event once and reports the duplicate', async () => {
    const store = newStore();
    const event = authorizationEvent('authorized', CREATE_TIME);
    await store.record(event);
    ctx.clock.advance(5_000);

    const outcome = await store.record(event);

    expect(outcome).toEqual({ event: 'duplicate', authorizer: 'not-newer', payload: 'sealed' });
    expect(await eventItems()).toHaveLength(1);
    expect((await store.getAuthorizer(AUTHORIZER))?.updatedAtMs).toBe(ctx.clock.now() - 5_000);
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
    const first = { ...authorizationEvent('notify_third_fasteregister', CREATE_TIME, { appid: 'wx00000000000000b1' }), authorizerAppid: null };
    const second = { ...authorizationEvent('notify_third_fasteregister', CREATE_TIME, { appid: 'wx00000000000000b2' }), authorizerAppid: null };
    await store.record(first);

    const outcome = await store.record(second);

    expect(outcome.event).toBe('recorded');
    expect(await eventItems()).toHaveLength(2);
  });

  it('moves the authorizer forward on a newer event', async () => {
    const store = newStore();
    await store.record(authorizationEvent('authorized', CREATE_TIME));

    const outcome = await store.record(authorizationEvent('unauthorized', CREATE_TIME + 60));

    expect(outcome.authorizer).toBe('updated');
    expect(await store.getAuthorizer(AUTHORIZER)).toMatchObject({ state: 'unauthorized', lastInfoType: 'unauthorized', lastEventCreateTime: CREATE_TIME + 60 });
  });

  it('records an older event but never moves the authorizer back to it', async () => {
    const store = newStore();
    await store.record(authorizationEvent('unauthorized', CREATE_TIME + 60));

    const outcome = await store.record(authorizationEvent('authorized', CREATE_TIME));

    expect(outcome).toEqual({ event: 'recorded', authorizer: 'not-newer', payload: 'sealed' });
    expect(await store.getAuthorizer(AUTHORIZER)).toMatchObject({ state: 'unauthorized', lastEventCreateTime: CREATE_TIME + 60 });
  });

  it('does not move the authorizer on another event of the same CreateTime', async () => {
    const store = newStore();
    await store.record(authorizationEvent('authorized', CREATE_TIME));

    const outcome = await store.record(authorizationEvent('unauthorized', CREATE_TIME));

    expect(outcome).toEqual({ event: 'recorded', authorizer: 'not-newer', payload: 'sealed' });
    expect((await store.getAuthorizer(AUTHORIZER))?.state).toBe('authorized');
  });

  it('counts updateauthorized as authorized', async () => {
    const store = newStore();
    await store.record(authorizationEvent('unauthorized', CREATE_TIME));

    await store.record(authorizationEvent('updateauthorized', CREATE_TIME + 1));

    expect(await store.getAuthorizer(AUTHORIZER)).toMatchObject({ state: 'authorized', lastInfoType: 'updateauthorized' });
  });

  it('leaves authorizers alone for events that are not about authorization', async () => {
    const store = newStore();

    const outcome = await store.record(authorizationEvent('notify_third_fasteregister', CREATE_TIME));

    expect(outcome).toEqual({ event: 'recorded', authorizer: 'unaffected', payload: 'sealed' });
    expect(await store.getAuthorizer(AUTHORIZER)).toBeNull();
  });

  it('leaves authorizers alone for events that name no authorizer', async () => {
    const store = newStore();

    const outcome = await store.record({ ...authorizationEvent('authorized', CREATE_TIME), authorizerAppid: null });

    expect(outcome).toEqual({ event: 'recorded', authorizer: 'unaffected', payload: 'sealed' });
    expect(await store.getAuthorizer('')).toBeNull();
  });

  it('answers null for an authorizer it never heard of', async () => {
    const store = newStore();

    const status = await store.getAuthorizer('wx00000000000000ff');

    expect(status).toBeNull();
  });

  it('seals a payload of exactly the KMS limit', async () => {
    const store = newStore();
    const base = JSON.stringify(authorizationEvent('authorized', CREATE_TIME, { Padding: '' }).fields);
    const padding = 'p'.repeat(KMS_MAX_PLAINTEXT_BYTES - Buffer.byteLength(base));

    const outcome = await store.record(authorizationEvent('authorized', CREATE_TIME, { Padding: padding }));

    expect(outcome.payload).toBe('sealed');
  });

  it('records a payload over 4096 bytes without it, and without calling KMS', async () => {
    const store = newStore();
    const base = JSON.stringify(authorizationEvent('authorized', CREATE_TIME, { Padding: '' }).fields);
    const padding = 'p'.repeat(KMS_MAX_PLAINTEXT_BYTES - Buffer.byteLength(base) + 1);

    const outcome = await store.record(authorizationEvent('authorized', CREATE_TIME, { Padding: padding }));

    expect(outcome).toEqual({ event: 'recorded', authorizer: 'updated', payload: 'omitted-too-large' });
    const [item] = await eventItems();
    expect(item).toMatchObject({ payloadOmitted: 'too-large' });
    expect(item).not.toHaveProperty('payloadCiphertext');
    expect(JSON.stringify(item)).not.toContain('CANARY');
    expect(ctx.local.aws.stats().kms.Encrypt ?? 0).toBe(0);
  });

  it('measures the payload limit in UTF-8 bytes, not characters', async () => {
    const store = newStore();
    const base = JSON.stringify(authorizationEvent('authorized', CREATE_TIME, { Padding: '' }).fields);
    // Three bytes per character: under the limit in characters, over it in bytes.
    const padding = '令'.repeat(Math.ceil((KMS_MAX_PLAINTEXT_BYTES - Buffer.byteLength(base)) / 2));

    const outcome = await store.record(authorizationEvent('authorized', CREATE_TIME, { Padding: padding }));

    expect(base.length + padding.length).toBeLessThanOrEqual(KMS_MAX_PLAINTEXT_BYTES);
    expect(outcome.payload).toBe('omitted-too-large');
  });
});
