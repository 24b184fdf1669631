import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../../shared/crypto/digests';
import { createLoginCodeStore } from '../../../shared/store/login-code-store';
import { loginCodePk } from '../../../shared/store/table-keys';
import { newComponentAppid, storeErrorOf, TABLE_NAME, useLocalTable } from './local-table';

const TTL_MS = 120_000;
const GRANT = {
  authorizerAppid: 'wx1111111111111111',
  openid: 'o-user-1',
  unionid: 'u-user-1',
  codeChallenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
};

describe('createLoginCodeStore', () => {
  const ctx = useLocalTable();

  const newStore = (tableName = TABLE_NAME) =>
    createLoginCodeStore({ dynamo: ctx.local.dynamo, tableName, componentAppid: ctx.componentAppid, now: ctx.clock.now, ttlMs: TTL_MS });
  const itemFor = async (code: string) =>
    (
      await ctx.local.dynamo.send(
        new QueryCommand({
          TableName: TABLE_NAME,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': loginCodePk(ctx.componentAppid, sha256Hex(code)) },
          ConsistentRead: true,
        }),
      )
    ).Items?.[0];

  it('issues distinct 32-character alphanumeric codes', async () => {
    const store = newStore();

    const codes = await Promise.all(Array.from({ length: 20 }, () => store.issue(GRANT)));

    for (const code of codes) expect(code).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(new Set(codes).size).toBe(20);
  });

  it('stores only the hash of a code: the table never holds a redeemable one', async () => {
    const store = newStore();

    const code = await store.issue(GRANT);

    const item = await itemFor(code);
    expect(item).toMatchObject({ ...GRANT, expiresAtMs: ctx.clock.now() + TTL_MS });
    expect(JSON.stringify(item)).not.toContain(code);
  });

  it('redeems a code for its grant, once', async () => {
    const store = newStore();
    const code = await store.issue(GRANT);

    const first = await store.redeem(code);
    const second = await store.redeem(code);

    expect(first).toEqual(GRANT);
    expect(second).toBeNull();
    expect(await itemFor(code)).toBeUndefined();
  });

  it('redeems a grant without unionid without inventing one', async () => {
    const store = newStore();
    const { unionid: _unionid, ...withoutUnionid } = GRANT;
    const code = await store.issue(withoutUnionid);

    expect(await store.redeem(code)).toEqual(withoutUnionid);
  });

  it('keeps the PKCE challenge with the code and hands it back on redemption, so the verifier can be checked', async () => {
    const store = newStore();

    const code = await store.issue(GRANT);

    expect(await itemFor(code)).toMatchObject({ codeChallenge: GRANT.codeChallenge });
    expect((await store.redeem(code))?.codeChallenge).toBe(GRANT.codeChallenge);
  });

  it('lets exactly one of ten concurrent redemptions have the grant', async () => {
    const store = newStore();
    const code = await store.issue(GRANT);

    const results = await Promise.all(Array.from({ length: 10 }, () => store.redeem(code)));

    expect(results.filter((result) => result !== null)).toEqual([GRANT]);
  });

  it('redeems a code one millisecond before it expires', async () => {
    const store = newStore();
    const code = await store.issue(GRANT);
    ctx.clock.advance(TTL_MS - 1);

    expect(await store.redeem(code)).toEqual(GRANT);
  });

  it('refuses a code at its expiry, even though DynamoDB TTL has not removed it yet', async () => {
    const store = newStore();
    const code = await store.issue(GRANT);
    ctx.clock.advance(TTL_MS);

    const result = await store.redeem(code);

    expect(result).toBeNull();
    expect(await itemFor(code)).toBeDefined();
  });

  it('refuses a code it never issued, and a code of another component', async () => {
    const code = await newStore().issue(GRANT);

    const unknown = await newStore().redeem('A'.repeat(32));
    ctx.componentAppid = newComponentAppid();
    const foreign = await newStore().redeem(code);

    expect([unknown, foreign]).toEqual([null, null]);
  });

  it('keeps the item a while after expiry for cleanup only', async () => {
    const store = newStore();

    const code = await store.issue(GRANT);

    expect((await itemFor(code))!.ttl).toBe(Math.ceil((ctx.clock.now() + TTL_MS) / 1000) + 3600);
  });

  it('throws StoreError UNAVAILABLE, not the SDK error, when DynamoDB fails', async () => {
    const store = newStore('no-such-table');

    const errors = await Promise.all([store.issue(GRANT), store.redeem('A'.repeat(32))].map(storeErrorOf));

    expect(errors.map((error) => error.code)).toEqual(errors.map(() => 'UNAVAILABLE'));
  });
});
