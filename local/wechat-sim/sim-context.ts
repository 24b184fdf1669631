/**
 * What WeChat API routes may use: credentials, the sim clock, state, and the push trigger.
 */
import type { SimRequest, SimResponse } from './http-io';
import type { SimStatsRecorder } from './sim-stats';
import type { DailyQuota } from './state/daily-quota';
import type { OAuthState } from './state/oauth-state';
import type { PreAuthCodes } from './state/pre-auth-codes';
import type { TicketRegistry } from './state/ticket-registry';
import type { TokenRegistry } from './state/token-registry';

/** Shared state handed to every WeChat API route. */
export interface SimContext {
  componentAppid: string;
  componentAppsecret: string;
  /** The sim clock in milliseconds; every validity rule reads this, never Date.now. */
  now(): number;
  tickets: TicketRegistry;
  tokens: TokenRegistry;
  quota: DailyQuota;
  preAuthCodes: PreAuthCodes;
  /** H5 authorization on behalf of official accounts (section 5). */
  oauth: OAuthState;
  stats: SimStatsRecorder;
  /** Issues a ticket now and pushes it in the background (`whenIdle` waits for the push). */
  schedulePushTicket(): void;
  log(line: string): void;
}

/** One endpoint. `api` names it in stats and faults (WeChat's own name, e.g. `api_component_token`). */
export interface SimRoute {
  api: string;
  method: 'GET' | 'POST';
  path: string;
  handle(request: SimRequest, ctx: SimContext): SimResponse | Promise<SimResponse>;
}
