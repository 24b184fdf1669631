import type { SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeAuthorizerWorkerHandler } from '../../functions/authorizer-worker/app';
import type { SqsEventSource } from '../../local/aws/local-aws';
import { parseAuthorizerJob } from '../../shared/authorizer/authorizer-jobs';
import { sha256Hex } from '../../shared/crypto/digests';
import {
  advance,
  codeStats,
  simVerdictOnRefreshToken,
  startAuthorizerLifecycle,
  storedRefreshToken,
} from '../support/authorizer-lifecycle';
import type { CrashMode, CrashPlan } from '../support/crash-points';
import type { Harness } from '../support/harness';
import { runWithKill } from '../support/worker-kills';
import { accountAppids } from './authorization-system';

const MIN = 60_000;
const TOKEN_MS = 7_200_000;
const MARGIN_MS = 15 * MIN;
const ACCOUNTS = accountAppids(16, 'k');
/** Alternating rounds of exchanges (every account first, then half of them) and refreshes (every account). */
const ROUNDS = 8;
/** A registered function on the jobs queue that runs the worker under a crash plan, one job per invocation. */
const KILLABLE_WORKER = 'authorizer-worker-killable';

type JobKind = 'exchange' | 'refresh';

/**
 * Walks every await point of a kind of job in both modes: kill at point 1, 2, ... until a run finishes without
 * reaching its point (the path is shorter), then again in the other mode.
 */
class KillPlans {
  at = 1;
  mode: CrashMode = 'after';
  cycles = 0;

  next(): CrashPlan {
    return { at: this.at, mode: this.mode };
  }

  finished(killed: boolean): void {
    if (killed) {
      this.at += 1;
      return;
    }
    this.at = 1;
    if (this.mode === 'before') this.cycles += 1;
    this.mode = this.mode === 'after' ? 'before' : 'after';
  }
}

/** A small seeded generator (mulberry32), so a failing run can be replayed exactly. */
function seededRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * The acceptance test of the authorizer worker's crash safety. Jobs arrive as in production (the push queues each
 * exchange, the schedule queues the due refreshes) and each one's first delivery runs the real worker under a crash
 * plan that kills it at one await point: before a store or WeChat call (it never happened) or after it (it happened,
 * and the worker never learned the answer). A killed invocation fails as a Lambda timeout does: its message comes back
 * after the visibility timeout, when it is killed once more at another point, and then the system recovers as AWS
 * would: SQS redelivers, leases expire on the fake clock, the schedule re-drives what is due.
 */
describe('the authorizer worker killed at every await point', () => {
  const random = seededRandom(9);
  const firstKills: Record<JobKind, KillPlans> = { exchange: new KillPlans(), refresh: new KillPlans() };
  const secondKills: Record<JobKind, KillPlans> = { exchange: new KillPlans(), refresh: new KillPlans() };
  const killedAt = new Set<string>();
  const codes: string[] = [];
  let plans = firstKills;
  let kills = 0;
  let h: Harness;
  let killable: SqsEventSource;

  beforeAll(async () => {
    // WeChat answers every refresh with a new refresh token (the previous one works until the new one is used): the
    // harshest case for a lost answer, which the documented WeChat, never rotating, only makes easier.
    h = await startAuthorizerLifecycle({ accounts: ACCOUNTS, sim: { rotateRefreshTokenEvery: 1 } });
    h.aws.registerFunction(KILLABLE_WORKER, async (event: SQSEvent, context) => {
      const job = parseAuthorizerJob(event.Records[0]!.body)!;
      const kind = job.kind;
      const plan = plans[kind].next();
      const run = await runWithKill(h.workerDeps, plan, (deps) => makeAuthorizerWorkerHandler(deps)(event, context));
      plans[kind].finished(run.killed);
      if (!run.killed) return run.result;
      kills += 1;
      killedAt.add(`${kind} ${plan.mode} ${run.probe.trail.at(-1)}`);
      throw new Error(`killed ${plan.mode} await point ${plan.at}`);
    });
    killable = h.aws.addSqsEventSource({
      queue: 'authorizer-jobs',
      functionName: KILLABLE_WORKER,
      batchSize: 1,
      maxConcurrency: 2,
      reportBatchItemFailures: true,
    });

    for (let round = 0; round < ROUNDS; round++) {
      if (round % 2 === 1) await makeEveryoneDue();
      else await authorize(round === 0 ? ACCOUNTS : pickHalf());
      await killEachVisibleJob(firstKills);
      // The killed messages come back after their visibility timeout; each is killed once more.
      await advance(h, 360_000);
      await killEachVisibleJob(secondKills);
      await recover();
    }
  }, 120_000);
  afterAll(async () => h?.close());

  /** Half the accounts, picked at random. */
  function pickHalf(): string[] {
    return [...ACCOUNTS].sort(() => random() - 0.5).slice(0, ACCOUNTS.length / 2);
  }

  /** The accounts authorize (again): each push queues one exchange job. */
  async function authorize(appids: string[]): Promise<void> {
    for (const authorizerAppid of appids) {
      const { authorizationCode, push } = await h.sim.authorize({ authorizerAppid });
      expect(push.acked).toBe(true);
      codes.push(authorizationCode);
    }
  }

  /** Moves the clock until every token is due, and lets the schedule queue the refreshes. */
  async function makeEveryoneDue(): Promise<void> {
    await advance(h, TOKEN_MS - MARGIN_MS);
    await h.invokeWorker({ action: 'schedule' });
  }

  /** Runs each visible job once through the killable worker, which kills it at the next point of `using`. */
  async function killEachVisibleJob(using: Record<JobKind, KillPlans>): Promise<void> {
    plans = using;
    while (await killable.pollOnce()) {
      // One job per invocation; a killed one stays hidden until its visibility timeout.
    }
  }

  /** Redeliveries, expired leases and scheduled runs, until nothing is due and the queue is empty. */
  async function recover(): Promise<void> {
    for (let pass = 0; pass < 10; pass++) {
      await h.jobs.drain({ advanceClock: (ms) => advance(h, ms) });
      await advance(h, MIN);
      await h.invokeWorker({ action: 'schedule' });
      await h.drainJobs();
      const due = await h.stores.dueWork.page({ nowMs: h.clock.now() + MIN });
      if (due.work.length === 0 && h.jobs.isIdle()) return;
    }
    throw new Error('the system did not settle after the kills');
  }

  it('killed the worker at least 100 times, at every await point of an exchange and of a refresh, in both modes', () => {
    for (const point of [
      'codes.claim',
      'api.queryAuth',
      'authorizers.applyAuthorization',
      'codes.finish',
      'api.getAuthorizerInfo',
      'authorizers.setProfile',
    ])
      for (const mode of ['before', 'after']) expect(killedAt).toContain(`exchange ${mode} ${point}`);
    for (const point of [
      'authorizers.acquireLease',
      'authorizers.openRefreshToken',
      'api.refreshAuthorizerToken',
      'authorizers.storeRefresh',
    ])
      for (const mode of ['before', 'after']) expect(killedAt).toContain(`refresh ${mode} ${point}`);
    expect(firstKills.exchange.cycles + firstKills.refresh.cycles).toBeGreaterThanOrEqual(2);
    expect(kills, `${kills} kills`).toBeGreaterThanOrEqual(100);
  });

  it('left no authorizer needs_reauth or revoked', async () => {
    expect(await h.stores.authorizers.countByStatus()).toEqual({ authorized: ACCOUNTS.length, revoked: 0, needs_reauth: 0 });
  });

  it("lost no refresh token: each authorizer's stored one opens and is the one WeChat takes now", async () => {
    const verdicts = await Promise.all(
      ACCOUNTS.map(async (appid) => [appid, simVerdictOnRefreshToken(h, appid, await storedRefreshToken(h, appid))]),
    );

    expect(Object.fromEntries(verdicts)).toEqual(Object.fromEntries(ACCOUNTS.map((appid) => [appid, 'current'])));
  });

  it("serves a valid access token for every authorizer, and WeChat's next refresh with the stored refresh token works", async () => {
    for (const appid of ACCOUNTS) {
      const stored = (await h.stores.authorizers.get(appid))!;
      expect(h.sim.checkAuthorizerAccessToken(appid, await h.stores.authorizers.openAccessToken(appid, stored.accessToken!)), appid).toBe(
        'ok',
      );
    }
    await makeEveryoneDue();
    await h.drainJobs();

    expect(await h.stores.authorizers.countByStatus()).toMatchObject({ authorized: ACCOUNTS.length, needs_reauth: 0 });
  });

  it('exchanged each authorization code successfully exactly once', async () => {
    const stats = codes.map((code) => codeStats(h, code).successes);
    const items = await Promise.all(codes.map((code) => h.stores.authorizationCodes.get(sha256Hex(code))));

    expect(codes.length).toBe(ACCOUNTS.length + (ROUNDS / 2 - 1) * (ACCOUNTS.length / 2));
    expect(stats).toEqual(codes.map(() => 1));
    expect(items.map((item) => item?.status)).toEqual(codes.map(() => 'exchanged'));
  });

  it('never scanned the table, through all the kills and recoveries', () => {
    expect(h.aws.dynamoStats().operations.Scan ?? 0).toBe(0);
  });
});
