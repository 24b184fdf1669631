import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { refreshAuthorizerToken } from '../../shared/authorizer/refresh-authorizer-token';
import { StoreError, storeUnavailable } from '../../shared/store/store-errors';
import type { AuthorizerApi } from '../../shared/wechat/authorizer-api';
import {
  advance,
  apiCalls,
  authorizeAndExchange,
  type ObservedWorker,
  observedWorker,
  simVerdictOnRefreshToken,
  startAuthorizerLifecycle,
  storedRefreshToken,
} from '../support/authorizer-lifecycle';
import { catchAsyncError } from '../support/catch-error';
import type { Harness } from '../support/harness';
import { accountAppids } from './authorization-system';

const MIN = 60_000;
/** The harness's defaults: tokens live 7200 s, refreshed 15 min before they expire, leases of a minute. */
const TOKEN_MS = 7_200_000;
const MARGIN_MS = 15 * MIN;
const LEASE_MS = MIN;
/** From an exchange until its authorizer is due. */
const UNTIL_DUE_MS = TOKEN_MS - MARGIN_MS;

/** The worker's deps with one API method replaced by `wrap` of the real one (to step in between the call and its answer). */
function withApi<K extends keyof AuthorizerApi>(
  worker: ObservedWorker,
  method: K,
  wrap: (real: AuthorizerApi[K]) => AuthorizerApi[K],
): ObservedWorker['deps'] {
  const real = worker.deps.api[method].bind(worker.deps.api) as AuthorizerApi[K];
  return { ...worker.deps, api: { ...worker.deps.api, [method]: wrap(real) } };
}

describe('refreshAuthorizerToken (worker, simulator, real stores)', () => {
  const accounts = accountAppids(24, 'f');
  let h: Harness;
  let next = 0;

  beforeAll(async () => {
    h = await startAuthorizerLifecycle({ accounts });
  });
  afterAll(async () => h?.close());
  afterEach(() => h.sim.setFaults({}));

  /** A new account, authorized and exchanged, then the clock moved on until it is due. */
  async function dueAuthorizer(): Promise<string> {
    const appid = accounts[next++]!;
    await authorizeAndExchange(h, appid);
    await advance(h, UNTIL_DUE_MS);
    return appid;
  }
  const tokenCalls = () => apiCalls(h, 'api_authorizer_token');

  it('refreshes a due authorizer with one call: a token the simulator accepts, due a margin before it expires, lease released', async () => {
    const appid = await dueAuthorizer();
    const before = await h.stores.authorizers.get(appid);
    const worker = observedWorker(h);
    const callsBefore = tokenCalls();

    const outcome = await refreshAuthorizerToken(worker.deps, { authorizerAppid: appid, reason: 'schedule' });

    const after = (await h.stores.authorizers.get(appid))!;
    expect(outcome).toEqual({ status: 'refreshed', version: before!.version + 1, expiresAtMs: h.clock.now() + TOKEN_MS });
    expect(tokenCalls()).toBe(callsBefore + 1);
    expect(h.sim.checkAuthorizerAccessToken(appid, await h.stores.authorizers.openAccessToken(appid, after.accessToken!))).toBe('ok');
    expect(after.dueAtMs).toBe(h.clock.now() + TOKEN_MS - MARGIN_MS);
    expect(after.lease).toBeUndefined();
    expect(after.refreshToken?.sha256).toBe(before?.refreshToken?.sha256);
    expect(worker.metrics.sum('AuthorizerTokenRefreshes')).toBe(1);
  });

  it('lets one of many concurrent refreshes of one authorizer call WeChat', async () => {
    const appid = await dueAuthorizer();
    const { deps } = observedWorker(h);
    const callsBefore = tokenCalls();

    const outcomes = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        refreshAuthorizerToken(deps, { authorizerAppid: appid, reason: i % 2 === 0 ? 'schedule' : 'reader-miss' }),
      ),
    );

    expect(tokenCalls()).toBe(callsBefore + 1);
    expect(outcomes.filter((outcome) => outcome.status === 'refreshed')).toHaveLength(1);
    expect(outcomes.every((outcome) => ['refreshed', 'busy', 'fresh'].includes(outcome.status))).toBe(true);
  });

  it('keeps the stored refresh token when WeChat answers without one', async () => {
    const appid = await dueAuthorizer();
    const before = await storedRefreshToken(h, appid);
    const deps = withApi(observedWorker(h), 'refreshAuthorizerToken', (real) => async (input) => {
      const { refreshToken: _omitted, ...answer } = await real(input);
      return answer;
    });

    const outcome = await refreshAuthorizerToken(deps, { authorizerAppid: appid, reason: 'schedule' });

    expect(outcome.status).toBe('refreshed');
    expect(await storedRefreshToken(h, appid)).toBe(before);
    expect((await h.stores.authorizers.get(appid))?.previousRefreshToken).toBeUndefined();
  });

  it('discards its answer when a re-authorization was stored meanwhile: the write names the version and lease it had', async () => {
    const appid = await dueAuthorizer();
    const deps = withApi(observedWorker(h), 'refreshAuthorizerToken', (real) => async (input) => {
      const answer = await real(input);
      // The account authorizes again while this refresh is on its way back: the exchange stores a new authorization.
      await authorizeAndExchange(h, appid, [1, 15]);
      return answer;
    });

    const outcome = await refreshAuthorizerToken(deps, { authorizerAppid: appid, reason: 'schedule' });

    expect(outcome).toEqual({ status: 'busy' });
    expect(await h.stores.authorizers.get(appid)).toMatchObject({ status: 'authorized', funcInfo: [1, 15] });
    expect(simVerdictOnRefreshToken(h, appid, await storedRefreshToken(h, appid))).toBe('current');
  });

  it('marks needs_reauth after 61023 when api_get_authorizer_info has no other refresh token: metric, no more refreshes', async () => {
    const appid = await dueAuthorizer();
    const worker = observedWorker(h);
    h.sim.setFaults({ failNext: [{ api: 'api_authorizer_token', errcode: 61023, count: 1 }] });
    const infoBefore = apiCalls(h, 'api_get_authorizer_info');

    const outcome = await refreshAuthorizerToken(worker.deps, { authorizerAppid: appid, reason: 'schedule' });
    const callsAfter = tokenCalls();
    const later = await refreshAuthorizerToken(worker.deps, { authorizerAppid: appid, reason: 'reader-miss' });

    expect(outcome).toEqual({ status: 'needs_reauth', reason: 'errcode 61023' });
    expect(apiCalls(h, 'api_get_authorizer_info')).toBe(infoBefore + 1);
    expect(worker.metrics.sum('AuthorizersNeedReauth')).toBe(1);
    const stored = await h.stores.authorizers.get(appid);
    expect(stored).toMatchObject({ status: 'needs_reauth', reauthReason: 'errcode 61023' });
    expect(stored?.dueAtMs).toBeUndefined();
    expect(stored?.refreshToken).toBeDefined();
    expect(later).toEqual({ status: 'needs_reauth', reason: 'errcode 61023' });
    expect(tokenCalls()).toBe(callsAfter);
  });

  it('retries after 61023 when api_get_authorizer_info could not be asked (WeChat busy), instead of giving the account up', async () => {
    const appid = await dueAuthorizer();
    const worker = observedWorker(h);
    h.sim.setFaults({
      failNext: [
        { api: 'api_authorizer_token', errcode: 61023, count: 1 },
        { api: 'api_get_authorizer_info', errcode: -1, count: 3 },
      ],
    });

    const outcome = await refreshAuthorizerToken(worker.deps, { authorizerAppid: appid, reason: 'schedule' });
    await advance(h, LEASE_MS);
    const retried = await refreshAuthorizerToken(worker.deps, { authorizerAppid: appid, reason: 'schedule' });

    expect(outcome).toMatchObject({ status: 'failed', retryAtMs: expect.any(Number) });
    expect(worker.metrics.sum('AuthorizersNeedReauth')).toBe(0);
    expect(retried.status).toBe('refreshed');
    expect((await h.stores.authorizers.get(appid))?.status).toBe('authorized');
  });

  it('keeps the lease after -1 and tries again a minute later, with no call meanwhile', async () => {
    const appid = await dueAuthorizer();
    const worker = observedWorker(h);
    h.sim.setFaults({ failNext: [{ api: 'api_authorizer_token', errcode: -1, count: 3 }] });
    const callsBefore = tokenCalls();
    const failedAt = h.clock.now();

    const failed = await refreshAuthorizerToken(worker.deps, { authorizerAppid: appid, reason: 'schedule' });
    const meanwhile = await refreshAuthorizerToken(worker.deps, { authorizerAppid: appid, reason: 'reader-miss' });
    const callsMeanwhile = tokenCalls();
    await advance(h, MIN);
    const retried = await refreshAuthorizerToken(worker.deps, { authorizerAppid: appid, reason: 'schedule' });

    // Three attempts of the one request: the HTTP client retries -1 itself.
    expect(callsMeanwhile).toBe(callsBefore + 3);
    expect(failed).toEqual({ status: 'failed', error: 'ERRCODE', errcode: -1, retryAtMs: failedAt + MIN });
    expect(meanwhile).toEqual({ status: 'busy' });
    expect(retried.status).toBe('refreshed');
    expect(worker.metrics.sum('AuthorizerTokenRefreshFailures')).toBe(1);
  });

  it('waits longer after each consecutive failure (1, 2, 4 min), and a success starts over', async () => {
    const appid = await dueAuthorizer();
    const { deps } = observedWorker(h);
    const delays: number[] = [];
    for (const _failure of [1, 2, 3]) {
      h.sim.setFaults({ failNext: [{ api: 'api_authorizer_token', errcode: -1, count: 3 }] });
      const failed = await refreshAuthorizerToken(deps, { authorizerAppid: appid, reason: 'schedule' });
      if (failed.status !== 'failed') throw new Error(`expected a failure, got ${failed.status}`);
      delays.push(failed.retryAtMs - h.clock.now());
      await advance(h, failed.retryAtMs - h.clock.now());
    }
    h.sim.setFaults({});
    const refreshed = await refreshAuthorizerToken(deps, { authorizerAppid: appid, reason: 'schedule' });
    await advance(h, TOKEN_MS - MARGIN_MS);
    h.sim.setFaults({ failNext: [{ api: 'api_authorizer_token', errcode: -1, count: 3 }] });
    const afterSuccess = await refreshAuthorizerToken(deps, { authorizerAppid: appid, reason: 'schedule' });

    expect(delays).toEqual([MIN, 2 * MIN, 4 * MIN]);
    expect(refreshed.status).toBe('refreshed');
    expect(afterSuccess).toMatchObject({ status: 'failed', retryAtMs: h.clock.now() + MIN });
  });

  it('retries dropped connections a minute later', async () => {
    const appid = await dueAuthorizer();
    const { deps } = observedWorker(h);
    h.sim.setFaults({ dropNext: [{ api: 'api_authorizer_token', count: 3 }] });

    const failed = await refreshAuthorizerToken(deps, { authorizerAppid: appid, reason: 'schedule' });

    expect(failed).toEqual({ status: 'failed', error: 'NETWORK', errcode: null, retryAtMs: h.clock.now() + MIN });
    expect((await h.stores.authorizers.get(appid))?.dueAtMs).toBe(h.clock.now() + MIN);
  });

  it('backs off 30 min after 45009 (quota): no call before then except for an operator, and the metric counts it', async () => {
    const appid = await dueAuthorizer();
    const worker = observedWorker(h);
    h.sim.setFaults({ failNext: [{ api: 'api_authorizer_token', errcode: 45009, count: 1 }] });
    const refusedAt = h.clock.now();

    const refused = await refreshAuthorizerToken(worker.deps, { authorizerAppid: appid, reason: 'schedule' });
    const callsAfter = tokenCalls();
    await advance(h, 29 * MIN);
    const during = await refreshAuthorizerToken(worker.deps, { authorizerAppid: appid, reason: 'reader-miss' });
    const callsDuring = tokenCalls();
    const operator = await refreshAuthorizerToken(worker.deps, { authorizerAppid: appid, reason: 'operator' });

    expect(refused).toEqual({ status: 'backoff', errcode: 45009, untilMs: refusedAt + 30 * MIN });
    expect(during).toEqual(refused);
    expect(callsDuring).toBe(callsAfter);
    expect(operator.status).toBe('refreshed');
    expect(worker.metrics.sum('WechatQuotaExhausted')).toBe(1);
  });

  it.each([61004, 48001, 40013])('backs off 10 min after %i (configuration), with the WechatConfigErrors metric', async (errcode) => {
    const appid = await dueAuthorizer();
    const worker = observedWorker(h);
    h.sim.setFaults({ failNext: [{ api: 'api_authorizer_token', errcode, count: 1 }] });

    const refused = await refreshAuthorizerToken(worker.deps, { authorizerAppid: appid, reason: 'schedule' });

    expect(refused).toEqual({ status: 'backoff', errcode, untilMs: h.clock.now() + 10 * MIN });
    expect((await h.stores.authorizers.get(appid))?.dueAtMs).toBe(h.clock.now() + 10 * MIN);
    expect(worker.metrics.sum('WechatConfigErrors')).toBe(1);
  });

  it('never refreshes a revoked authorizer', async () => {
    const appid = await dueAuthorizer();
    await h.sim.revokeAuthorization(appid);
    const { deps } = observedWorker(h);
    const callsBefore = tokenCalls();

    const outcomes = await Promise.all(
      (['schedule', 'reader-miss', 'operator'] as const).map((reason) => refreshAuthorizerToken(deps, { authorizerAppid: appid, reason })),
    );

    expect(outcomes).toEqual([{ status: 'revoked' }, { status: 'revoked' }, { status: 'revoked' }]);
    expect(tokenCalls()).toBe(callsBefore);
  });

  it('answers revoked, not needs_reauth, when the account revokes while its refresh is on the way', async () => {
    const appid = await dueAuthorizer();
    const worker = observedWorker(h);
    const deps = withApi(worker, 'refreshAuthorizerToken', (real) => async (input) => {
      await h.sim.revokeAuthorization(appid);
      return real(input);
    });

    const outcome = await refreshAuthorizerToken(deps, { authorizerAppid: appid, reason: 'schedule' });

    expect(outcome).toEqual({ status: 'revoked' });
    expect((await h.stores.authorizers.get(appid))?.status).toBe('revoked');
    expect(worker.metrics.sum('AuthorizersNeedReauth')).toBe(0);
  });

  it('refreshes on a reader miss only when the stored token has less than six minutes left', async () => {
    const appid = accounts[next++]!;
    await authorizeAndExchange(h, appid);
    const { deps } = observedWorker(h);
    const callsBefore = tokenCalls();

    const fresh = await refreshAuthorizerToken(deps, { authorizerAppid: appid, reason: 'reader-miss' });
    await advance(h, TOKEN_MS - 6 * MIN);
    const refreshed = await refreshAuthorizerToken(deps, { authorizerAppid: appid, reason: 'reader-miss' });

    expect(fresh).toMatchObject({ status: 'fresh' });
    expect(refreshed.status).toBe('refreshed');
    expect(tokenCalls()).toBe(callsBefore + 1);
  });

  it('refreshes on an invalidation only for the stored token, once it is a minute old, once however many report it', async () => {
    const appid = accounts[next++]!;
    await authorizeAndExchange(h, appid);
    const stored = (await h.stores.authorizers.get(appid))!;
    const { deps } = observedWorker(h);
    const invalidate = (staleTokenSha256: string) =>
      refreshAuthorizerToken(deps, { authorizerAppid: appid, reason: 'invalidate', staleTokenSha256 });
    const callsBefore = tokenCalls();

    const notOurs = await invalidate('0'.repeat(64));
    const tooYoung = await invalidate(stored.accessToken!.sha256);
    const callsBeforeOldEnough = tokenCalls();
    h.clock.advance(MIN);
    const reports = await Promise.all(Array.from({ length: 10 }, () => invalidate(stored.accessToken!.sha256)));
    const afterRefresh = await invalidate(stored.accessToken!.sha256);

    expect(notOurs).toMatchObject({ status: 'fresh' });
    expect(tooYoung).toMatchObject({ status: 'fresh' });
    expect(callsBeforeOldEnough).toBe(callsBefore);
    expect(reports.filter((outcome) => outcome.status === 'refreshed')).toHaveLength(1);
    expect(afterRefresh).toMatchObject({ status: 'fresh' });
    expect(tokenCalls()).toBe(callsBefore + 1);
  });
});

describe('refreshAuthorizerToken when WeChat rotates refresh tokens', () => {
  const accounts = accountAppids(4, 'g');
  let h: Harness;

  beforeAll(async () => {
    // Every successful refresh answers a new refresh token; the one it replaces works until the new one is used.
    h = await startAuthorizerLifecycle({ accounts, sim: { rotateRefreshTokenEvery: 1 } });
  });
  afterAll(async () => h?.close());

  /** Two refreshes whose answers were lost (as by a crash): WeChat moved two refresh tokens on, and refuses ours now. */
  async function loseTwoRefreshAnswers({ deps }: ObservedWorker, appid: string): Promise<void> {
    const stored = (await storedRefreshToken(h, appid))!;
    for (const _lostAnswer of [1, 2]) {
      await deps.componentToken.withComponentAccessToken((componentAccessToken) =>
        deps.api.refreshAuthorizerToken({
          componentAppid: deps.componentAppid,
          componentAccessToken,
          authorizerAppid: appid,
          refreshToken: stored,
        }),
      );
    }
    expect(simVerdictOnRefreshToken(h, appid, stored)).toBe('refused');
  }

  it('writes the refresh token WeChat returns in the same UpdateItem as the access token, keeping the previous one', async () => {
    const appid = accounts[0]!;
    await authorizeAndExchange(h, appid);
    await advance(h, UNTIL_DUE_MS);
    const before = await storedRefreshToken(h, appid);
    const { deps } = observedWorker(h);
    h.aws.resetDynamoStats();

    const outcome = await refreshAuthorizerToken(deps, { authorizerAppid: appid, reason: 'schedule' });

    // The lease, then the one write with both tokens.
    expect(h.aws.dynamoStats().operations.UpdateItem).toBe(2);
    expect(outcome.status).toBe('refreshed');
    const after = await storedRefreshToken(h, appid);
    expect(after).not.toBe(before);
    expect(simVerdictOnRefreshToken(h, appid, after)).toBe('current');
    const stored = (await h.stores.authorizers.get(appid))!;
    expect(await h.stores.authorizers.openRefreshToken(appid, stored.previousRefreshToken!)).toBe(before);
  });

  it('after 61023 uses the different refresh token api_get_authorizer_info shows, once, and stores the one WeChat then answers', async () => {
    const appid = accounts[1]!;
    await authorizeAndExchange(h, appid);
    await advance(h, UNTIL_DUE_MS);
    const worker = observedWorker(h);
    await loseTwoRefreshAnswers(worker, appid);
    const callsBefore = apiCalls(h, 'api_authorizer_token');

    const outcome = await refreshAuthorizerToken(worker.deps, { authorizerAppid: appid, reason: 'schedule' });

    expect(outcome.status).toBe('refreshed');
    expect(apiCalls(h, 'api_authorizer_token')).toBe(callsBefore + 2);
    expect(simVerdictOnRefreshToken(h, appid, await storedRefreshToken(h, appid))).toBe('current');
    expect(worker.metrics.sum('AuthorizerRefreshTokensRecovered')).toBe(1);
    expect((await h.stores.authorizers.get(appid))?.status).toBe('authorized');
  });

  it('fails the job when the re-fetched refresh token cannot be stored, keeping the lease, and never gives the account up', async () => {
    const appid = accounts[2]!;
    await authorizeAndExchange(h, appid);
    await advance(h, UNTIL_DUE_MS);
    const worker = observedWorker(h);
    await loseTwoRefreshAnswers(worker, appid);
    const deps = {
      ...worker.deps,
      authorizers: {
        ...worker.deps.authorizers,
        replaceRefreshToken: () => Promise.reject(storeUnavailable('UpdateItem', new Error('down'))),
      },
    };

    const failure = await catchAsyncError(() => refreshAuthorizerToken(deps, { authorizerAppid: appid, reason: 'schedule' }));
    await advance(h, LEASE_MS);
    const retried = await refreshAuthorizerToken(worker.deps, { authorizerAppid: appid, reason: 'schedule' });

    expect(failure).toBeInstanceOf(StoreError);
    expect(worker.metrics.sum('AuthorizersNeedReauth')).toBe(0);
    expect(retried.status).toBe('refreshed');
    expect(simVerdictOnRefreshToken(h, appid, await storedRefreshToken(h, appid))).toBe('current');
  });
});
