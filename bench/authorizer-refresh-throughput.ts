/**
 * Authorizer refreshes per second on this machine, the way the service runs them: due authorizers queued by the sweep,
 * the worker on its SQS event source (batches of 10, five invocations at most), each refresh a lease, an
 * api_authorizer_token call to the simulator and the token write. Baselines in the same run, with as many requests in
 * flight: bare api_authorizer_token calls to the simulator, and bare pairs of conditional UpdateItems on the same items
 * (a refresh's two writes and nothing else). Rounds interleave the three, so drift on a shared machine hits all alike.
 */
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../shared/store/document-client';
import { authorizerPk, SK } from '../shared/store/table-keys';
import { DAY_TABLE_NAME, type DaySystem, startDaySystem } from './authorizer-day/day-system';
import { median } from './stats';

export interface AuthorizerRefreshThroughputOptions {
  /** Authorizers refreshed per round. @default 300 */
  authorizers?: number;
  /** @default 5 */
  rounds?: number;
}

export interface ThroughputSide {
  name: string;
  perSecRounds: number[];
  medianPerSec: number;
  /** Median over rounds of (refreshes/s) / (this side's per second); the refresh side reports 1. */
  refreshesOverThis: number;
}

export interface AuthorizerRefreshThroughputResult {
  authorizers: number;
  rounds: number;
  /** Requests in flight: the worker's concurrency times its batch size. */
  inFlight: number;
  /** `sides[0]` is the refresh. */
  sides: ThroughputSide[];
  /** What one refresh cost, counted in the same run. */
  perRefresh: { dynamoRequests: number; wechatCalls: number; kmsRequests: number };
}

const WORKER_CONCURRENCY = 5;
const BATCH_SIZE = 10;
const HOUR = 3_600_000;

export async function measureAuthorizerRefreshThroughput(
  options: AuthorizerRefreshThroughputOptions = {},
): Promise<AuthorizerRefreshThroughputResult> {
  const authorizers = options.authorizers ?? 300;
  const rounds = options.rounds ?? 5;
  const inFlight = WORKER_CONCURRENCY * BATCH_SIZE;
  // The functions' logs and metrics would flood the bench's tables; what they cost is the simulated day's business.
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  const system = await startDaySystem({ workerConcurrency: WORKER_CONCURRENCY });
  const dynamo = createDocumentClient(system.dynamoClient);
  try {
    const appids = system.sim.addAuthorizedAccounts(authorizers);
    await renewComponentToken(system);
    await system.invoke('authorizer-worker', { action: 'import' });
    const refreshTokens = await Promise.all(
      appids.map(async (appid) => {
        const item = await system.stores.authorizers.get(appid);
        return system.stores.authorizers.openRefreshToken(appid, item!.refreshToken!);
      }),
    );

    const refreshes = async () => {
      // Every token is due (two hours later); the component token is renewed first, untimed.
      system.clock.advance(2 * HOUR);
      await renewComponentToken(system);
      await system.invoke('authorizer-worker', { action: 'schedule' });
      const start = performance.now();
      while (system.jobs.status().visible > 0) {
        await Promise.all(Array.from({ length: WORKER_CONCURRENCY }, () => system.jobs.pollOnce()));
      }
      return authorizers / ((performance.now() - start) / 1000);
    };
    const bareCalls = async () => {
      const componentAccessToken = await currentComponentToken(system);
      const start = performance.now();
      await inParallel(authorizers, inFlight, (i) => bareAuthorizerTokenCall(system, componentAccessToken, appids[i]!, refreshTokens[i]!));
      return authorizers / ((performance.now() - start) / 1000);
    };
    const bareWrites = async () => {
      const start = performance.now();
      await inParallel(authorizers, inFlight, async (i) => {
        await bareConditionalUpdate(dynamo, system.componentAppid, appids[i]!);
        await bareConditionalUpdate(dynamo, system.componentAppid, appids[i]!);
      });
      return authorizers / ((performance.now() - start) / 1000);
    };

    // One untimed pass of each warms the JIT, the clients' connections and the worker containers.
    await refreshes();
    await bareCalls();
    await bareWrites();
    const before = { dynamo: system.aws.dynamoStats(), kms: system.aws.stats().kms, wechat: system.sim.stats().calls };
    const samples: number[][] = [[], [], []];
    const runs = [refreshes, bareCalls, bareWrites];
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? [0, 1, 2] : [2, 1, 0];
      for (const side of order) samples[side]!.push(await runs[side]!());
    }
    const after = { dynamo: system.aws.dynamoStats(), kms: system.aws.stats().kms, wechat: system.sim.stats().calls };
    const refreshed = rounds * authorizers;
    const kms = (stats: Record<string, number>) => (stats.Decrypt ?? 0) + (stats.GenerateDataKey ?? 0) + (stats.Encrypt ?? 0);
    // The bare sides' requests are subtracted: a bare call is one api_authorizer_token, a bare pair two UpdateItems.
    const dynamoRequests =
      Object.values(after.dynamo.operations).reduce((sum, count) => sum + count, 0) -
      Object.values(before.dynamo.operations).reduce((sum, count) => sum + count, 0) -
      2 * refreshed;
    const wechatCalls = (after.wechat.api_authorizer_token ?? 0) - (before.wechat.api_authorizer_token ?? 0) - refreshed;
    const names = [
      'refresh: sweep-queued job through the SQS event source to the worker',
      'baseline: bare api_authorizer_token call to the simulator',
      'baseline: two bare conditional UpdateItems on the same item',
    ];
    return {
      authorizers,
      rounds,
      inFlight,
      sides: names.map((name, side) => ({
        name,
        perSecRounds: samples[side]!,
        medianPerSec: median(samples[side]!),
        refreshesOverThis: median(samples[0]!.map((refreshRate, round) => refreshRate / samples[side]![round]!)),
      })),
      perRefresh: {
        dynamoRequests: dynamoRequests / refreshed,
        wechatCalls: wechatCalls / refreshed,
        kmsRequests: (kms(after.kms) - kms(before.kms)) / refreshed,
      },
    };
  } finally {
    dynamo.destroy();
    await system.close();
  }
}

/** A ticket push and a refresher run: the component token the worker's calls need. */
async function renewComponentToken(system: DaySystem): Promise<void> {
  await system.sim.pushTicketNow();
  await system.invoke('token-refresher', { action: 'refresh', reason: 'schedule' });
}

async function currentComponentToken(system: DaySystem): Promise<string> {
  const sealed = await system.stores.tokens.loadSealed();
  if (!sealed) throw new Error('no component token stored');
  return system.stores.tokens.open(sealed);
}

async function bareAuthorizerTokenCall(
  system: DaySystem,
  componentAccessToken: string,
  appid: string,
  refreshToken: string,
): Promise<void> {
  const response = await fetch(`${system.sim.url}/cgi-bin/component/api_authorizer_token?component_access_token=${componentAccessToken}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ component_appid: system.componentAppid, authorizer_appid: appid, authorizer_refresh_token: refreshToken }),
  });
  const answer = (await response.json()) as { authorizer_access_token?: string; errcode?: number };
  if (!answer.authorizer_access_token) throw new Error(`bare api_authorizer_token call failed: errcode ${answer.errcode}`);
}

async function bareConditionalUpdate(dynamo: DynamoDBDocumentClient, componentAppid: string, appid: string): Promise<void> {
  await dynamo.send(
    new UpdateCommand({
      TableName: DAY_TABLE_NAME,
      Key: { pk: authorizerPk(componentAppid, appid), sk: SK.authorizer },
      UpdateExpression: 'SET #touched = :now',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeNames: { '#touched': 'benchTouchedAtMs' },
      ExpressionAttributeValues: { ':now': Date.now() },
    }),
  );
}

/** Runs `task(0..count-1)` with at most `limit` in flight. */
async function inParallel(count: number, limit: number, task: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, count) }, async () => {
      while (next < count) await task(next++);
    }),
  );
}
