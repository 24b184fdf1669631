/**
 * Token-reader latency against the real local parts (dynalite and the KMS stand-in over HTTP, real SDK v3 clients):
 * cache hits, cache misses (consistent GetItem + KMS Decrypt), and a bare consistent GetItem as the baseline.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { createComponentStores } from '../shared/store/component-stores';
import { SK, tokenPk } from '../shared/store/table-keys';
import { createComponentTokenReader } from '../shared/token/component-token-reader';
import { withLocalAwsClients } from './local-aws-clients';
import { type LatencyCase, latencyCase, timeCall } from './stats';

export type { LatencyCase } from './stats';

/** Options of {@link measureTokenReaderLatency}. */
export interface TokenReaderLatencyOptions {
  /** Timed calls on one warm reader. @default 20000 */
  hitCalls?: number;
  /** Timed fresh-reader calls, interleaved with as many baseline GetItems. @default 400 */
  missCalls?: number;
}

/** What {@link measureTokenReaderLatency} returns; `cases[0]` is the baseline. */
export interface TokenReaderLatencyResult {
  /** KMS Decrypt calls the stand-in saw during the hit and miss runs: shows hits were hits and misses were misses. */
  kmsDecryptCalls: { hits: number; misses: number };
  cases: LatencyCase[];
}

const TABLE_NAME = 'wechat-component-bench';
const COMPONENT_APPID = 'wx0000000000000000';
const WARMUP_CALLS = 50;

/** Starts the local AWS parts, stores one token through the token store, measures, and stops everything. */
export async function measureTokenReaderLatency(options: TokenReaderLatencyOptions = {}): Promise<TokenReaderLatencyResult> {
  const hitCalls = options.hitCalls ?? 20_000;
  const missCalls = options.missCalls ?? 400;

  return withLocalAwsClients({ name: TABLE_NAME }, async ({ aws, dynamo, kms }) => {
    const stores = createComponentStores({
      dynamo,
      kms,
      tableName: TABLE_NAME,
      kmsKeyId: aws.kmsKeyId,
      componentAppid: COMPONENT_APPID,
      now: Date.now,
    });
    const nowMs = Date.now();
    // Valid for two hours, like a real component_access_token: no reader in this run ever needs a refresh.
    await stores.tokens.save({
      componentAccessToken: 'bench-component-access-token',
      expiresAtMs: nowMs + 7_200_000,
      fetchedAtMs: nowMs,
      expectedVersion: 0,
    });

    const newReader = () =>
      createComponentTokenReader({
        tokens: stores.tokens,
        requestRefresh: async () => {
          throw new Error('the bench token is valid for two hours: a refresh request means the bench is broken');
        },
      });
    const bareGetItem = async (): Promise<void> => {
      const out = await dynamo.send(
        new GetCommand({ TableName: TABLE_NAME, Key: { pk: tokenPk(COMPONENT_APPID), sk: SK.token }, ConsistentRead: true }),
      );
      if (!out.Item) throw new Error('baseline GetItem found no token item');
    };
    const freshReaderGet = async (): Promise<void> => {
      await newReader().getComponentAccessToken();
    };

    for (let i = 0; i < WARMUP_CALLS; i++) {
      await bareGetItem();
      await freshReaderGet();
    }

    // Baseline and misses alternate call by call (order swapped every other call), so drift hits both equally.
    const decryptsBeforeMisses = kmsDecrypts(aws.stats());
    const baselineNs: number[] = [];
    const missNs: number[] = [];
    for (let i = 0; i < missCalls; i++) {
      const pair: [number[], () => Promise<void>][] = [
        [baselineNs, bareGetItem],
        [missNs, freshReaderGet],
      ];
      if (i % 2 === 1) pair.reverse();
      for (const [samples, call] of pair) samples.push(await timeCall(call));
    }
    const missDecrypts = kmsDecrypts(aws.stats()) - decryptsBeforeMisses;

    const reader = newReader();
    await reader.getComponentAccessToken();
    const decryptsBeforeHits = kmsDecrypts(aws.stats());
    const hitNs: number[] = [];
    for (let i = 0; i < hitCalls; i++) hitNs.push(await timeCall(() => reader.getComponentAccessToken()));
    const hitDecrypts = kmsDecrypts(aws.stats()) - decryptsBeforeHits;

    const baseline = latencyCase('baseline: bare consistent GetItem (document client)', baselineNs);
    return {
      kmsDecryptCalls: { hits: hitDecrypts, misses: missDecrypts },
      cases: [
        baseline,
        latencyCase('cache miss: fresh reader (GetItem + KMS Decrypt)', missNs, baseline),
        latencyCase('cache hit: warm reader', hitNs, baseline),
      ],
    };
  });
}

function kmsDecrypts(stats: { kms: Record<string, number> }): number {
  return stats.kms.Decrypt ?? 0;
}
