/**
 * What WeChat API routes may use: credentials, the sim clock, state, and the push triggers.
 */
import type { SimRequest, SimResponse } from './http-io';
import type { SimStatsRecorder } from './sim-stats';
import type { AuthorizationCodes } from './state/authorization-codes';
import type { AuthorizerRegistry } from './state/authorizer-registry';
import type { ConsentSessions } from './state/consent-sessions';
import type { DailyQuota, DailyQuotaBook } from './state/daily-quota';
import type { OAuthState } from './state/oauth-state';
import type { PreAuthCodes } from './state/pre-auth-codes';
import type { TicketRegistry } from './state/ticket-registry';
import type { TokenRegistry } from './state/token-registry';
import type { PushResult } from './types';

/** Shared state handed to every WeChat API route. */
export interface SimContext {
  componentAppid: string;
  componentAppsecret: string;
  /** The sim clock in milliseconds; every validity rule reads this, never Date.now. */
  now(): number;
  tickets: TicketRegistry;
  tokens: TokenRegistry;
  /** api_component_token's daily quota. */
  quota: DailyQuota;
  /** The other component APIs' daily quotas, by API name (`apiDailyQuota`). */
  apiQuotas: DailyQuotaBook;
  /** api_authorizer_token's daily quota, by authorizer appid (`authorizerTokenDailyQuota`). */
  authorizerTokenQuota: DailyQuotaBook;
  preAuthCodes: PreAuthCodes;
  /** Accounts that can authorize the component, and their state (section 4). */
  authorizers: AuthorizerRegistry;
  authorizationCodes: AuthorizationCodes;
  consents: ConsentSessions;
  /** True when `hostname` is one of the component's authorization initiation domains. */
  allowsAuthorizationDomain(hostname: string): boolean;
  /** H5 authorization on behalf of official accounts (section 5). */
  oauth: OAuthState;
  stats: SimStatsRecorder;
  /** Issues a ticket now and pushes it in the background (`whenIdle` waits for the push). */
  schedulePushTicket(): void;
  /** Pushes an authorization event with exactly `fields` after AppId, CreateTime and InfoType, subject to push faults. */
  pushEvent(infoType: string, createTime: number, fields: Record<string, string>): Promise<PushResult>;
  log(line: string): void;
}

/** One endpoint. `api` names it in stats and faults (WeChat's own name, e.g. `api_component_token`). */
export interface SimRoute {
  api: string;
  method: 'GET' | 'POST';
  path: string;
  handle(request: SimRequest, ctx: SimContext): SimResponse | Promise<SimResponse>;
}
