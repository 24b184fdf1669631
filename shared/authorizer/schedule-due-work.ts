import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { AuthorizerDeps } from './authorizer-deps';
import type { AuthorizerJob } from './authorizer-jobs';

/** What one scheduled run found and queued. */
export interface ScheduleOutcome {
  refreshesQueued: number;
  exchangesQueued: number;
  pages: number;
}

// A page of the due index: large enough that 10,000 authorizers due at once take 20 Queries, small enough to send early.
const PAGE_SIZE = 500;

/**
 * The scheduled run: finds every authorizer whose token is due for a refresh, and every authorization code whose
 * exchange is not done (its SQS message lost, or a retry time come), with Queries on the sparse `due` index (never a
 * Scan), and fans them out to the worker through SQS. A refresh still running when a run comes is queued again (its
 * lease turns the second job away, and a refresh whose worker died is retried this way once its lease ends); an
 * exchange under way is not due again until its lease ends.
 */
export async function scheduleDueWork(deps: AuthorizerDeps): Promise<ScheduleOutcome> {
  const nowMs = deps.now();
  const outcome: ScheduleOutcome = { refreshesQueued: 0, exchangesQueued: 0, pages: 0 };
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await deps.due.page({ nowMs, limit: PAGE_SIZE, ...(startKey ? { startKey } : {}) });
    outcome.pages += 1;
    const jobs: AuthorizerJob[] = page.work.map((work) =>
      work.kind === 'refresh'
        ? { kind: 'refresh', authorizerAppid: work.authorizerAppid }
        : { kind: 'exchange', codeSha256: work.codeSha256 },
    );
    await deps.jobs.send(jobs);
    for (const job of jobs) outcome[job.kind === 'refresh' ? 'refreshesQueued' : 'exchangesQueued'] += 1;
    startKey = page.nextKey;
  } while (startKey);
  deps.metrics.addMetric('AuthorizerRefreshesQueued', MetricUnit.Count, outcome.refreshesQueued);
  if (outcome.exchangesQueued > 0) deps.metrics.addMetric('AuthorizationExchangesQueued', MetricUnit.Count, outcome.exchangesQueued);
  deps.logger.info('due authorizer work queued', { ...outcome });
  return outcome;
}

/** What the alarms watch, published by every scheduled run: counts per status and how close the oldest token is. */
export interface AuthorizerGauges {
  active: number;
  revoked: number;
  needsReauth: number;
  tokensValid: number;
  /** Seconds the earliest-expiring token of an authorized authorizer has left (null with none): low means refreshes lag. */
  oldestDueRemainingSec: number | null;
}

export async function reportAuthorizerGauges(deps: AuthorizerDeps): Promise<AuthorizerGauges> {
  const nowMs = deps.now();
  const [counts, tokens] = await Promise.all([deps.authorizers.countByStatus(), deps.authorizers.tokenExpiries(nowMs)]);
  const oldestDueRemainingSec = tokens.earliestExpiresAtMs === null ? null : Math.floor((tokens.earliestExpiresAtMs - nowMs) / 1000);
  const gauges: AuthorizerGauges = {
    active: counts.authorized,
    revoked: counts.revoked,
    needsReauth: counts.needs_reauth,
    tokensValid: tokens.valid,
    oldestDueRemainingSec,
  };
  deps.metrics.addMetric('AuthorizersActive', MetricUnit.Count, gauges.active);
  deps.metrics.addMetric('AuthorizersNeedingReauth', MetricUnit.Count, gauges.needsReauth);
  deps.metrics.addMetric('AuthorizerTokensValid', MetricUnit.Count, gauges.tokensValid);
  if (oldestDueRemainingSec !== null)
    deps.metrics.addMetric('OldestDueTokenRemainingSeconds', MetricUnit.Seconds, Math.max(0, oldestDueRemainingSec));
  return gauges;
}
