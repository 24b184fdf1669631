import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { partitionKey } from '../../../shared/contract';
import { sha256Hex } from '../../../shared/crypto/digests';
import { createAuthorizerStore } from '../../../shared/store/authorizer-store';
import { createDueWork } from '../../../shared/store/due-work';
import { createEnvelopeSealer } from '../../../shared/store/envelope-sealer';
import { StoreError } from '../../../shared/store/store-errors';
import { catchAsyncError } from '../../support/catch-error';
import { TABLE_NAME, useLocalTable } from './local-table';

const A = 'wxaaaaaaaaaaaaaaa1';
const B = 'wxaaaaaaaaaaaaaaa2';
const EVENT = 1_795_000_000;
const MARGIN_MS = 900_000;
const LEASE_MS = 60_000;
const REFRESH = 'refreshtoken@@@CANARY-refresh-one';
const ACCESS = 'CANARY-access-token-one';

describe('createAuthorizerStore', () => {
  const ctx = useLocalTable();

  const newStore = () =>
    createAuthorizerStore({
      dynamo: ctx.local.dynamo,
      tableName: TABLE_NAME,
      componentAppid: ctx.componentAppid,
      envelopes: createEnvelopeSealer({
        kms: ctx.local.kms,
        keyId: ctx.local.aws.kmsKeyId,
        componentAppid: ctx.componentAppid,
        dataKeyCache: { maxAgeMs: 300_000, maxUses: 1000, now: ctx.clock.now },
      }),
      now: ctx.clock.now,
      refreshMarginMs: MARGIN_MS,
      leaseMs: LEASE_MS,
    });
  const rawItem = async (appid: string) =>
    (
      await ctx.local.dynamo.send(
        new GetCommand({
          TableName: TABLE_NAME,
          Key: { pk: partitionKey('authorizers', ctx.componentAppid, appid), sk: 'AUTHORIZER' },
          ConsistentRead: true,
        }),
      )
    ).Item;
  const authorize = (
    store: ReturnType<typeof newStore>,
    overrides: Partial<Parameters<ReturnType<typeof newStore>['applyAuthorization']>[0]> = {},
  ) =>
    store.applyAuthorization({
      authorizerAppid: A,
      eventCreateTime: EVENT,
      refreshToken: REFRESH,
      accessToken: { token: ACCESS, expiresInSec: 7200, fetchedAtMs: ctx.clock.now() },
      funcInfo: [1, 15],
      ...overrides,
    });
  const dueWork = () => createDueWork({ dynamo: ctx.local.dynamo, tableName: TABLE_NAME, componentAppid: ctx.componentAppid });

  describe('applyAuthorization', () => {
    it('stores an authorized authorizer with both tokens sealed, due a margin before its token expires', async () => {
      const store = newStore();

      expect(await authorize(store)).toBe('applied');

      const stored = (await store.get(A))!;
      expect(stored).toMatchObject({ authorizerAppid: A, status: 'authorized', lastEventCreateTime: EVENT, version: 1, funcInfo: [1, 15] });
      expect(stored.dueAtMs).toBe(ctx.clock.now() + 7_200_000 - MARGIN_MS);
      expect(await store.openRefreshToken(A, stored.refreshToken!)).toBe(REFRESH);
      expect(await store.openAccessToken(A, stored.accessToken!)).toBe(ACCESS);
      expect(JSON.stringify(await rawItem(A))).not.toContain('CANARY');
    });

    it('throws INVALID_VALUE for an empty or blank refresh token and writes nothing', async () => {
      const store = newStore();

      for (const refreshToken of ['', '   ']) {
        const err = await catchAsyncError(() => authorize(store, { refreshToken }));

        expect(err).toBeInstanceOf(StoreError);
        expect((err as StoreError).code).toBe('INVALID_VALUE');
      }
      expect(await rawItem(A)).toBeUndefined();
    });

    it('keeps the refresh token it replaces as the previous one, sealed', async () => {
      const store = newStore();
      await authorize(store);

      await authorize(store, { eventCreateTime: EVENT + 10, refreshToken: 'refreshtoken@@@CANARY-refresh-two' });

      const stored = (await store.get(A))!;
      expect(await store.openRefreshToken(A, stored.refreshToken!)).toBe('refreshtoken@@@CANARY-refresh-two');
      expect(await store.openRefreshToken(A, stored.previousRefreshToken!)).toBe(REFRESH);
    });

    it('leaves the refresh tokens alone when the same one comes again', async () => {
      const store = newStore();
      await authorize(store);

      await authorize(store, { eventCreateTime: EVENT + 10 });

      expect((await store.get(A))!.previousRefreshToken).toBeUndefined();
    });

    it('without an access token makes the authorizer due at once', async () => {
      const store = newStore();

      await store.applyAuthorization({ authorizerAppid: A, eventCreateTime: EVENT, refreshToken: REFRESH, funcInfo: [] });

      expect((await store.get(A))!.dueAtMs).toBe(ctx.clock.now());
      expect((await dueWork().page({ nowMs: ctx.clock.now() })).work).toEqual([
        { kind: 'refresh', authorizerAppid: A, dueAtMs: ctx.clock.now() },
      ]);
    });

    it('loses to a newer event already applied, changing nothing', async () => {
      const store = newStore();
      await store.revoke({ authorizerAppid: A, eventCreateTime: EVENT + 60 });

      expect(await authorize(store)).toBe('not-newer');
      expect((await store.get(A))!.status).toBe('revoked');
    });
  });

  describe('revoke', () => {
    it('makes the token unreadable and stops refreshes, keeping the refresh tokens sealed', async () => {
      const store = newStore();
      await authorize(store);

      expect(await store.revoke({ authorizerAppid: A, eventCreateTime: EVENT + 60 })).toBe('revoked');

      const stored = (await store.get(A))!;
      expect(stored.status).toBe('revoked');
      expect(stored.accessToken).toBeUndefined();
      expect(stored.dueAtMs).toBeUndefined();
      expect(stored.refreshToken).toBeDefined();
      expect(await store.getReaderView(A)).toEqual({ status: 'revoked', version: 1 });
      expect((await dueWork().page({ nowMs: ctx.clock.now() + 86_400_000 })).work).toEqual([]);
    });

    it('loses to a newer authorization, and a re-authorization after it wins', async () => {
      const store = newStore();
      await authorize(store, { eventCreateTime: EVENT + 60 });

      expect(await store.revoke({ authorizerAppid: A, eventCreateTime: EVENT })).toBe('not-newer');
      expect((await store.get(A))!.status).toBe('authorized');
      expect(await store.revoke({ authorizerAppid: A, eventCreateTime: EVENT + 120 })).toBe('revoked');
      expect(await authorize(store, { eventCreateTime: EVENT + 180 })).toBe('applied');
      expect((await store.get(A))!.status).toBe('authorized');
    });

    it('revokes an authorization of the same second (WeChat times events in seconds; fail closed), once', async () => {
      const store = newStore();
      await authorize(store, { eventCreateTime: EVENT });

      const sameSecond = await store.revoke({ authorizerAppid: A, eventCreateTime: EVENT });
      const redelivered = await store.revoke({ authorizerAppid: A, eventCreateTime: EVENT });

      expect([sameSecond, redelivered]).toEqual(['revoked', 'not-newer']);
      expect(await store.getStatus(A)).toEqual({ status: 'revoked', lastEventCreateTime: EVENT });
      // And the other way round: an authorization of the same second as a revocation does not undo it.
      expect(await authorize(store, { eventCreateTime: EVENT })).not.toBe('applied');
      expect((await store.get(A))!.status).toBe('revoked');
    });

    it('records a revocation of an authorizer it never knew', async () => {
      const store = newStore();

      expect(await store.revoke({ authorizerAppid: B, eventCreateTime: EVENT })).toBe('revoked');

      expect(await store.getStatus(B)).toEqual({ status: 'revoked', lastEventCreateTime: EVENT });
    });
  });

  describe('acquireLease', () => {
    it('takes a scheduled lease only once the authorizer is due', async () => {
      const store = newStore();
      await authorize(store);

      expect((await store.acquireLease({ authorizerAppid: A, reason: 'schedule' })).acquired).toBe(false);
      ctx.clock.advance(7_200_000 - MARGIN_MS);
      expect((await store.acquireLease({ authorizerAppid: A, reason: 'schedule' })).acquired).toBe(true);
    });

    it('lets one holder at a time in, and the next once the lease expired', async () => {
      const store = newStore();
      await store.applyAuthorization({ authorizerAppid: A, eventCreateTime: EVENT, refreshToken: REFRESH, funcInfo: [] });
      const first = await store.acquireLease({ authorizerAppid: A, reason: 'operator' });

      const second = await store.acquireLease({ authorizerAppid: A, reason: 'operator' });
      ctx.clock.advance(LEASE_MS);
      const third = await store.acquireLease({ authorizerAppid: A, reason: 'operator' });

      expect(first.acquired).toBe(true);
      expect(second.acquired).toBe(false);
      expect(second.item?.lease?.holder).toBe(first.acquired ? first.holder : undefined);
      expect(third.acquired).toBe(true);
    });

    it('leaves the due time as it is: a lease writes no due-index entry (each move of dueAtMs costs two index writes)', async () => {
      const store = newStore();
      await authorize(store);
      const dueAtMs = (await store.get(A))!.dueAtMs;
      ctx.clock.advance(7_200_000 - MARGIN_MS);

      const lease = await store.acquireLease({ authorizerAppid: A, reason: 'schedule' });

      expect(lease.acquired).toBe(true);
      expect((await store.get(A))!.dueAtMs).toBe(dueAtMs);
      expect(lease.item?.dueAtMs).toBe(dueAtMs);
    });

    it('keeps a leased, due authorizer in the due index: a lost refresh is picked up by the next sweep once its lease ends', async () => {
      const store = newStore();
      await authorize(store);
      ctx.clock.advance(7_200_000 - MARGIN_MS);
      await store.acquireLease({ authorizerAppid: A, reason: 'schedule' });

      ctx.clock.advance(LEASE_MS);
      const due = (await dueWork().page({ nowMs: ctx.clock.now() })).work;
      const retaken = await store.acquireLease({ authorizerAppid: A, reason: 'schedule' });

      expect(due.map((work) => work.kind === 'refresh' && work.authorizerAppid)).toEqual([A]);
      expect(retaken.acquired).toBe(true);
    });

    it('gives exactly one of many concurrent requests the lease', async () => {
      const store = newStore();
      await store.applyAuthorization({ authorizerAppid: A, eventCreateTime: EVENT, refreshToken: REFRESH, funcInfo: [] });

      const results = await Promise.all(
        Array.from({ length: 20 }, () => store.acquireLease({ authorizerAppid: A, reason: 'reader-miss' })),
      );

      expect(results.filter((result) => result.acquired)).toHaveLength(1);
    });

    it('refuses during a backoff except to an operator', async () => {
      const store = newStore();
      await store.applyAuthorization({ authorizerAppid: A, eventCreateTime: EVENT, refreshToken: REFRESH, funcInfo: [] });
      const lease = await store.acquireLease({ authorizerAppid: A, reason: 'schedule' });
      await store.backOff({
        authorizerAppid: A,
        holder: lease.acquired ? lease.holder : '',
        untilMs: ctx.clock.now() + 600_000,
        errcode: 45009,
      });

      expect((await store.acquireLease({ authorizerAppid: A, reason: 'reader-miss' })).acquired).toBe(false);
      expect((await store.acquireLease({ authorizerAppid: A, reason: 'operator' })).acquired).toBe(true);
    });

    it('takes a reader-miss lease only when no token has the minimum left', async () => {
      const store = newStore();
      await authorize(store);

      expect((await store.acquireLease({ authorizerAppid: A, reason: 'reader-miss', minRemainingMs: 300_000 })).acquired).toBe(false);
      ctx.clock.advance(7_200_000 - 300_000);
      expect((await store.acquireLease({ authorizerAppid: A, reason: 'reader-miss', minRemainingMs: 300_000 })).acquired).toBe(true);
    });

    it('takes an invalidate lease only for the stored token, and not while it is younger than the minimum age', async () => {
      const store = newStore();
      await authorize(store);
      const request = { authorizerAppid: A, reason: 'invalidate' as const, minTokenAgeMs: 60_000 };

      expect((await store.acquireLease({ ...request, staleTokenSha256: sha256Hex(ACCESS) })).acquired).toBe(false);
      ctx.clock.advance(60_000);
      expect((await store.acquireLease({ ...request, staleTokenSha256: sha256Hex('another token') })).acquired).toBe(false);
      expect((await store.acquireLease({ ...request, staleTokenSha256: sha256Hex(ACCESS) })).acquired).toBe(true);
    });

    it('never leases a revoked or needs_reauth authorizer, nor an unknown one', async () => {
      const store = newStore();
      await store.revoke({ authorizerAppid: A, eventCreateTime: EVENT });

      expect(await store.acquireLease({ authorizerAppid: A, reason: 'operator' })).toMatchObject({
        acquired: false,
        item: { status: 'revoked' },
      });
      expect(await store.acquireLease({ authorizerAppid: B, reason: 'operator' })).toEqual({ acquired: false, item: null });
    });
  });

  describe('storeRefresh', () => {
    it("writes the new token under the lease, keeps a rotated refresh token's predecessor and releases the lease", async () => {
      const store = newStore();
      await store.applyAuthorization({ authorizerAppid: A, eventCreateTime: EVENT, refreshToken: REFRESH, funcInfo: [] });
      const lease = await store.acquireLease({ authorizerAppid: A, reason: 'operator' });
      if (!lease.acquired) throw new Error('no lease');

      const stored = await store.storeRefresh({
        authorizerAppid: A,
        holder: lease.holder,
        expectedVersion: lease.item.version,
        accessToken: 'CANARY-access-two',
        expiresInSec: 7200,
        fetchedAtMs: ctx.clock.now(),
        refreshToken: 'refreshtoken@@@CANARY-rotated',
        current: lease.item,
      });

      expect(stored).toEqual({ version: 2, expiresAtMs: ctx.clock.now() + 7_200_000 });
      const item = (await store.get(A))!;
      expect(item.lease).toBeUndefined();
      expect(item.dueAtMs).toBe(ctx.clock.now() + 7_200_000 - MARGIN_MS);
      expect(await store.openRefreshToken(A, item.refreshToken!)).toBe('refreshtoken@@@CANARY-rotated');
      expect(await store.openRefreshToken(A, item.previousRefreshToken!)).toBe(REFRESH);
      expect(await store.openAccessToken(A, item.accessToken!)).toBe('CANARY-access-two');
    });

    it('refuses a holder that lost its lease, or a version that moved on', async () => {
      const store = newStore();
      await store.applyAuthorization({ authorizerAppid: A, eventCreateTime: EVENT, refreshToken: REFRESH, funcInfo: [] });
      const stale = await store.acquireLease({ authorizerAppid: A, reason: 'operator' });
      if (!stale.acquired) throw new Error('no lease');
      ctx.clock.advance(LEASE_MS);
      const current = await store.acquireLease({ authorizerAppid: A, reason: 'operator' });
      if (!current.acquired) throw new Error('no lease');
      const write = (holder: string, expectedVersion: number) =>
        store.storeRefresh({
          authorizerAppid: A,
          holder,
          expectedVersion,
          accessToken: 'CANARY-x',
          expiresInSec: 7200,
          fetchedAtMs: ctx.clock.now(),
          current: current.item,
        });

      expect(await write(stale.holder, stale.item.version)).toBeNull();
      expect(await write(current.holder, current.item.version + 1)).toBeNull();
      expect(await write(current.holder, current.item.version)).not.toBeNull();
    });

    it('refuses to write over a revocation that arrived during the refresh', async () => {
      const store = newStore();
      await store.applyAuthorization({ authorizerAppid: A, eventCreateTime: EVENT, refreshToken: REFRESH, funcInfo: [] });
      const lease = await store.acquireLease({ authorizerAppid: A, reason: 'operator' });
      if (!lease.acquired) throw new Error('no lease');
      await ctx.local.dynamo.send(
        new UpdateCommand({
          TableName: TABLE_NAME,
          Key: { pk: partitionKey('authorizers', ctx.componentAppid, A), sk: 'AUTHORIZER' },
          UpdateExpression: 'SET #s = :r',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':r': 'revoked' },
        }),
      );

      const stored = await store.storeRefresh({
        authorizerAppid: A,
        holder: lease.holder,
        expectedVersion: lease.item.version,
        accessToken: 'CANARY-x',
        expiresInSec: 7200,
        fetchedAtMs: ctx.clock.now(),
        current: lease.item,
      });

      expect(stored).toBeNull();
      expect((await store.get(A))!.accessToken).toBeUndefined();
    });
  });

  describe('failures under the lease', () => {
    it('retryLater keeps the lease, moves the due time and counts the failure, until a stored refresh clears the count', async () => {
      const store = newStore();
      await store.applyAuthorization({ authorizerAppid: A, eventCreateTime: EVENT, refreshToken: REFRESH, funcInfo: [] });
      const lease = await store.acquireLease({ authorizerAppid: A, reason: 'schedule' });
      if (!lease.acquired) throw new Error('no lease');

      await store.retryLater({ authorizerAppid: A, holder: lease.holder, retryAtMs: ctx.clock.now() + 120_000, failures: 2 });
      const item = (await store.get(A))!;
      await store.storeRefresh({
        authorizerAppid: A,
        holder: lease.holder,
        expectedVersion: item.version,
        accessToken: ACCESS,
        expiresInSec: 7200,
        fetchedAtMs: ctx.clock.now(),
        current: item,
      });

      expect(item).toMatchObject({ lease: { holder: lease.holder }, dueAtMs: ctx.clock.now() + 120_000, refreshFailures: 2 });
      expect((await store.get(A))?.refreshFailures).toBeUndefined();
    });

    it('markNeedsReauth stops refreshes, keeps the refresh tokens and is counted', async () => {
      const store = newStore();
      await store.applyAuthorization({ authorizerAppid: A, eventCreateTime: EVENT, refreshToken: REFRESH, funcInfo: [] });
      await store.applyAuthorization({ authorizerAppid: B, eventCreateTime: EVENT, refreshToken: REFRESH, funcInfo: [] });
      const lease = await store.acquireLease({ authorizerAppid: A, reason: 'schedule' });
      if (!lease.acquired) throw new Error('no lease');

      await store.markNeedsReauth({ authorizerAppid: A, holder: lease.holder, reason: 'errcode 61023' });

      expect(await store.get(A)).toMatchObject({ status: 'needs_reauth', reauthReason: 'errcode 61023', refreshToken: expect.anything() });
      expect(await store.countByStatus()).toEqual({ authorized: 1, revoked: 0, needs_reauth: 1 });
      expect(await store.listAuthorized()).toEqual([B]);
      expect(
        (await dueWork().page({ nowMs: ctx.clock.now() })).work.map((work) => work.kind === 'refresh' && work.authorizerAppid),
      ).toEqual([B]);
    });

    it('markNeedsReauth changes nothing and says so once a revocation took the lease away', async () => {
      const store = newStore();
      await store.applyAuthorization({ authorizerAppid: A, eventCreateTime: EVENT, refreshToken: REFRESH, funcInfo: [] });
      const lease = await store.acquireLease({ authorizerAppid: A, reason: 'schedule' });
      if (!lease.acquired) throw new Error('no lease');
      await store.revoke({ authorizerAppid: A, eventCreateTime: EVENT + 1 });

      const marked = await store.markNeedsReauth({ authorizerAppid: A, holder: lease.holder, reason: 'errcode 61023' });

      expect(marked).toBe(false);
      expect(await store.get(A)).toMatchObject({ status: 'revoked' });
    });
  });

  describe('reader view', () => {
    it('holds status and the sealed access token, nothing of the refresh tokens', async () => {
      const store = newStore();
      await authorize(store);

      const view = (await store.getReaderView(A))!;

      expect(Object.keys(view).sort()).toEqual(['accessToken', 'status', 'version']);
      expect(await store.openAccessToken(A, view.accessToken!)).toBe(ACCESS);
    });

    it('does not open a sealed token copied into another authorizer', async () => {
      const store = newStore();
      await authorize(store);
      const sealed = (await store.get(A))!.accessToken!;

      const err = await catchAsyncError(() => store.openAccessToken(B, sealed));

      expect((err as StoreError).code).toBe('DECRYPTION_FAILED');
    });

    it('counts valid tokens by due time, without a Scan', async () => {
      const store = newStore();
      await authorize(store);
      await store.applyAuthorization({ authorizerAppid: B, eventCreateTime: EVENT, refreshToken: REFRESH, funcInfo: [] });
      ctx.local.aws.resetDynamoStats();

      expect(await store.countValidTokens(ctx.clock.now())).toBe(1);
      expect(ctx.local.aws.dynamoStats().operations.Scan ?? 0).toBe(0);
    });
  });

  describe('importRefreshToken', () => {
    const listed = () => ({ authorizerAppid: A, refreshToken: REFRESH, authTimeSec: EVENT, firstDueAtMs: ctx.clock.now() + 420_000 });

    it('fills a missing authorizer, first due when the import says, leaves the same token alone and never writes over a newer authorization', async () => {
      const store = newStore();

      expect(await store.importRefreshToken(listed())).toBe('imported');
      expect((await store.get(A))?.dueAtMs).toBe(ctx.clock.now() + 420_000);
      expect(await store.importRefreshToken(listed())).toBe('unchanged');
      await authorize(store, { eventCreateTime: EVENT + 100, refreshToken: 'refreshtoken@@@CANARY-newer' });
      expect(await store.importRefreshToken(listed())).toBe('not-newer');
      expect(await store.openRefreshToken(A, (await store.get(A))!.refreshToken!)).toBe('refreshtoken@@@CANARY-newer');
    });

    it('imports with one read and one write per authorizer (10,000 accounts are imported in one run)', async () => {
      const store = newStore();
      await authorize(store, { refreshToken: 'refreshtoken@@@CANARY-older' });
      ctx.local.aws.resetDynamoStats();

      const results = [
        await store.importRefreshToken({ authorizerAppid: A, refreshToken: REFRESH, authTimeSec: EVENT + 10, firstDueAtMs: 0 }),
        await store.importRefreshToken({ authorizerAppid: B, refreshToken: REFRESH, authTimeSec: EVENT, firstDueAtMs: 0 }),
      ];

      expect(results).toEqual(['imported', 'imported']);
      expect(ctx.local.aws.dynamoStats().operations).toEqual({ GetItem: 2, UpdateItem: 2 });
      expect(await store.openRefreshToken(A, (await store.get(A))!.refreshToken!)).toBe(REFRESH);
      expect(await store.openRefreshToken(A, (await store.get(A))!.previousRefreshToken!)).toBe('refreshtoken@@@CANARY-older');
    });

    it('never brings back an authorizer revoked after the listed authorization', async () => {
      const store = newStore();
      await store.revoke({ authorizerAppid: A, eventCreateTime: EVENT + 100 });

      expect(await store.importRefreshToken(listed())).toBe('not-newer');
      expect((await store.get(A))!.status).toBe('revoked');
    });
  });
});
