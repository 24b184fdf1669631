import type { TicketStore } from '../store/ticket-store';
import type { TokenStore } from '../store/token-store';
import { TICKET_VALIDITY_SEC } from '../token/refresh-component-token';

/** What an operator (or a load balancer) needs to know; never a secret, ticket or token. */
export interface ComponentHealth {
  status: 'ok' | 'degraded';
  componentAppid: string;
  ticket: { createTime: number | null; ageSec: number | null; valid: boolean };
  componentToken: { expiresAt: string | null; remainingSec: number | null; version: number | null };
  problems: string[];
}

/** Reads metadata only: no KMS call, so health checks cost one GetItem each for ticket and token. */
export async function readComponentHealth(input: {
  componentAppid: string;
  tickets: TicketStore;
  tokens: TokenStore;
  now: () => number;
}): Promise<ComponentHealth> {
  const [createTime, sealed] = await Promise.all([input.tickets.loadCreateTime(), input.tokens.loadSealed()]);
  const nowSec = Math.floor(input.now() / 1000);
  const ageSec = createTime === null ? null : nowSec - createTime;
  const ticketValid = ageSec !== null && ageSec < TICKET_VALIDITY_SEC;
  const remainingSec = sealed ? Math.floor((sealed.meta.expiresAtMs - input.now()) / 1000) : null;
  const problems: string[] = [];
  if (!ticketValid) problems.push(createTime === null ? 'no component_verify_ticket received yet' : 'component_verify_ticket expired');
  if (remainingSec === null || remainingSec <= 0) problems.push('no valid component_access_token');
  return {
    status: problems.length === 0 ? 'ok' : 'degraded',
    componentAppid: input.componentAppid,
    ticket: { createTime, ageSec, valid: ticketValid },
    componentToken: {
      expiresAt: sealed ? new Date(sealed.meta.expiresAtMs).toISOString() : null,
      remainingSec,
      version: sealed ? sealed.meta.version : null,
    },
    problems,
  };
}
