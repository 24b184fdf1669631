import { type ComponentHealth, readComponentHealth } from '../../shared/health/component-health';
import type { AuthorizerStore } from '../../shared/store/authorizer-store';
import type { TicketStore } from '../../shared/store/ticket-store';
import type { TokenStore } from '../../shared/store/token-store';

/** Authorizer counts for /healthz: how many, never which token. */
export interface AuthorizerCounts {
  /** Authorized (status `authorized`). */
  active: number;
  revoked: number;
  needsReauth: number;
  /** Authorized accounts whose access token has not expired. */
  tokensValid: number;
}

export type LocalHealth = ComponentHealth & { authorizers: AuthorizerCounts };

/**
 * What GET /healthz answers: the component's health and the authorizer counts. Counts come from Queries of the sparse
 * `status` and `due` indexes (Select COUNT), never a Scan, and no KMS call: no token is opened.
 */
export async function readLocalHealth(input: {
  componentAppid: string;
  tickets: TicketStore;
  tokens: TokenStore;
  authorizers: Pick<AuthorizerStore, 'countByStatus' | 'countValidTokens'>;
  now: () => number;
}): Promise<LocalHealth> {
  const [component, counts, tokensValid] = await Promise.all([
    readComponentHealth(input),
    input.authorizers.countByStatus(),
    input.authorizers.countValidTokens(input.now()),
  ]);
  return {
    ...component,
    authorizers: { active: counts.authorized, revoked: counts.revoked, needsReauth: counts.needs_reauth, tokensValid },
  };
}
