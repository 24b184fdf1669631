/**
 * The harness with the component token in place, for tests of the authorizer worker's core (exchange, refresh,
 * schedule, reconcile): the worker's production dependencies with a recording logger and metrics, and the checks
 * those tests share (what the store holds against what the simulator accepts).
 */
import type { AuthorizerWorkerDeps } from '../../functions/authorizer-worker/app';
import { type SimAuthorizationCodeStats, secretFingerprint, type WechatSimOptions } from '../../local/wechat-sim/server';
import { RecordingLogger, RecordingMetrics } from './fakes/recording-observability';
import { type Harness, startHarness } from './harness';

/** The worker's dependencies as production builds them, with what they log and count recorded. */
export interface ObservedWorker {
  deps: AuthorizerWorkerDeps;
  logs: RecordingLogger;
  metrics: RecordingMetrics;
}

/** Starts the harness (simulator accounts `accounts`, never authorized) with a ticket pushed and the component token stored. */
export async function startAuthorizerLifecycle(options: { accounts: string[]; sim?: Partial<WechatSimOptions> }): Promise<Harness> {
  const h = await startHarness({ sim: { authorizationAccounts: options.accounts, ...options.sim } });
  await h.sim.pushTicketNow();
  await h.runRefresher();
  return h;
}

/** The worker's dependencies with a fresh recording logger and metrics: what one test looks at. */
export function observedWorker(h: Harness): ObservedWorker {
  const logs = new RecordingLogger();
  const metrics = new RecordingMetrics();
  return { deps: { ...h.workerDeps, logger: logs.logger, metrics: metrics.metrics }, logs, metrics };
}

/**
 * Moves the shared clock on, with a fresh ticket pushed (as WeChat pushes one every 10 minutes), so the component
 * token can be refreshed whenever the worker's reader finds it expired.
 */
export async function advance(h: Harness, ms: number): Promise<void> {
  h.clock.advance(ms);
  await h.sim.pushTicketNow();
}

/** Authorizes `authorizerAppid` in the simulator (the push delivers the code) and lets the worker exchange it. */
export async function authorizeAndExchange(h: Harness, authorizerAppid: string, funcInfo?: number[]): Promise<string> {
  const { authorizationCode, push } = await h.sim.authorize({ authorizerAppid, ...(funcInfo ? { funcInfo } : {}) });
  if (!push.acked) throw new Error('the authorized push was not acknowledged');
  await h.drainJobs();
  return authorizationCode;
}

/** The simulator's api_query_auth counters for one code. */
export function codeStats(h: Harness, code: string): SimAuthorizationCodeStats {
  return h.sim.authorizationCodeStats()[secretFingerprint(code)] ?? { calls: 0, successes: 0 };
}

/** The authorizer's stored refresh token, opened (null when none is stored). */
export async function storedRefreshToken(h: Harness, authorizerAppid: string): Promise<string | null> {
  const stored = await h.stores.authorizers.get(authorizerAppid);
  return stored?.refreshToken ? h.stores.authorizers.openRefreshToken(authorizerAppid, stored.refreshToken) : null;
}

/** Whether the simulator takes `refreshToken` for `authorizerAppid` now: its current one, a rotated-out one still accepted, or neither. */
export function simVerdictOnRefreshToken(
  h: Harness,
  authorizerAppid: string,
  refreshToken: string | null,
): 'current' | 'previous' | 'refused' {
  const snapshot = h.sim.authorizerSnapshot(authorizerAppid);
  if (refreshToken === null || snapshot?.state !== 'authorized') return 'refused';
  const print = secretFingerprint(refreshToken);
  if (print === snapshot.refreshTokenFingerprint) return 'current';
  return print === snapshot.previousRefreshTokenFingerprint ? 'previous' : 'refused';
}

/** The simulator's count of calls to one API. */
export function apiCalls(h: Harness, api: string): number {
  return h.sim.stats().calls[api] ?? 0;
}
