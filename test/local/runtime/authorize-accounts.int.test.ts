import { afterEach, describe, expect, it } from 'vitest';
import { type AccountAuthorization, authorizeAccounts, describeAuthorization } from '../../../local/runtime/authorize-accounts';
import { accountAppids, startAuthorizationSystem, wechatCalls } from '../../integration/authorization-system';
import type { Harness } from '../../support/harness';

describe('authorizeAccounts (npm start, at startup)', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  async function start(accounts: string[]): Promise<Harness> {
    h = await startAuthorizationSystem({ sim: { authorizationAccounts: accounts } });
    return h;
  }

  /** Runs authorizeAccounts as npm start does, with the worker's queue drained at each poll and the clock moving. */
  function authorize(system: Harness, accounts: string[], timeoutMs = 5_000): Promise<AccountAuthorization[]> {
    return authorizeAccounts({
      sim: system.sim,
      codes: system.stores.authorizationCodes,
      authorizers: system.stores.authorizers,
      authorizerAppids: accounts,
      timeoutMs,
      now: system.clock.now,
      sleep: async (ms) => {
        system.clock.advance(ms);
        await system.drainJobs();
      },
    });
  }

  it('authorizes every account through the authorized push and the worker: one api_query_auth each, token expiry from the store', async () => {
    const accounts = accountAppids(3);
    const s = await start(accounts);

    const results = await authorize(s, accounts);

    expect(wechatCalls(s.sim).queryAuth).toBe(3);
    expect(results.map((result) => result.authorizerAppid)).toEqual(accounts);
    for (const result of results) {
      const stored = await s.stores.authorizers.get(result.authorizerAppid);
      expect(result).toEqual({
        authorizerAppid: result.authorizerAppid,
        status: 'authorized',
        tokenExpiresAtMs: stored!.accessToken!.expiresAtMs,
      });
      expect(describeAuthorization(result)).toBe(
        `${result.authorizerAppid}: authorized, token valid until ${new Date(stored!.accessToken!.expiresAtMs).toISOString()}`,
      );
    }
  });

  it('never puts a token in the lines it prints', async () => {
    const [account] = accountAppids(1);
    const s = await start([account!]);

    const [result] = await authorize(s, [account!]);
    const stored = (await s.stores.authorizers.get(account!))!;
    const accessToken = await s.stores.authorizers.openAccessToken(account!, stored.accessToken!);
    const line = describeAuthorization(result!);

    expect(accessToken.length).toBeGreaterThan(10);
    expect(line).not.toContain(accessToken);
    expect(JSON.stringify(result)).not.toContain(accessToken);
  });

  it('stops waiting at the bound and says the push never arrived when the simulator drops it', async () => {
    const accounts = accountAppids(2);
    const s = await start(accounts);
    s.sim.setFaults({ pushes: { drop: 1 } });
    const startedAtMs = s.clock.now();

    const results = await authorize(s, accounts, 5_000);

    const [dropped, delivered] = results;
    expect(dropped).toMatchObject({ authorizerAppid: accounts[0], status: 'pending', tokenExpiresAtMs: null });
    expect(dropped!.problem).toBe('not exchanged within 5 s; the authorized push was not delivered (push dropped by fault injection)');
    expect(delivered).toMatchObject({ authorizerAppid: accounts[1], status: 'authorized' });
    expect(s.clock.now() - startedAtMs).toBeGreaterThanOrEqual(5_000);
    expect(s.clock.now() - startedAtMs).toBeLessThan(5_200);
    expect(describeAuthorization(dropped!)).toMatch(/^wxa0{15}: pending, no token \(not exchanged within 5 s; /);
  });

  it('reports a code WeChat refuses without waiting for the bound, and leaves the account unauthorized', async () => {
    const [account] = accountAppids(1);
    const s = await start([account!]);
    s.sim.setFaults({ failNext: [{ api: 'api_query_auth', errcode: 61010, count: 1 }] });
    const startedAtMs = s.clock.now();

    const [result] = await authorize(s, [account!], 60_000);

    expect(result).toEqual({
      authorizerAppid: account,
      status: 'refused',
      tokenExpiresAtMs: null,
      problem: 'WeChat refused the authorization code',
    });
    expect(s.clock.now() - startedAtMs).toBeLessThan(1_000);
    expect(await s.stores.authorizers.get(account!)).toBeNull();
  });
});
