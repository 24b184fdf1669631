import { beforeEach, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../../shared/crypto/digests';
import { AuthorizerTokenError } from '../../../shared/token/authorizer-token-error';
import { type AuthorizerTokenReaderOptions, createAuthorizerTokenReader } from '../../../shared/token/authorizer-token-reader';
import { WechatApiError } from '../../../shared/wechat/errors';
import { FakeClock } from '../../support/fake-clock';
import { FakeAuthorizerWorker } from '../../support/fakes/fake-authorizer-worker';
import { AUTHORIZER_TOKEN_LIFETIME_MS, InMemoryAuthorizerReaderView } from '../../support/fakes/in-memory-authorizer-reader-view';

const APPID = 'wxa000000000000001';
const OTHER_APPID = 'wxa000000000000002';
const THIRD_APPID = 'wxa000000000000003';
const REVALIDATE_MS = 60_000;

/** What WeChat answers an API call made with a stale token. */
const wechatError = (errcode: number) =>
  new WechatApiError({ code: 'ERRCODE', api: 'api_test', message: `errcode ${errcode}`, retryable: false, errcode });

describe('createAuthorizerTokenReader', () => {
  let clock: FakeClock;
  let store: InMemoryAuthorizerReaderView;
  let worker: FakeAuthorizerWorker;
  let sleeps: number;
  const newReader = (options: Partial<AuthorizerTokenReaderOptions> = {}) =>
    createAuthorizerTokenReader({
      authorizers: store,
      requestRefresh: worker.requestRefresh,
      now: clock.now,
      // Waiting moves the fake clock: bounded waits are bounded in simulated time, with no real sleep.
      sleep: async (ms) => {
        sleeps += 1;
        clock.advance(ms);
      },
      ...options,
    });

  beforeEach(() => {
    clock = new FakeClock();
    store = new InMemoryAuthorizerReaderView(clock.now);
    worker = new FakeAuthorizerWorker(store, clock.now);
    sleeps = 0;
  });

  describe('cache', () => {
    it('serves a cached token from memory, without reading the store or decrypting again', async () => {
      store.writeToken(APPID, 'token-1');
      const reader = newReader();
      await reader.getAuthorizerAccessToken(APPID);

      clock.advance(REVALIDATE_MS - 1);
      const tokens = await Promise.all(Array.from({ length: 50 }, () => reader.getAuthorizerAccessToken(APPID)));

      expect(new Set(tokens)).toEqual(new Set(['token-1']));
      expect(store.reads).toBe(1);
      expect(store.opens).toBe(1);
      expect(worker.requests).toEqual([]);
    });

    it('re-checks the store once revalidateAfterMs has passed, without decrypting the unchanged token', async () => {
      store.writeToken(APPID, 'token-1');
      const reader = newReader();
      await reader.getAuthorizerAccessToken(APPID);

      clock.advance(REVALIDATE_MS);
      const token = await reader.getAuthorizerAccessToken(APPID);

      expect(token).toBe('token-1');
      expect(store.reads).toBe(2);
      expect(store.opens).toBe(1);
    });

    it('decrypts again when revalidation finds a new version of the token', async () => {
      store.writeToken(APPID, 'token-1');
      const reader = newReader();
      await reader.getAuthorizerAccessToken(APPID);
      store.writeToken(APPID, 'token-2');

      const beforeRevalidation = await reader.getAuthorizerAccessToken(APPID);
      clock.advance(REVALIDATE_MS);
      const afterRevalidation = await reader.getAuthorizerAccessToken(APPID);

      expect(beforeRevalidation).toBe('token-1');
      expect(afterRevalidation).toBe('token-2');
      expect(store.opens).toBe(2);
    });

    it.each([
      ['revoked', 'REVOKED'],
      ['needs_reauth', 'NEEDS_REAUTH'],
    ] as const)('throws %s at revalidation and drops the cached token, though it had hours left', async (status, code) => {
      store.writeToken(APPID, 'token-1');
      const reader = newReader();
      await reader.getAuthorizerAccessToken(APPID);
      store.setStatus(APPID, status);

      clock.advance(REVALIDATE_MS);
      const first = await reader.getAuthorizerAccessToken(APPID).catch((err: unknown) => err);
      const again = await reader.getAuthorizerAccessToken(APPID).catch((err: unknown) => err);

      expect(first).toBeInstanceOf(AuthorizerTokenError);
      expect(first).toMatchObject({ code, authorizerAppid: APPID });
      expect(again).toMatchObject({ code });
      expect(store.reads).toBe(3);
      expect(worker.requests).toEqual([]);
    });

    it('tells the operator what to do about an authorizer that must authorize again', async () => {
      store.writeToken(APPID, 'token-1');
      store.setStatus(APPID, 'needs_reauth');

      const error = await newReader()
        .getAuthorizerAccessToken(APPID)
        .catch((err: unknown) => err);

      expect((error as Error).message).toBe(
        `authorizer ${APPID} must authorize again: WeChat refused its refresh token; send its administrator an authorization link`,
      );
    });

    it('never hands out a token with minRemainingMs or less left: it asks for a refresh instead', async () => {
      store.writeToken(APPID, 'token-1');
      const reader = newReader();
      await reader.getAuthorizerAccessToken(APPID);

      clock.advance(AUTHORIZER_TOKEN_LIFETIME_MS - 300_000);
      const token = await reader.getAuthorizerAccessToken(APPID);

      expect(token).toBe(`authorizer-token-${APPID}-1`);
      expect(worker.requests).toEqual([{ action: 'refresh', authorizerAppid: APPID, reason: 'reader-miss' }]);
    });

    it('keeps at most maxCachedAuthorizers tokens, dropping the least recently used first', async () => {
      for (const appid of [APPID, OTHER_APPID, THIRD_APPID]) store.writeToken(appid, `token-of-${appid}`);
      const reader = newReader({ maxCachedAuthorizers: 2 });
      await reader.getAuthorizerAccessToken(APPID);
      await reader.getAuthorizerAccessToken(OTHER_APPID);
      await reader.getAuthorizerAccessToken(APPID);

      await reader.getAuthorizerAccessToken(THIRD_APPID);
      const readsBefore = store.reads;
      await reader.getAuthorizerAccessToken(APPID);
      await reader.getAuthorizerAccessToken(THIRD_APPID);
      const readsForKept = store.reads - readsBefore;
      await reader.getAuthorizerAccessToken(OTHER_APPID);

      expect(readsForKept).toBe(0);
      expect(store.reads - readsBefore).toBe(1);
    });

    it('shares one store read and one refresh request among concurrent callers for the same authorizer', async () => {
      store.addWithoutToken(APPID);
      const reader = newReader();

      const tokens = await Promise.all(Array.from({ length: 100 }, () => reader.getAuthorizerAccessToken(APPID)));

      expect(new Set(tokens).size).toBe(1);
      expect(worker.requests).toHaveLength(1);
      expect(store.reads).toBe(2);
    });

    it('throws a RangeError for a minRemainingMs the worker would not refresh for', () => {
      expect(() => newReader({ minRemainingMs: 300_001 })).toThrow(RangeError);
    });
  });

  describe('miss', () => {
    it('asks the worker for a reader-miss refresh and returns the token it stored', async () => {
      store.addWithoutToken(APPID);

      const token = await newReader().getAuthorizerAccessToken(APPID);

      expect(token).toBe(`authorizer-token-${APPID}-1`);
      expect(worker.requests).toEqual([{ action: 'refresh', authorizerAppid: APPID, reason: 'reader-miss' }]);
    });

    it('keeps polling while the worker is busy, and returns the token once the lease holder stored it', async () => {
      store.addWithoutToken(APPID);
      worker.answer(() => ({ status: 'busy' }));
      const startMs = clock.now();
      const reader = newReader({
        sleep: async (ms) => {
          clock.advance(ms);
          // Another container's refresh, holding the lease, stores its token after a second.
          if (clock.now() - startMs === 1_000) store.writeToken(APPID, 'from-the-lease-holder');
        },
      });

      const token = await reader.getAuthorizerAccessToken(APPID);

      expect(token).toBe('from-the-lease-holder');
      expect(clock.now() - startMs).toBe(1_000);
      expect(worker.requests).toHaveLength(1);
    });

    it('throws TIMEOUT after maxWaitMs of simulated time when the worker stays busy, asking again every 2 s', async () => {
      store.addWithoutToken(APPID);
      worker.answer(() => ({ status: 'busy' }));
      const startMs = clock.now();

      const error = await newReader({ maxWaitMs: 15_000, pollIntervalMs: 250 })
        .getAuthorizerAccessToken(APPID)
        .catch((err: unknown) => err);

      expect(error).toBeInstanceOf(AuthorizerTokenError);
      expect(error).toMatchObject({ code: 'TIMEOUT', refreshOutcome: { status: 'busy' } });
      expect(clock.now() - startMs).toBe(15_000);
      expect(sleeps).toBe(60);
      // Asked at 0 s, then again at 2, 4, ... 14 s.
      expect(worker.requests).toHaveLength(8);
    });

    it('throws UNKNOWN_AUTHORIZER for an appid the store does not know, without asking the worker', async () => {
      const error = await newReader()
        .getAuthorizerAccessToken(APPID)
        .catch((err: unknown) => err);

      expect(error).toMatchObject({ name: 'AuthorizerTokenError', code: 'UNKNOWN_AUTHORIZER', authorizerAppid: APPID });
      expect(worker.requests).toEqual([]);
    });

    it.each([
      [{ status: 'backoff', errcode: 45009, untilMs: 0 }, 'REFRESH_FAILED'],
      [{ status: 'failed', error: 'TIMEOUT', errcode: null, retryAtMs: 0 }, 'REFRESH_FAILED'],
      [{ status: 'needs_reauth', reason: 'errcode 61023' }, 'NEEDS_REAUTH'],
      [{ status: 'revoked' }, 'REVOKED'],
      [{ status: 'unknown' }, 'UNKNOWN_AUTHORIZER'],
    ] as const)('throws on the final worker answer %j with code %s, carrying the answer', async (outcome, code) => {
      store.addWithoutToken(APPID);
      worker.answer(() => outcome);

      const error = await newReader()
        .getAuthorizerAccessToken(APPID)
        .catch((err: unknown) => err);

      expect(error).toMatchObject({ name: 'AuthorizerTokenError', code, refreshOutcome: outcome });
      expect(worker.requests).toHaveLength(1);
      expect(sleeps).toBe(0);
    });

    it('throws UNAVAILABLE, naming no value, when the store cannot be read', async () => {
      store.writeToken(APPID, 'token-1');
      store.failNextReads = 1;

      const error = await newReader()
        .getAuthorizerAccessToken(APPID)
        .catch((err: unknown) => err);

      expect(error).toMatchObject({
        name: 'AuthorizerTokenError',
        code: 'UNAVAILABLE',
        message: `could not read authorizer ${APPID}'s token: DynamoDB GetItem authorizer failed`,
      });
    });

    it('throws errors that carry no token, whatever the store held', async () => {
      store.writeToken(APPID, 'secret-token-never-in-errors', { lifetimeMs: 60_000 });
      worker.answer(() => ({ status: 'backoff', errcode: 45009, untilMs: clock.now() + 60_000 }));

      const error = (await newReader()
        .getAuthorizerAccessToken(APPID)
        .catch((err: unknown) => err)) as AuthorizerTokenError;

      expect(error.code).toBe('REFRESH_FAILED');
      expect(JSON.stringify({ ...error, message: error.message, stack: error.stack })).not.toContain('secret-token-never-in-errors');
    });
  });

  describe('invalidate', () => {
    const STALE = 'stale-token';

    it('asks the worker once when a thousand callers report the same stale token, and all get the new one', async () => {
      store.writeToken(APPID, STALE);
      const reader = newReader();
      await reader.getAuthorizerAccessToken(APPID);
      clock.advance(120_000);

      await Promise.all(Array.from({ length: 1_000 }, () => reader.invalidate(APPID, STALE)));
      const tokens = await Promise.all(Array.from({ length: 1_000 }, () => reader.getAuthorizerAccessToken(APPID)));

      expect(worker.requests).toEqual([
        { action: 'refresh', authorizerAppid: APPID, reason: 'invalidate', staleTokenSha256: sha256Hex(STALE) },
      ]);
      expect(new Set(tokens)).toEqual(new Set([`authorizer-token-${APPID}-1`]));
    });

    it('asks nothing when the store already holds another usable token', async () => {
      store.writeToken(APPID, STALE);
      const reader = newReader();
      await reader.getAuthorizerAccessToken(APPID);
      store.writeToken(APPID, 'already-replaced');

      await reader.invalidate(APPID, STALE);
      const token = await reader.getAuthorizerAccessToken(APPID);

      expect(worker.requests).toEqual([]);
      expect(token).toBe('already-replaced');
    });

    it('resolves and keeps the token when the worker finds it too young to be stale', async () => {
      store.writeToken(APPID, STALE);
      const reader = newReader();

      await reader.invalidate(APPID, STALE);
      const token = await reader.getAuthorizerAccessToken(APPID);

      expect(worker.requests).toHaveLength(1);
      expect(token).toBe(STALE);
    });

    it('throws REVOKED for an authorizer revoked meanwhile, without asking the worker', async () => {
      store.writeToken(APPID, STALE);
      store.setStatus(APPID, 'revoked');

      const error = await newReader()
        .invalidate(APPID, STALE)
        .catch((err: unknown) => err);

      expect(error).toMatchObject({ code: 'REVOKED' });
      expect(worker.requests).toEqual([]);
    });
  });

  describe('withAuthorizerAccessToken', () => {
    it.each([40001, 42001])('invalidates the exact token WeChat answered %i for and retries once with the next', async (errcode) => {
      store.writeToken(APPID, 'stale');
      clock.advance(120_000);
      const reader = newReader();
      const used: string[] = [];

      const result = await reader.withAuthorizerAccessToken(APPID, async (token) => {
        used.push(token);
        if (token === 'stale') throw wechatError(errcode);
        return 'answer';
      });

      expect(result).toBe('answer');
      expect(used).toEqual(['stale', `authorizer-token-${APPID}-1`]);
      expect(worker.requests).toEqual([
        { action: 'refresh', authorizerAppid: APPID, reason: 'invalidate', staleTokenSha256: sha256Hex('stale') },
      ]);
    });

    it('retries only once: a second stale answer is thrown to the caller', async () => {
      store.writeToken(APPID, 'stale');
      clock.advance(120_000);
      let calls = 0;

      const error = await newReader()
        .withAuthorizerAccessToken(APPID, async () => {
          calls += 1;
          throw wechatError(40001);
        })
        .catch((err: unknown) => err);

      expect(error).toMatchObject({ name: 'WechatApiError', errcode: 40001 });
      expect(calls).toBe(2);
    });

    it.each([48001, 45009, -1])('rethrows errcode %i without invalidating or retrying', async (errcode) => {
      store.writeToken(APPID, 'token-1');
      let calls = 0;

      const error = await newReader()
        .withAuthorizerAccessToken(APPID, async () => {
          calls += 1;
          throw wechatError(errcode);
        })
        .catch((err: unknown) => err);

      expect(error).toMatchObject({ errcode });
      expect(calls).toBe(1);
      expect(worker.requests).toEqual([]);
    });
  });
});
