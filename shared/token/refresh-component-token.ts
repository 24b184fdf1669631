import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { ComponentSecrets } from '../config/component-secrets';
import type { RefreshGuards } from '../store/refresh-guards';
import type { RefreshLease, RefreshLeases } from '../store/refresh-lease';
import { StoreError } from '../store/store-errors';
import type { StoredTicket, TicketStore } from '../store/ticket-store';
import type { SealedToken, TokenMeta, TokenStore } from '../store/token-store';
import type { ComponentApi } from '../wechat/component-api';
import { WechatApiError } from '../wechat/errors';
import { afterWechatAnswered, FailedAfterWechatAnswered } from './after-wechat-answered';
import { BACKOFF_MS, policyFor } from './errcode-policy';
import type { RefreshOutcome, RefreshRequest } from './refresh-request';

export interface RefresherDeps {
  componentAppid: string;
  tokens: TokenStore;
  tickets: TicketStore;
  leases: RefreshLeases;
  guards: RefreshGuards;
  api: ComponentApi;
  getSecrets: () => Promise<ComponentSecrets>;
  now: () => number;
  logger: Logger;
  metrics: Metrics;
  /** Refresh when the stored token expires within this. */
  refreshMarginMs: number;
}

/** docs/wechat-protocol.md §1: a ticket is valid 12 hours after its CreateTime. */
export const TICKET_VALIDITY_SEC = 12 * 3600;
/** At most one api_start_push_ticket call per this interval, across all refreshers. */
export const START_PUSH_TICKET_INTERVAL_MS = 10 * 60_000;
/**
 * An invalidation (or operator refresh) is ignored while the stored token is younger than this. WeChat does not
 * revoke a token it just issued, so a caller claiming otherwise is confused, and this caps how fast a buggy or
 * hostile reader could burn the daily quota: at most one refresh a minute.
 */
export const MIN_TOKEN_AGE_FOR_INVALIDATION_MS = 60_000;

/**
 * Makes sure a component_access_token with more than the margin left is stored, fetching one if needed.
 * Only the lease holder calls WeChat; everyone else gets 'busy' and reads the store.
 */
export async function refreshComponentToken(deps: RefresherDeps, request: RefreshRequest): Promise<RefreshOutcome> {
  const { logger } = deps;
  logger.appendKeys({ refreshReason: request.reason });
  try {
    const before = await deps.tokens.loadSealed();
    if (before && !needsRefresh(deps, request, before)) return freshOutcome(before);

    let lease: RefreshLease;
    try {
      lease = await deps.leases.acquire();
    } catch (err) {
      if (err instanceof StoreError && err.code === 'LEASE_HELD') {
        logger.info('token refresh already in progress');
        return { status: 'busy' };
      }
      throw err;
    }
    let keepLease = false;
    try {
      return await refreshUnderLease(deps, request);
    } catch (err) {
      if (!(err instanceof FailedAfterWechatAnswered)) throw err;
      keepLease = true;
      reportKeptLease(deps, err, lease);
      throw err.failure;
    } finally {
      // A release that fails only delays the next refresh until the lease expires; it must not hide the outcome.
      if (!keepLease) {
        await lease.release().catch((err: unknown) => logger.warn('could not release the refresh lease', { error: errorName(err) }));
      }
    }
  } finally {
    await reportGauges(deps);
  }
}

/** Whether a stored token must be replaced (having none always needs a refresh: callers check that first). */
function needsRefresh(deps: RefresherDeps, request: RefreshRequest, stored: SealedToken): boolean {
  const nowMs = deps.now();
  if (stored.meta.expiresAtMs - nowMs <= deps.refreshMarginMs) return true;
  const explicit =
    request.reason === 'operator' || (request.reason === 'invalidate' && request.staleTokenSha256 === stored.meta.tokenSha256);
  if (!explicit) return false;
  if (nowMs - stored.meta.fetchedAtMs < MIN_TOKEN_AGE_FOR_INVALIDATION_MS) {
    deps.logger.warn('refresh request ignored: stored token is too young to be stale', { tokenAgeMs: nowMs - stored.meta.fetchedAtMs });
    return false;
  }
  return true;
}

const freshOutcome = (stored: SealedToken): RefreshOutcome => ({
  status: 'fresh',
  version: stored.meta.version,
  expiresAtMs: stored.meta.expiresAtMs,
});

async function refreshUnderLease(deps: RefresherDeps, request: RefreshRequest): Promise<RefreshOutcome> {
  // Someone may have refreshed between our first read and taking the lease.
  const current = await deps.tokens.loadSealed();
  if (current && !needsRefresh(deps, request, current)) return freshOutcome(current);

  const ticket = await deps.tickets.load();
  if (!ticket || deps.now() / 1000 - ticket.createTime >= TICKET_VALIDITY_SEC) {
    return askForTicket(deps, ticket ? 'expired' : 'missing');
  }

  if (request.reason !== 'operator') {
    const backoff = await deps.guards.loadBackoff();
    const lifted = backoff?.rejectedTicketCreateTime !== undefined && ticket.createTime > backoff.rejectedTicketCreateTime;
    if (backoff && !lifted) {
      deps.logger.warn('token refresh skipped: backing off after a non-retryable errcode', {
        errcode: backoff.errcode,
        untilMs: backoff.untilMs,
      });
      return { status: 'backoff', errcode: backoff.errcode, untilMs: backoff.untilMs };
    }
  }

  const secrets = await deps.getSecrets();
  // Measure validity from before the request: the token may have been issued at any point during it.
  const fetchedAtMs = deps.now();
  let fetched: { componentAccessToken: string; expiresInSec: number };
  try {
    fetched = await deps.api.getComponentAccessToken({
      componentAppid: deps.componentAppid,
      componentAppsecret: secrets.appsecret,
      componentVerifyTicket: ticket.componentVerifyTicket,
    });
  } catch (err) {
    if (err instanceof WechatApiError) return afterWechatAnswered('store-refusal', () => handleApiFailure(deps, err, ticket));
    throw err;
  }
  return afterWechatAnswered('store-token', () =>
    storeToken(deps, { ...fetched, fetchedAtMs, expectedVersion: current?.meta.version ?? 0 }),
  );
}

async function storeToken(
  deps: RefresherDeps,
  fetched: { componentAccessToken: string; expiresInSec: number; fetchedAtMs: number; expectedVersion: number },
): Promise<RefreshOutcome> {
  let meta: TokenMeta;
  try {
    meta = await deps.tokens.save({
      componentAccessToken: fetched.componentAccessToken,
      expiresAtMs: fetched.fetchedAtMs + fetched.expiresInSec * 1000,
      fetchedAtMs: fetched.fetchedAtMs,
      expectedVersion: fetched.expectedVersion,
    });
  } catch (err) {
    if (err instanceof StoreError && err.code === 'VERSION_CONFLICT') {
      deps.logger.warn('token write lost to a newer token; discarding ours');
      return { status: 'superseded' };
    }
    throw err;
  }
  // The token is stored: a backoff left behind has long expired by the next refresh, so this failing is no failure.
  await deps.guards
    .clearBackoff()
    .catch((err: unknown) => deps.logger.warn('could not clear the refresh backoff', { error: errorName(err) }));
  deps.metrics.addMetric('TokenRefreshes', MetricUnit.Count, 1);
  deps.logger.info('component_access_token refreshed', {
    version: meta.version,
    expiresAt: new Date(meta.expiresAtMs).toISOString(),
    tokenSha256Prefix: meta.tokenSha256.slice(0, 12),
  });
  return { status: 'refreshed', version: meta.version, expiresAtMs: meta.expiresAtMs };
}

/** Logs (without the token) and counts a failure after WeChat answered; the caller keeps the lease. */
function reportKeptLease(deps: RefresherDeps, err: FailedAfterWechatAnswered, lease: RefreshLease): void {
  deps.metrics.addMetric('RefreshStoreFailures', MetricUnit.Count, 1);
  deps.logger.error('WeChat answered but its answer could not be stored; keeping the refresh lease until it expires', {
    step: err.step,
    error: errorName(err.failure),
    // Store errors carry fixed messages of ours (operation and purpose), never a value.
    ...(err.failure instanceof StoreError ? { reason: err.failure.message } : {}),
    leaseExpiresAt: new Date(lease.expiresAtMs).toISOString(),
  });
}

const errorName = (err: unknown): string => (err instanceof Error ? err.name : 'unknown');

async function handleApiFailure(deps: RefresherDeps, err: WechatApiError, ticket: StoredTicket): Promise<RefreshOutcome> {
  deps.metrics.addMetric('TokenRefreshFailures', MetricUnit.Count, 1);
  if (err.code !== 'ERRCODE' || err.errcode === undefined || err.retryable) {
    deps.logger.error('component_access_token refresh failed; the next schedule retries', {
      error: err.code,
      errcode: err.errcode,
      httpStatus: err.httpStatus,
    });
    return { status: 'failed', errcode: err.errcode ?? null, error: err.code };
  }
  const policy = policyFor(err.errcode);
  if (policy.action === 'retry') return { status: 'failed', errcode: err.errcode, error: err.code };
  const untilMs = deps.now() + BACKOFF_MS[policy.action];
  if (policy.action === 'ticket') {
    await deps.guards.setBackoff({ errcode: err.errcode, untilMs, rejectedTicketCreateTime: ticket.createTime });
    deps.logger.warn('WeChat refused the stored ticket; asking for a new push', { errcode: err.errcode, meaning: policy.meaning });
    return askForTicket(deps, 'refused');
  }
  await deps.guards.setBackoff({ errcode: err.errcode, untilMs });
  const metric = policy.action === 'quota' ? 'WechatQuotaExhausted' : 'WechatConfigErrors';
  deps.metrics.addMetric(metric, MetricUnit.Count, 1);
  deps.logger.error('component_access_token refresh refused; not retrying until the backoff ends', {
    errcode: err.errcode,
    meaning: policy.meaning,
    operatorAction: policy.operator,
    backoffUntil: new Date(untilMs).toISOString(),
  });
  return { status: 'failed', errcode: err.errcode, error: err.code };
}

async function askForTicket(deps: RefresherDeps, why: 'missing' | 'expired' | 'refused'): Promise<RefreshOutcome> {
  deps.metrics.addMetric('NoValidTicket', MetricUnit.Count, 1);
  if (!(await deps.guards.claimStartPushTicket(START_PUSH_TICKET_INTERVAL_MS))) {
    deps.logger.warn('no valid component_verify_ticket; api_start_push_ticket was called recently, waiting for the push', { ticket: why });
    return { status: 'no-ticket', startPushTicket: 'throttled' };
  }
  try {
    const secrets = await deps.getSecrets();
    await deps.api.startPushTicket({ componentAppid: deps.componentAppid, componentAppsecret: secrets.appsecret });
    deps.metrics.addMetric('StartPushTicketCalls', MetricUnit.Count, 1);
    deps.logger.warn('no valid component_verify_ticket; asked WeChat to push one (api_start_push_ticket)', { ticket: why });
    return { status: 'no-ticket', startPushTicket: 'called' };
  } catch (err) {
    if (!(err instanceof WechatApiError)) throw err;
    deps.logger.error('api_start_push_ticket failed', { ticket: why, error: err.code, errcode: err.errcode });
    return { status: 'no-ticket', startPushTicket: 'failed' };
  }
}

/** Gauges the alarms watch: seconds until the stored token expires, and the age of the newest ticket. */
async function reportGauges(deps: RefresherDeps): Promise<void> {
  try {
    const nowMs = deps.now();
    const [token, ticketCreateTime] = await Promise.all([deps.tokens.loadSealed(), deps.tickets.loadCreateTime()]);
    deps.metrics.addMetric(
      'TokenRemainingSeconds',
      MetricUnit.Seconds,
      token ? Math.max(0, Math.floor((token.meta.expiresAtMs - nowMs) / 1000)) : 0,
    );
    if (ticketCreateTime !== null)
      deps.metrics.addMetric('TicketAgeSeconds', MetricUnit.Seconds, Math.max(0, Math.floor(nowMs / 1000) - ticketCreateTime));
  } catch (err) {
    deps.logger.warn('could not read state for gauges', { error: errorName(err) });
  }
}
