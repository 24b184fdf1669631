import type { FakeClock } from '../fake-clock';
import { FakeAuthorizationCodes } from './fake-authorization-codes';
import { FakeAuthorizationEventStore } from './fake-authorization-event-store';
import { FakeAuthorizerStatuses } from './fake-authorizer-statuses';
import { FakeH5OAuthStateStore } from './fake-h5-oauth-state-store';
import { FakeLoginCodeStore } from './fake-login-code-store';
import { FakeRefreshGuards } from './fake-refresh-guards';
import { FakeRefreshLeases } from './fake-refresh-leases';
import { FakeTicketStore } from './fake-ticket-store';
import { FakeTokenStore } from './fake-token-store';
import { FakeUserStore } from './fake-user-store';

/** The fakes of the stores whose rules the core relies on, on one clock, as createComponentStores builds the real ones. */
export function createFakeStores(clock: FakeClock, options: { leaseDurationMs: number; loginCodeTtlMs: number }) {
  const now = clock.now;
  return {
    tickets: new FakeTicketStore(),
    tokens: new FakeTokenStore(),
    leases: new FakeRefreshLeases({ now, leaseDurationMs: options.leaseDurationMs }),
    guards: new FakeRefreshGuards({ now }),
    events: new FakeAuthorizationEventStore(),
    authorizers: new FakeAuthorizerStatuses(),
    authorizationCodes: new FakeAuthorizationCodes(),
    h5OAuthStates: new FakeH5OAuthStateStore({ now }),
    loginCodes: new FakeLoginCodeStore({ now, ttlMs: options.loginCodeTtlMs }),
    users: new FakeUserStore({ now }),
  };
}
