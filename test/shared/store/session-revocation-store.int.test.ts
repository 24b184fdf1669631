import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { createSessionRevocationStore } from '../../../shared/store/session-revocation-store';
import { revokedSessionPk } from '../../../shared/store/table-keys';
import { newComponentAppid, storeErrorOf, TABLE_NAME, useLocalTable } from './local-table';

const JTI = 'Jti0123456789abcdefghijklmnopqrs';

describe('createSessionRevocationStore', () => {
  const ctx = useLocalTable();

  const newStore = (tableName = TABLE_NAME) =>
    createSessionRevocationStore({ dynamo: ctx.local.dynamo, tableName, componentAppid: ctx.componentAppid, now: ctx.clock.now });

  it('knows a revoked jti, and no other', async () => {
    const store = newStore();

    await store.revoke(JTI, ctx.clock.now() + 3_600_000);

    expect(await store.isRevoked(JTI)).toBe(true);
    expect(await store.isRevoked(`${JTI.slice(0, -1)}X`)).toBe(false);
  });

  it('keeps the revocation in SESSION_REVOKED#{componentAppid}#{jti} with ttl at the token’s expiry', async () => {
    const store = newStore();
    const expiresAtMs = ctx.clock.now() + 3_600_000;

    await store.revoke(JTI, expiresAtMs);

    const item = (
      await ctx.local.dynamo.send(
        new GetCommand({ TableName: TABLE_NAME, Key: { pk: `SESSION_REVOKED#${ctx.componentAppid}#${JTI}`, sk: 'REVOKED' } }),
      )
    ).Item;
    expect(revokedSessionPk(ctx.componentAppid, JTI)).toBe(`SESSION_REVOKED#${ctx.componentAppid}#${JTI}`);
    expect(item).toEqual({
      pk: revokedSessionPk(ctx.componentAppid, JTI),
      sk: 'REVOKED',
      revokedAtMs: ctx.clock.now(),
      ttl: expiresAtMs / 1000,
    });
  });

  it('is idempotent: a second logout of the same session changes nothing that matters', async () => {
    const store = newStore();

    await store.revoke(JTI, ctx.clock.now() + 1_000);
    await store.revoke(JTI, ctx.clock.now() + 1_000);

    expect(await store.isRevoked(JTI)).toBe(true);
  });

  it('does not see the revocations of another component', async () => {
    await newStore().revoke(JTI, ctx.clock.now() + 1_000);

    ctx.componentAppid = newComponentAppid();

    expect(await newStore().isRevoked(JTI)).toBe(false);
  });

  it('throws StoreError UNAVAILABLE, not the SDK error, when DynamoDB fails', async () => {
    const store = newStore('no-such-table');

    const errors = await Promise.all([store.revoke(JTI, 1), store.isRevoked(JTI)].map(storeErrorOf));

    expect(errors.map((error) => error.code)).toEqual(errors.map(() => 'UNAVAILABLE'));
  });
});
