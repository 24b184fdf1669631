import { afterEach, describe, expect, it } from 'vitest';
import { readLocalHealth } from '../../../local/runtime/local-health';
import { accountAppids, startAuthorizationSystem } from '../../integration/authorization-system';
import type { Harness } from '../../support/harness';

describe('readLocalHealth (GET /healthz of npm start)', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('adds authorizer counts by status and valid tokens, from index Queries only, with no token in it', async () => {
    const accounts = accountAppids(3);
    h = await startAuthorizationSystem({ sim: { authorizationAccounts: accounts } });
    const s = h;
    for (const authorizerAppid of accounts) await s.sim.authorize({ authorizerAppid });
    await s.drainJobs();
    // A second later: an event of the same second as the authorization loses to it (newest event wins, ties to the first).
    s.clock.advance(1_000);
    await s.sim.revokeAuthorization(accounts[2]!);
    const read = () =>
      readLocalHealth({
        componentAppid: s.pushDeps.componentAppid,
        tickets: s.stores.tickets,
        tokens: s.stores.tokens,
        authorizers: s.stores.authorizers,
        now: s.clock.now,
      });
    s.aws.resetDynamoStats();

    const health = await read();
    const operations = s.aws.dynamoStats().operations;
    s.clock.advance(7_200_000);
    const later = await read();

    expect(health.authorizers).toEqual({ active: 2, revoked: 1, needsReauth: 0, tokensValid: 2 });
    expect(health.status).toBe('ok');
    expect(later.authorizers).toEqual({ active: 2, revoked: 1, needsReauth: 0, tokensValid: 0 });
    expect(Object.keys(operations).sort()).toEqual(['GetItem', 'Query']);
    for (const authorizerAppid of accounts.slice(0, 2)) {
      const stored = (await s.stores.authorizers.get(authorizerAppid))!;
      expect(JSON.stringify(health)).not.toContain(await s.stores.authorizers.openAccessToken(authorizerAppid, stored.accessToken!));
    }
  });
});
