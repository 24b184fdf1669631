import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reconcileAuthorizers } from '../../shared/authorizer/reconcile-authorizers';
import { refreshAuthorizerToken } from '../../shared/authorizer/refresh-authorizer-token';
import { reportAuthorizerGauges, scheduleDueWork } from '../../shared/authorizer/schedule-due-work';
import { sha256Hex } from '../../shared/crypto/digests';
import {
  advance,
  apiCalls,
  authorizeAndExchange,
  codeStats,
  observedWorker,
  simVerdictOnRefreshToken,
  startAuthorizerLifecycle,
  storedRefreshToken,
} from '../support/authorizer-lifecycle';
import { FakeJobQueue } from '../support/fakes/fake-job-queue';
import type { Harness } from '../support/harness';
import { accountAppids } from './authorization-system';

const MIN = 60_000;
const TOKEN_MS = 7_200_000;
const MARGIN_MS = 15 * MIN;

/**
 * The scheduled runs (the due sweep with its gauges, the daily reconcile) and the operator's import, against one
 * harness for the whole file: its last test checks that nothing here ever scanned the table.
 */
describe('scheduled authorizer work', () => {
  const [due1, due2, revoked, needsReauth, later, lostMessage] = accountAppids(6, 's');
  let h: Harness;

  beforeAll(async () => {
    h = await startAuthorizerLifecycle({ accounts: accountAppids(6, 's') });
  });
  afterAll(async () => h?.close());

  /** DynamoDB requests per operation made by `work` (the file's totals are never reset: its last test reads them). */
  async function dynamoOperationsOf(work: () => Promise<unknown>): Promise<Record<string, number>> {
    const before = h.aws.dynamoStats().operations;
    await work();
    const after = h.aws.dynamoStats().operations;
    return Object.fromEntries(
      Object.entries(after)
        .map(([operation, count]) => [operation, count - (before[operation] ?? 0)] as const)
        .filter(([, count]) => count > 0),
    );
  }

  /** Records an authorization whose push was delivered but whose job message got lost (as after a DLQ purge). */
  async function codeWithLostMessage(authorizerAppid: string): Promise<string> {
    h.sim.setFaults({ pushes: { drop: 1 } });
    const { authorizationCode: code, infoType } = await h.sim.authorize({ authorizerAppid });
    h.sim.setFaults({});
    await h.stores.authorizationCodes.record({
      code,
      source: 'push',
      authorizerAppid,
      infoType,
      eventCreateTime: h.clock.nowSec,
      codeExpiresAtMs: h.clock.now() + 3_600_000,
    });
    return code;
  }

  describe('the due sweep and its gauges', () => {
    let lostCode: string;

    beforeAll(async () => {
      for (const appid of [due1!, due2!, revoked!, needsReauth!]) await authorizeAndExchange(h, appid);
      // A second later: a revocation in the authorization's own second would lose to it (equal CreateTimes).
      h.clock.advance(1_000);
      await h.sim.revokeAuthorization(revoked!);
      await advance(h, TOKEN_MS - MARGIN_MS - 1_000);
      h.sim.setFaults({ failNext: [{ api: 'api_authorizer_token', errcode: 61023, count: 1 }] });
      await refreshAuthorizerToken(h.workerDeps, { authorizerAppid: needsReauth!, reason: 'schedule' });
      h.sim.setFaults({});
      await authorizeAndExchange(h, later!);
      lostCode = await codeWithLostMessage(lostMessage!);
    });

    it('queues a refresh for each due authorizer and an exchange for each pending code, by Query only', async () => {
      const jobs = new FakeJobQueue();
      const { deps } = observedWorker(h);
      let outcome: Awaited<ReturnType<typeof scheduleDueWork>> | undefined;

      const operations = await dynamoOperationsOf(async () => {
        outcome = await scheduleDueWork({ ...deps, jobs });
      });

      expect(jobs.sent.map((job) => JSON.stringify(job)).sort()).toEqual(
        [
          { kind: 'refresh', authorizerAppid: due1 },
          { kind: 'refresh', authorizerAppid: due2 },
          { kind: 'exchange', codeSha256: sha256Hex(lostCode) },
        ]
          .map((job) => JSON.stringify(job))
          .sort(),
      );
      expect(outcome).toEqual({ refreshesQueued: 2, exchangesQueued: 1, pages: 1 });
      expect(operations).toEqual({ Query: 1 });
    });

    it('publishes the gauges: active, needs_reauth, valid tokens and the oldest due token, whatever else is due', async () => {
      const { deps, metrics } = observedWorker(h);
      let gauges: Awaited<ReturnType<typeof reportAuthorizerGauges>> | undefined;

      const operations = await dynamoOperationsOf(async () => {
        gauges = await reportAuthorizerGauges(deps);
      });

      // The due tokens were issued 1 h 45 min ago: 15 min left.
      expect(gauges).toEqual({ active: 3, revoked: 1, needsReauth: 1, tokensValid: 3, oldestDueRemainingSec: MARGIN_MS / 1000 });
      expect(metrics.sum('AuthorizersActive')).toBe(3);
      expect(metrics.sum('AuthorizersNeedingReauth')).toBe(1);
      expect(metrics.sum('OldestDueTokenRemainingSeconds')).toBe(MARGIN_MS / 1000);
      expect(Object.keys(operations)).toEqual(['Query']);
    });

    it('measures the oldest token by its expiry, not by a due time a backoff moved, nor by a code due earlier', async () => {
      const { deps } = observedWorker(h);
      h.sim.setFaults({ failNext: [{ api: 'api_authorizer_token', errcode: 45009, count: 2 }] });
      for (const appid of [due1!, due2!]) await refreshAuthorizerToken(deps, { authorizerAppid: appid, reason: 'schedule' });
      h.sim.setFaults({});
      await advance(h, 5 * MIN);

      const gauges = await reportAuthorizerGauges(deps);

      // Both back off for 30 min (the pending code is now the index's earliest entry), but their tokens expire in 10.
      expect(gauges.oldestDueRemainingSec).toBe(10 * 60);
    });

    it('lets the worker exchange the code whose message was lost, once the schedule queued it', async () => {
      await h.invokeWorker({ action: 'schedule' });
      await h.drainJobs();

      expect(codeStats(h, lostCode)).toEqual({ calls: 1, successes: 1 });
      expect(simVerdictOnRefreshToken(h, lostMessage!, await storedRefreshToken(h, lostMessage!))).toBe('current');
    });
  });

  describe('the daily reconcile', () => {
    it('reports accounts WeChat lists that are not authorized here, and the reverse, as metrics and a log line, writing nothing', async () => {
      const [unknownHere] = h.sim.addAuthorizedAccounts(1, { prefix: 'wxdrifthere' });
      // Revoked at WeChat, the unauthorized push lost: still authorized here.
      h.sim.setFaults({ pushes: { drop: 1 } });
      await h.sim.revokeAuthorization(due2!);
      h.sim.setFaults({});
      const { deps, metrics, logs } = observedWorker(h);
      let report: Awaited<ReturnType<typeof reconcileAuthorizers>> | undefined;

      const operations = await dynamoOperationsOf(async () => {
        report = await reconcileAuthorizers(deps, 'report');
      });

      // needs_reauth here, though WeChat still lists it: drift an operator should look at.
      const missingHere = [needsReauth!, unknownHere!].sort();
      expect(report).toMatchObject({ missingHere, missingThere: [due2], imported: 0 });
      expect(metrics.sum('AuthorizerDriftMissingHere')).toBe(2);
      expect(metrics.sum('AuthorizerDriftMissingThere')).toBe(1);
      expect(logs.withMessage('authorizers reconciled with WeChat')).toEqual([
        expect.objectContaining({ level: 'WARN', mode: 'report', missingHere, missingThere: [due2] }),
      ]);
      expect(Object.keys(operations)).toEqual(['Query']);
      expect(await h.stores.authorizers.get(unknownHere!)).toBeNull();
    });
  });

  describe('the operator import', () => {
    // Enough for two pages of the list; each import is a few dynalite writes, and the spread does not depend on the count.
    const IMPORTED = 600;
    let imported: string[];
    let importedAt: number;
    let listCalls: number;

    beforeAll(async () => {
      imported = h.sim.addAuthorizedAccounts(IMPORTED, { prefix: 'wximport' });
      const { deps } = observedWorker(h);
      const listBefore = apiCalls(h, 'api_get_authorizer_list');
      importedAt = h.clock.now();
      await reconcileAuthorizers(deps, 'import');
      listCalls = apiCalls(h, 'api_get_authorizer_list') - listBefore;
    }, 60_000);

    it('imports every listed refresh token, 500 a page, each one the simulator accepts', async () => {
      const sample = [imported[0]!, imported[494]!, imported[495]!, imported[IMPORTED - 1]!];

      // The accounts authorized before the import, plus the 600 new ones: two pages.
      expect(listCalls).toBe(2);
      for (const appid of sample) expect(simVerdictOnRefreshToken(h, appid, await storedRefreshToken(h, appid))).toBe('current');
    });

    it('spreads the first refresh of the imported tokens over the refresh margin instead of making them all due at once', async () => {
      const dueTimes = (await Promise.all(imported.map((appid) => h.stores.authorizers.get(appid)))).map((stored) => stored!.dueAtMs!);
      const perMinute = new Map<number, number>();
      for (const dueAtMs of dueTimes) {
        const minute = Math.floor((dueAtMs - importedAt) / MIN);
        perMinute.set(minute, (perMinute.get(minute) ?? 0) + 1);
      }

      expect(Math.min(...dueTimes)).toBeGreaterThanOrEqual(importedAt);
      expect(Math.max(...dueTimes)).toBeLessThan(importedAt + MARGIN_MS);
      expect(perMinute.size).toBe(MARGIN_MS / MIN);
      // Even: every minute of the margin takes its share (the accounts listed before these take a few slots too).
      expect(Math.max(...perMinute.values())).toBeLessThanOrEqual(Math.ceil((IMPORTED / (MARGIN_MS / MIN)) * 1.1));
    });

    it('never writes over a newer stored token: an account re-authorized here since keeps its own', async () => {
      const [account] = imported;
      await h.stores.authorizers.applyAuthorization({
        authorizerAppid: account!,
        eventCreateTime: h.clock.nowSec + 60,
        refreshToken: 'refreshtoken@@@a-newer-authorization-stored-here',
        funcInfo: [1],
      });
      const { deps } = observedWorker(h);

      const report = await reconcileAuthorizers(deps, 'import');

      expect(report.imported).toBe(0);
      expect(await storedRefreshToken(h, account!)).toBe('refreshtoken@@@a-newer-authorization-stored-here');
    });
  });

  it('never scanned the table, in any test of this file', () => {
    expect(h.aws.dynamoStats().operations.Scan ?? 0).toBe(0);
  });
});
