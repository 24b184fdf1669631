import type { AuthorizerDeps } from '../../shared/authorizer/authorizer-deps';
import { type CrashPlan, type CrashProbe, withCrashPoints } from './crash-points';

/**
 * The dependencies whose calls are the worker's await points: the two stores and the WeChat API. The component token
 * reader is left out on purpose: the API call it wraps is an await point of its own, and a crash 'after' the wrapper
 * would run the wrapped API call through the crashed deps, whose calls never return, so the crash would never land.
 */
export const WORKER_AWAIT_POINTS = ['authorizers', 'codes', 'api'] as const satisfies readonly (keyof AuthorizerDeps)[];

/** What a run under a crash plan did: killed at the plan's point, or finished (the plan's point was never reached). */
export type KillResult<T> = { killed: true; probe: CrashProbe } | { killed: false; probe: CrashProbe; result: T };

/**
 * Runs `work` on `deps` wrapped with crash points, and returns once it was killed (the abandoned run never settles,
 * as a Lambda invocation that timed out) or finished.
 */
export async function runWithKill<D extends AuthorizerDeps, T>(
  deps: D,
  plan: CrashPlan,
  work: (deps: D) => Promise<T>,
): Promise<KillResult<T>> {
  const { deps: crashing, probe } = withCrashPoints(deps, WORKER_AWAIT_POINTS, plan);
  const finished = work(crashing).then((result) => ({ result }));
  const outcome = await Promise.race([finished, probe.reached.then(() => null)]);
  return outcome ? { killed: false, probe, result: outcome.result } : { killed: true, probe };
}
