import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../../shared/crypto/digests';
import { StoreError } from '../../../shared/store/store-errors';
import { SK, tokenPk } from '../../../shared/store/table-keys';
import { createTokenStore } from '../../../shared/store/token-store';
import { TABLE_NAME, useLocalTable } from './local-table';

const HOUR = 3_600_000;

describe('createTokenStore', () => {
  const ctx = useLocalTable();

  const newStore = () =>
    createTokenStore({
      dynamo: ctx.local.dynamo,
      tableName: TABLE_NAME,
      componentAppid: ctx.componentAppid,
      sealer: ctx.newSealer(),
    });
  const tokenWrite = (componentAccessToken: string, expectedVersion: number) => ({
    componentAccessToken,
    fetchedAtMs: ctx.clock.now(),
    expiresAtMs: ctx.clock.now() + 2 * HOUR,
    expectedVersion,
  });

  it('has no token before the first write', async () => {
    const store = newStore();

    const sealed = await store.loadSealed();

    expect(sealed).toBeNull();
  });

  it('writes version 1 when none is stored and returns its metadata', async () => {
    const store = newStore();

    const meta = await store.save(tokenWrite('CANARY-token-v1', 0));

    expect(meta).toEqual({
      version: 1,
      fetchedAtMs: ctx.clock.now(),
      expiresAtMs: ctx.clock.now() + 2 * HOUR,
      tokenSha256: sha256Hex('CANARY-token-v1'),
    });
  });

  it('loads the metadata without decrypting, and opens the token on request', async () => {
    const store = newStore();
    const meta = await store.save(tokenWrite('CANARY-token-v1', 0));
    ctx.local.aws.resetStats();

    const sealed = await store.loadSealed();
    const decryptsBeforeOpen = ctx.local.aws.stats().kms.Decrypt ?? 0;
    const token = await store.open(sealed!);

    expect(sealed?.meta).toEqual(meta);
    expect(decryptsBeforeOpen).toBe(0);
    expect(token).toBe('CANARY-token-v1');
  });

  it('moves from version 1 to 2 when the writer names version 1', async () => {
    const store = newStore();
    await store.save(tokenWrite('CANARY-token-v1', 0));
    ctx.clock.advance(HOUR);

    const meta = await store.save(tokenWrite('CANARY-token-v2', 1));

    expect(meta.version).toBe(2);
    const sealed = await store.loadSealed();
    expect(sealed?.meta).toEqual(meta);
    expect(await store.open(sealed!)).toBe('CANARY-token-v2');
  });

  it('throws VERSION_CONFLICT for a stale expectedVersion and keeps the newer token', async () => {
    const store = newStore();
    await store.save(tokenWrite('CANARY-token-v1', 0));
    const current = await store.save(tokenWrite('CANARY-token-v2', 1));

    const err = await store.save(tokenWrite('CANARY-token-late', 1)).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).code).toBe('VERSION_CONFLICT');
    expect((err as Error).message).not.toContain('CANARY');
    expect((await store.loadSealed())?.meta).toEqual(current);
  });

  it('throws VERSION_CONFLICT for expectedVersion 0 once a token exists', async () => {
    const store = newStore();
    await store.save(tokenWrite('CANARY-token-v1', 0));

    const err = await store.save(tokenWrite('CANARY-token-again', 0)).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).code).toBe('VERSION_CONFLICT');
  });

  it('throws VERSION_CONFLICT for an expectedVersion ahead of the stored one', async () => {
    const store = newStore();
    await store.save(tokenWrite('CANARY-token-v1', 0));

    const err = await store.save(tokenWrite('CANARY-token-v3', 2)).catch((e: unknown) => e);

    expect((err as StoreError).code).toBe('VERSION_CONFLICT');
  });

  it('lets exactly one of two writers naming the same version win', async () => {
    const store = newStore();
    await store.save(tokenWrite('CANARY-token-v1', 0));

    const results = await Promise.allSettled([store.save(tokenWrite('CANARY-token-a', 1)), store.save(tokenWrite('CANARY-token-b', 1))]);

    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.filter((r) => r.status === 'rejected');
    expect(rejected).toHaveLength(1);
    expect((rejected[0] as PromiseRejectedResult).reason).toMatchObject({ code: 'VERSION_CONFLICT' });
    expect((await store.loadSealed())?.meta.version).toBe(2);
  });

  it('stores the token only in encrypted form, in its own partition', async () => {
    const store = newStore();
    await store.save(tokenWrite('CANARY-token-v1', 0));

    const item = (
      await ctx.local.dynamo.send(new GetCommand({ TableName: TABLE_NAME, Key: { pk: tokenPk(ctx.componentAppid), sk: SK.token } }))
    ).Item!;

    expect(Object.keys(item).sort()).toEqual(['expiresAtMs', 'fetchedAtMs', 'pk', 'sk', 'tokenCiphertext', 'tokenSha256', 'version']);
    expect(JSON.stringify(item)).not.toContain('CANARY');
    expect(Buffer.from(item.tokenCiphertext as Uint8Array).toString('latin1')).not.toContain('CANARY');
  });
});
