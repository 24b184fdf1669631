import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../../shared/crypto/digests';
import { StoreError } from '../../../shared/store/store-errors';
import { BACKOFF_MS } from '../../../shared/token/errcode-policy';
import {
  MIN_TOKEN_AGE_FOR_INVALIDATION_MS,
  refreshComponentToken,
  START_PUSH_TICKET_INTERVAL_MS,
  TICKET_VALIDITY_SEC,
} from '../../../shared/token/refresh-component-token';
import type { RefreshRequest } from '../../../shared/token/refresh-request';
import { fakeRefresher } from '../../support/fakes/fake-deps';
import { wechatErrcode, wechatFailure } from '../../support/fakes/wechat-errors';
import { TEST_SECRETS } from '../../support/test-secrets';

type Refresher = ReturnType<typeof fakeRefresher>;

const SCHEDULE = { action: 'refresh', reason: 'schedule' } as const;
const READER_MISS = { action: 'refresh', reason: 'reader-miss' } as const;
const OPERATOR = { action: 'refresh', reason: 'operator' } as const;
const invalidate = (token: string): RefreshRequest => ({ action: 'refresh', reason: 'invalidate', staleTokenSha256: sha256Hex(token) });
const HOUR_MS = 3_600_000;
const LEASE_MS = 60_000;

const run = (r: Refresher, request: RefreshRequest = SCHEDULE) => refreshComponentToken(r.deps, request);
const failure = (r: Refresher, request: RefreshRequest = SCHEDULE) => run(r, request).catch((err: unknown) => err);
const tokenCalls = (r: Refresher) => r.api.faults.calls('getComponentAccessToken');

/** A refresher with a fresh ticket stored. */
async function withTicket(): Promise<Refresher> {
  const r = fakeRefresher();
  await r.storeTicket();
  return r;
}

/** Stores a token fetched `ageMs` ago that expires `remainingMs` from now, as an earlier refresh would have. */
function storedToken(r: Refresher, { ageMs = 0, remainingMs = 2 * HOUR_MS } = {}): string {
  const token = `fake-stored-token-${r.clock.now()}-${ageMs}-${remainingMs}`;
  r.tokens.put(token, { fetchedAtMs: r.clock.now() - ageMs, expiresAtMs: r.clock.now() + remainingMs });
  return token;
}

describe('refreshComponentToken', () => {
  describe('when a refresh is due', () => {
    it('fetches a token with the appsecret and the stored ticket, stores it as version 1 and gives the lease back', async () => {
      const r = await withTicket();

      const outcome = await run(r);

      expect(r.api.tokenRequests).toEqual([
        {
          componentAppid: TEST_SECRETS.componentAppid,
          componentAppsecret: TEST_SECRETS.appsecret,
          componentVerifyTicket: 'ticket@@@fake-component-verify-ticket',
        },
      ]);
      expect(outcome).toEqual({ status: 'refreshed', version: 1, expiresAtMs: r.clock.now() + 7_200_000 });
      expect(r.tokens.token).toBe(r.api.issued[0]);
      expect(r.leases.held).toBeNull();
      expect(r.metrics.sum('TokenRefreshes')).toBe(1);
      expect(r.logger.text).not.toContain(r.api.issued[0]);
    });

    it('measures the token lifetime from before the request, however long WeChat takes to answer', async () => {
      const r = await withTicket();
      const sentAtMs = r.clock.now();
      r.api.faults.beforeNext('getComponentAccessToken', () => r.clock.advance(4_000));

      const outcome = await run(r);

      expect(outcome).toMatchObject({ expiresAtMs: sentAtMs + 7_200_000 });
      expect(r.tokens.meta).toMatchObject({ fetchedAtMs: sentAtMs });
    });

    it('refreshes once the stored token expires within the margin, and not a millisecond before', async () => {
      const r = await withTicket();
      const margin = r.deps.refreshMarginMs;
      storedToken(r, { ageMs: HOUR_MS, remainingMs: margin + 1 });

      const before = await run(r);
      r.clock.advance(1);
      const due = await run(r);

      expect(before).toMatchObject({ status: 'fresh', version: 1 });
      expect(due).toMatchObject({ status: 'refreshed', version: 2 });
      expect(tokenCalls(r)).toBe(1);
    });

    it('clears the backoff an earlier refusal left once it has a token', async () => {
      const r = await withTicket();
      await r.guards.setBackoff({ errcode: 45009, untilMs: r.clock.now() + 1000 });

      await run(r, OPERATOR);

      expect(r.guards.backoff).toBeNull();
    });

    it('reports the token as refreshed even when clearing the backoff fails, logging a warning', async () => {
      const r = await withTicket();
      r.guards.faults.failNext('clearBackoff');

      const outcome = await run(r);

      expect(outcome.status).toBe('refreshed');
      expect(r.logger.withMessage('could not clear the refresh backoff')).toEqual([
        expect.objectContaining({ level: 'WARN', error: 'StoreError' }),
      ]);
    });
  });

  describe('when no refresh is due', () => {
    it('answers fresh from the store without taking the lease or calling WeChat', async () => {
      const r = await withTicket();
      storedToken(r);

      const outcome = await run(r, READER_MISS);

      expect(outcome).toEqual({ status: 'fresh', version: 1, expiresAtMs: r.tokens.meta!.expiresAtMs });
      expect(r.leases.faults.calls('acquire')).toBe(0);
      expect(tokenCalls(r)).toBe(0);
    });

    it('answers busy while another refresh holds the lease, calling WeChat not at all', async () => {
      const r = await withTicket();
      await r.leases.acquire();

      const outcome = await run(r);

      expect(outcome).toEqual({ status: 'busy' });
      expect(tokenCalls(r)).toBe(0);
    });

    it('reads the store again under the lease: a token stored in between is used, not fetched again', async () => {
      const r = await withTicket();
      r.leases.faults.beforeNext('acquire', () => storedToken(r));

      const outcome = await run(r);

      expect(outcome).toMatchObject({ status: 'fresh', version: 1 });
      expect(tokenCalls(r)).toBe(0);
      expect(r.leases.held).toBeNull();
    });

    it('discards its token as superseded when a newer one was stored while WeChat answered', async () => {
      const r = await withTicket();
      r.api.faults.beforeNext('getComponentAccessToken', () => storedToken(r));

      const outcome = await run(r);

      expect(outcome).toEqual({ status: 'superseded' });
      expect(r.tokens.meta?.version).toBe(1);
      expect(r.tokens.token).not.toBe(r.api.issued[0]);
      expect(r.logger.withMessage('token write lost to a newer token; discarding ours')).toHaveLength(1);
    });
  });

  describe('invalidations and operator requests', () => {
    it('replaces the stored token when a reader reports it stale and it is older than a minute', async () => {
      const r = await withTicket();
      const stale = storedToken(r, { ageMs: MIN_TOKEN_AGE_FOR_INVALIDATION_MS });

      const outcome = await run(r, invalidate(stale));

      expect(outcome).toMatchObject({ status: 'refreshed', version: 2 });
    });

    it('keeps a token younger than a minute whatever a reader reports, warning, so a confused caller cannot burn the quota', async () => {
      const r = await withTicket();
      const young = storedToken(r, { ageMs: MIN_TOKEN_AGE_FOR_INVALIDATION_MS - 1 });

      const outcome = await run(r, invalidate(young));

      expect(outcome).toMatchObject({ status: 'fresh', version: 1 });
      expect(r.logger.withMessage('refresh request ignored: stored token is too young to be stale')).toHaveLength(1);
      expect(tokenCalls(r)).toBe(0);
    });

    it('ignores an invalidation of a token that is no longer the stored one', async () => {
      const r = await withTicket();
      storedToken(r, { ageMs: HOUR_MS });

      const outcome = await run(r, invalidate('fake-an-older-token-already-replaced'));

      expect(outcome).toMatchObject({ status: 'fresh' });
      expect(tokenCalls(r)).toBe(0);
    });

    it('refreshes a token older than a minute on an operator request, even with hours left', async () => {
      const r = await withTicket();
      storedToken(r, { ageMs: MIN_TOKEN_AGE_FOR_INVALIDATION_MS });

      const outcome = await run(r, OPERATOR);

      expect(outcome).toMatchObject({ status: 'refreshed', version: 2 });
    });
  });

  describe('without a valid ticket', () => {
    it('asks WeChat to push one at most once per 10 minutes across refreshers, and says so', async () => {
      const r = fakeRefresher();

      const first = await run(r);
      r.clock.advance(START_PUSH_TICKET_INTERVAL_MS - 1);
      const throttled = await run(r);
      r.clock.advance(1);
      const again = await run(r);

      expect([first, throttled, again]).toEqual([
        { status: 'no-ticket', startPushTicket: 'called' },
        { status: 'no-ticket', startPushTicket: 'throttled' },
        { status: 'no-ticket', startPushTicket: 'called' },
      ]);
      expect(r.api.startPushRequests).toEqual([
        { componentAppid: TEST_SECRETS.componentAppid, componentAppsecret: TEST_SECRETS.appsecret },
        { componentAppid: TEST_SECRETS.componentAppid, componentAppsecret: TEST_SECRETS.appsecret },
      ]);
      expect(r.metrics.sum('NoValidTicket')).toBe(3);
      expect(tokenCalls(r)).toBe(0);
    });

    it('treats a ticket 12 hours old as none, and one a second younger as valid', async () => {
      const expired = fakeRefresher();
      const valid = fakeRefresher();
      await expired.storeTicket('ticket@@@old', TICKET_VALIDITY_SEC);
      await valid.storeTicket('ticket@@@almost-old', TICKET_VALIDITY_SEC - 1);

      const outcomes = [await run(expired), await run(valid)];

      expect(outcomes.map((outcome) => outcome.status)).toEqual(['no-ticket', 'refreshed']);
      expect(expired.logger.lines.find((line) => line.ticket !== undefined)).toMatchObject({ ticket: 'expired' });
    });

    it('answers failed for start_push_ticket when WeChat refuses that call too', async () => {
      const r = fakeRefresher();
      r.api.faults.failNext('startPushTicket', wechatErrcode('api_start_push_ticket', -1));

      const outcome = await run(r);

      expect(outcome).toEqual({ status: 'no-ticket', startPushTicket: 'failed' });
    });
  });

  describe('when WeChat refuses', () => {
    it.each([
      ['45009 (quota)', 45009, BACKOFF_MS.quota, 'WechatQuotaExhausted'],
      ['61004 (IP allow list)', 61004, BACKOFF_MS.config, 'WechatConfigErrors'],
      ['an unknown errcode', 99999, BACKOFF_MS.config, 'WechatConfigErrors'],
    ])('backs off after %s: no WeChat call until the backoff ends', async (_name, errcode, backoffMs, metric) => {
      const r = await withTicket();
      r.api.faults.failNext('getComponentAccessToken', wechatErrcode('api_component_token', errcode));

      const refused = await run(r);
      r.clock.advance(backoffMs - 1);
      const during = await run(r, READER_MISS);
      r.clock.advance(1);
      const after = await run(r);

      expect(refused).toEqual({ status: 'failed', errcode, error: 'ERRCODE' });
      expect(during).toEqual({ status: 'backoff', errcode, untilMs: r.clock.now() });
      expect(after.status).toBe('refreshed');
      expect(tokenCalls(r)).toBe(2);
      expect(r.metrics.sum(metric)).toBe(1);
      expect(r.leases.held).toBeNull();
    });

    it('reports a wrong appsecret as the configuration error WeChat answers, 40125', async () => {
      const r = await withTicket();
      r.deps.getSecrets = async () => ({ ...TEST_SECRETS, appsecret: 'fake-a-rotated-away-appsecret' });

      const outcome = await run(r);

      expect(outcome).toEqual({ status: 'failed', errcode: 40125, error: 'ERRCODE' });
      expect(r.guards.backoff).toMatchObject({ errcode: 40125 });
    });

    it('lets an operator through a backoff, once the configuration is fixed', async () => {
      const r = await withTicket();
      await r.guards.setBackoff({ errcode: 61004, untilMs: r.clock.now() + BACKOFF_MS.config });

      const reader = await run(r, READER_MISS);
      const operator = await run(r, OPERATOR);

      expect(reader.status).toBe('backoff');
      expect(operator.status).toBe('refreshed');
    });

    it('asks for a new ticket when WeChat refuses the stored one, and uses a newer ticket as soon as it arrives', async () => {
      const r = await withTicket();
      r.api.faults.failNext('getComponentAccessToken', wechatErrcode('api_component_token', 61006));

      const refused = await run(r);
      const sameTicket = await run(r);
      r.clock.advance(1000);
      await r.storeTicket('ticket@@@a-newer-one');
      const newTicket = await run(r);

      expect(refused).toEqual({ status: 'no-ticket', startPushTicket: 'called' });
      expect(sameTicket.status).toBe('backoff');
      expect(newTicket.status).toBe('refreshed');
      expect(r.api.tokenRequests.map((request) => request.componentVerifyTicket)).toEqual([
        'ticket@@@fake-component-verify-ticket',
        'ticket@@@a-newer-one',
      ]);
    });

    it.each([
      ['errcode -1 after its retries', wechatErrcode('api_component_token', -1), -1, 'ERRCODE'],
      ['a timeout', wechatFailure('api_component_token', 'TIMEOUT'), null, 'TIMEOUT'],
      ['HTTP 503', wechatFailure('api_component_token', 'HTTP_STATUS', { httpStatus: 503 }), null, 'HTTP_STATUS'],
    ])('leaves %s to the next schedule: no backoff, and the lease given back', async (_name, error, errcode, code) => {
      const r = await withTicket();
      r.api.faults.failNext('getComponentAccessToken', error);

      const failed = await run(r);
      const next = await run(r);

      expect(failed).toEqual({ status: 'failed', errcode, error: code });
      expect(r.metrics.sum('TokenRefreshFailures')).toBe(1);
      expect(next.status).toBe('refreshed');
    });
  });

  describe('the lease after WeChat answered', () => {
    it('keeps the lease when the token cannot be stored, so nobody calls WeChat again before it expires', async () => {
      const r = await withTicket();
      r.tokens.faults.failNext('save');

      const failed = await failure(r);
      const retried = await Promise.all([run(r), run(r, READER_MISS)]);
      r.clock.advance(LEASE_MS);
      const afterExpiry = await run(r);

      expect(failed).toBeInstanceOf(StoreError);
      expect(failed).toMatchObject({ code: 'UNAVAILABLE' });
      expect(retried).toEqual([{ status: 'busy' }, { status: 'busy' }]);
      expect(afterExpiry.status).toBe('refreshed');
      expect(tokenCalls(r)).toBe(2);
      expect(r.metrics.sum('RefreshStoreFailures')).toBe(1);
    });

    it('logs the kept lease as an error naming the step and the lease expiry, never the token', async () => {
      const r = await withTicket();
      r.tokens.faults.failNext('save');
      const leaseExpiresAt = new Date(r.clock.now() + LEASE_MS).toISOString();

      await failure(r);

      expect(
        r.logger.withMessage('WeChat answered but its answer could not be stored; keeping the refresh lease until it expires'),
      ).toEqual([
        expect.objectContaining({
          level: 'ERROR',
          step: 'store-token',
          error: 'StoreError',
          reason: 'fake token store save failed',
          leaseExpiresAt,
        }),
      ]);
      expect(r.logger.text).not.toContain(r.api.issued[0]);
    });

    it('keeps the lease when the backoff a refusal calls for cannot be stored', async () => {
      const r = await withTicket();
      r.api.faults.failNext('getComponentAccessToken', wechatErrcode('api_component_token', 45009));
      r.guards.faults.failNext('setBackoff');

      const failed = await failure(r);
      const retried = await run(r, READER_MISS);

      expect(failed).toMatchObject({ name: 'StoreError', message: 'fake refresh guards setBackoff failed' });
      expect(retried).toEqual({ status: 'busy' });
      expect(r.logger.lines.find((line) => line.level === 'ERROR')).toMatchObject({ step: 'store-refusal' });
      expect(tokenCalls(r)).toBe(1);
    });

    it('gives the lease back when the failure came before WeChat was called', async () => {
      const r = await withTicket();
      r.tickets.faults.failNext('load');

      const failed = await failure(r);
      const retried = await run(r);

      expect(failed).toMatchObject({ name: 'StoreError', code: 'UNAVAILABLE' });
      expect(retried.status).toBe('refreshed');
      expect(tokenCalls(r)).toBe(1);
    });

    it('returns its outcome even when giving the lease back fails, logging a warning', async () => {
      const r = await withTicket();
      r.leases.faults.failNext('release');

      const outcome = await run(r);

      expect(outcome.status).toBe('refreshed');
      expect(r.logger.withMessage('could not release the refresh lease')).toEqual([
        expect.objectContaining({ level: 'WARN', error: 'StoreError' }),
      ]);
    });
  });

  describe('gauges', () => {
    it('reports the seconds the stored token has left and the age of the ticket after every run', async () => {
      const r = fakeRefresher();
      await r.storeTicket('ticket@@@ten-minutes-old', 600);

      await run(r);
      r.clock.advance(60_000);
      await run(r);

      expect(r.metrics.added.filter((metric) => metric.name === 'TokenRemainingSeconds').map((metric) => metric.value)).toEqual([
        7200, 7140,
      ]);
      expect(r.metrics.added.filter((metric) => metric.name === 'TicketAgeSeconds').map((metric) => metric.value)).toEqual([600, 660]);
    });

    it('reports 0 s left and no ticket age before anything is stored', async () => {
      const r = fakeRefresher();

      await run(r);

      expect(r.metrics.added.filter((metric) => metric.unit === 'Seconds')).toEqual([
        { name: 'TokenRemainingSeconds', unit: 'Seconds', value: 0 },
      ]);
    });

    it('still returns the outcome when the gauges cannot be read', async () => {
      const r = await withTicket();
      r.tickets.faults.failNext('loadCreateTime');

      const outcome = await run(r);

      expect(outcome.status).toBe('refreshed');
      expect(r.logger.withMessage('could not read state for gauges')).toHaveLength(1);
    });
  });
});
