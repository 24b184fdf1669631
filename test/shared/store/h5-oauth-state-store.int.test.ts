import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { createH5OAuthStateStore, type H5OAuthState } from '../../../shared/store/h5-oauth-state-store';
import { StoreError } from '../../../shared/store/store-errors';
import { h5OAuthStatePk } from '../../../shared/store/table-keys';
import { newComponentAppid, storeErrorOf, TABLE_NAME, useLocalTable } from './local-table';

const TTL_MS = 600_000;
const KEEP_AFTER_EXPIRY_MS = 300_000;

describe('createH5OAuthStateStore', () => {
  const ctx = useLocalTable();
  let serial = 0;

  const newStore = (tableName = TABLE_NAME) =>
    createH5OAuthStateStore({ dynamo: ctx.local.dynamo, tableName, componentAppid: ctx.componentAppid, now: ctx.clock.now });
  const newState = (overrides: Partial<H5OAuthState> = {}): Omit<H5OAuthState, 'consumedAtMs' | 'codeSha256' | 'outcome'> => ({
    state: `State${String(++serial).padStart(27, '0')}`,
    authorizerAppid: 'wx1111111111111111',
    scope: 'snsapi_base',
    returnTo: 'https://h5.example.com/app/',
    bindingSha256: 'a'.repeat(64),
    codeChallenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    createdAtMs: ctx.clock.now(),
    expiresAtMs: ctx.clock.now() + TTL_MS,
    ...overrides,
  });
  const rawItem = async (state: string) =>
    (
      await ctx.local.dynamo.send(
        new GetCommand({
          TableName: TABLE_NAME,
          Key: { pk: h5OAuthStatePk(ctx.componentAppid, state), sk: 'STATE' },
          ConsistentRead: true,
        }),
      )
    ).Item;

  it('reads back a created state as it was written', async () => {
    const store = newStore();
    const state = newState({ scope: 'snsapi_userinfo', bindingSha256: null });

    await store.create(state, KEEP_AFTER_EXPIRY_MS);

    expect(await store.get(state.state)).toEqual(state);
  });

  it('keeps the item for cleanup until the replay window after expiry has passed', async () => {
    const store = newStore();
    const state = newState();

    await store.create(state, KEEP_AFTER_EXPIRY_MS);

    expect((await rawItem(state.state))!.ttl).toBe(Math.ceil((state.expiresAtMs + KEEP_AFTER_EXPIRY_MS) / 1000));
  });

  it('answers null for a state it never stored', async () => {
    expect(await newStore().get('NoSuchState0000000000000000000000')).toBeNull();
  });

  it('keeps the states of different components apart', async () => {
    const state = newState();
    await newStore().create(state, KEEP_AFTER_EXPIRY_MS);

    ctx.componentAppid = newComponentAppid();

    expect(await newStore().get(state.state)).toBeNull();
  });

  it('throws StoreError UNAVAILABLE when a state is created twice, leaving the first one as it was', async () => {
    const store = newStore();
    const state = newState();
    await store.create(state, KEEP_AFTER_EXPIRY_MS);

    const error = await store.create({ ...state, returnTo: 'https://evil.example/' }, KEEP_AFTER_EXPIRY_MS).catch((err: unknown) => err);

    expect(error).toBeInstanceOf(StoreError);
    expect(error).toMatchObject({ code: 'UNAVAILABLE' });
    expect((await store.get(state.state))!.returnTo).toBe(state.returnTo);
  });

  it('consumes a state once, recording when and the hash of the code', async () => {
    const store = newStore();
    const state = newState();
    await store.create(state, KEEP_AFTER_EXPIRY_MS);
    ctx.clock.advance(5_000);

    const first = await store.consume(state.state, 'c'.repeat(64));
    const second = await store.consume(state.state, 'c'.repeat(64));

    expect([first, second]).toEqual(['consumed', 'already-consumed']);
    expect(await store.get(state.state)).toEqual({ ...state, consumedAtMs: ctx.clock.now(), codeSha256: 'c'.repeat(64) });
  });

  it('consumes a refused sign-in (no code) without a code hash', async () => {
    const store = newStore();
    const state = newState();
    await store.create(state, KEEP_AFTER_EXPIRY_MS);

    const result = await store.consume(state.state, null);

    expect(result).toBe('consumed');
    expect(await store.get(state.state)).not.toHaveProperty('codeSha256');
  });

  it('lets exactly one of twenty concurrent consumers win', async () => {
    const store = newStore();
    const state = newState();
    await store.create(state, KEEP_AFTER_EXPIRY_MS);

    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => store.consume(state.state, String(i).padStart(64, '0'))));

    expect(results.filter((result) => result === 'consumed')).toHaveLength(1);
    expect(results.filter((result) => result === 'already-consumed')).toHaveLength(19);
  });

  it('refuses to consume a state at or after its expiry, and leaves it unconsumed', async () => {
    const store = newStore();
    const state = newState();
    await store.create(state, KEEP_AFTER_EXPIRY_MS);
    ctx.clock.advance(TTL_MS);

    const result = await store.consume(state.state, 'c'.repeat(64));

    expect(result).toBe('expired');
    expect(await store.get(state.state)).not.toHaveProperty('consumedAtMs');
  });

  it('consumes a state one millisecond before its expiry', async () => {
    const store = newStore();
    const state = newState();
    await store.create(state, KEEP_AFTER_EXPIRY_MS);
    ctx.clock.advance(TTL_MS - 1);

    expect(await store.consume(state.state, null)).toBe('consumed');
  });

  it('does not create a state by consuming one it never stored', async () => {
    const store = newStore();

    const result = await store.consume('NoSuchState0000000000000000000000', null);

    expect(result).toBe('expired');
    expect(await store.get('NoSuchState0000000000000000000000')).toBeNull();
  });

  it('records the outcome of a consumed state', async () => {
    const store = newStore();
    const state = newState();
    await store.create(state, KEEP_AFTER_EXPIRY_MS);
    await store.consume(state.state, 'c'.repeat(64));

    await store.complete(state.state, { kind: 'signed-in', openid: 'o-user', unionid: 'u-user' });

    expect((await store.get(state.state))!.outcome).toEqual({ kind: 'signed-in', openid: 'o-user', unionid: 'u-user' });
  });

  it('throws StoreError UNAVAILABLE, not the SDK error, when DynamoDB fails', async () => {
    const store = newStore('no-such-table');

    const errors = await Promise.all(
      [
        store.get('AnyState'),
        store.create(newState(), KEEP_AFTER_EXPIRY_MS),
        store.consume('AnyState', null),
        store.complete('AnyState', { kind: 'refused' }),
      ].map(storeErrorOf),
    );

    expect(errors.map((error) => error.code)).toEqual(errors.map(() => 'UNAVAILABLE'));
  });
});
