/**
 * The harness with the component token in place, as the authorization page tests start from: a ticket pushed and
 * stored, then the scheduled refresher run once. Everything else (the worker behind the job queue, both authorization
 * routes, the simulator's consent pages) is the harness's own wiring.
 */

import type { WechatSim } from '../../local/wechat-sim/server';
import { enablePowertoolsOutput } from '../support/captured-output';
import { type Harness, type HarnessOptions, startHarness } from '../support/harness';

export { LINK_SECRET } from '../support/harness';

export type AuthorizationSystem = Harness;

export interface AuthorizationSystemOptions extends Pick<HarnessOptions, 'sim'> {
  pageMode?: 'signed' | 'open';
  preAuthCodesPerMinute?: number;
  /** Let the functions log and publish metrics, for tests that capture them. @default false: a passing run is quiet */
  logs?: boolean;
}

export async function startAuthorizationSystem(options: AuthorizationSystemOptions = {}): Promise<AuthorizationSystem> {
  // Read by Powertools when each function's logger and metrics are made, inside startHarness.
  if (options.logs) enablePowertoolsOutput();
  const { pageMode, preAuthCodesPerMinute } = options;
  const system = await startHarness({
    ...(options.sim ? { sim: options.sim } : {}),
    authorization: { ...(pageMode ? { pageMode } : {}), ...(preAuthCodesPerMinute ? { preAuthCodesPerMinute } : {}) },
  });
  await system.sim.pushTicketNow();
  await system.runRefresher();
  return system;
}

/** The simulator's api_create_preauthcode and api_query_auth call counts. */
export function wechatCalls(sim: WechatSim): { preAuthCodes: number; queryAuth: number } {
  const { calls } = sim.stats();
  return { preAuthCodes: calls.api_create_preauthcode ?? 0, queryAuth: calls.api_query_auth ?? 0 };
}

/** `count` official-account appids for the simulator's authorizationAccounts, distinct per `prefix`. */
export function accountAppids(count: number, prefix = 'a'): string[] {
  return Array.from({ length: count }, (_, i) => `wx${prefix}${String(i).padStart(15, '0')}`);
}
