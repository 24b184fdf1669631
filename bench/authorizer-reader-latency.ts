/**
 * The authorizer token reader's latency against the real local parts (dynalite and the KMS stand-in over HTTP, real
 * SDK v3 clients), as ratios of a bare consistent GetItem of the same item with the same client: a cache hit; a miss
 * in a warm container (the reader does not hold that authorizer's token, but the data key that sealed it is open: one
 * GetItem and AES-GCM); a miss in a cold container (a new reader: GetItem and a KMS Decrypt of the data key).
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { SERVICE_TABLE } from '../local/runtime/service-table';
import { createAuthorizerStore } from '../shared/store/authorizer-store';
import { authorizerPk, SK } from '../shared/store/table-keys';
import { createTokenEnvelopeSealer } from '../shared/store/token-envelopes';
import { createAuthorizerTokenReader } from '../shared/token/authorizer-token-reader';
import { withLocalAwsClients } from './local-aws-clients';
import { type LatencyCase, latencyCase, timeCall } from './stats';

export interface AuthorizerReaderLatencyOptions {
  /** Authorizers stored; the warm-miss reader cycles through them holding fewer than that (100). @default 300 */
  authorizers?: number;
  /** Timed hits on one warm reader. @default 20000 */
  hitCalls?: number;
  /** Timed misses of each kind, interleaved with as many baseline GetItems. @default 400 */
  missCalls?: number;
}

export interface AuthorizerReaderLatencyResult {
  /** KMS Decrypt calls seen during each case: hits and warm misses must need none, cold misses one each. */
  kmsDecryptCalls: { hits: number; warmMisses: number; coldMisses: number };
  /** GetItems seen during each case: one per miss (a miss that reads nothing was a hit), none for hits. */
  getItemCalls: { hits: number; warmMisses: number; coldMisses: number };
  /** `cases[0]` is the baseline. */
  cases: LatencyCase[];
}

const TABLE_NAME = 'wechat-component-bench-authorizers';
const COMPONENT_APPID = 'wx0000000000000000';
const WARMUP_CALLS = 50;

export async function measureAuthorizerReaderLatency(options: AuthorizerReaderLatencyOptions = {}): Promise<AuthorizerReaderLatencyResult> {
  const authorizers = options.authorizers ?? 300;
  const hitCalls = options.hitCalls ?? 20_000;
  const missCalls = options.missCalls ?? 400;
  return withLocalAwsClients({ name: TABLE_NAME, spec: SERVICE_TABLE }, async ({ aws, dynamo, kms }) => {
    // A store as a reader container builds it: its own data-key cache, the same clients and table.
    const newStore = () =>
      createAuthorizerStore({
        dynamo,
        tableName: TABLE_NAME,
        componentAppid: COMPONENT_APPID,
        envelopes: createTokenEnvelopeSealer({ kms, keyId: aws.kmsKeyId, componentAppid: COMPONENT_APPID, now: Date.now }),
        now: Date.now,
        refreshMarginMs: 900_000,
        leaseMs: 60_000,
      });
    const writer = newStore();
    const appids = Array.from({ length: authorizers }, (_, i) => `wxb${String(i).padStart(15, '0')}`);
    for (const [i, authorizerAppid] of appids.entries()) {
      await writer.applyAuthorization({
        authorizerAppid,
        eventCreateTime: 1,
        refreshToken: `refreshtoken@@@bench-${i}`,
        // Valid for two hours, like a real authorizer_access_token: no reader in this run ever asks for a refresh.
        accessToken: { token: `bench-authorizer-access-token-${i}`, expiresInSec: 7200, fetchedAtMs: Date.now() },
        funcInfo: [1, 2, 3],
      });
    }
    const newReader = () =>
      createAuthorizerTokenReader({
        authorizers: newStore(),
        requestRefresh: async () => {
          throw new Error('the bench tokens are valid for two hours: a refresh request means the bench is broken');
        },
        maxCachedAuthorizers: 100,
      });
    // Each case walks all the authorizers in turn: the warm reader, holding 100 of them, never holds the next one.
    const walk = () => {
      let next = 0;
      return () => appids[next++ % appids.length]!;
    };
    const [baselineAppid, warmAppid, coldAppid] = [walk(), walk(), walk()];
    const bareGetItem = async (): Promise<void> => {
      const out = await dynamo.send(
        new GetCommand({
          TableName: TABLE_NAME,
          Key: { pk: authorizerPk(COMPONENT_APPID, baselineAppid()), sk: SK.authorizer },
          ConsistentRead: true,
        }),
      );
      if (!out.Item) throw new Error('baseline GetItem found no authorizer item');
    };
    const warm = newReader();
    const warmMiss = async (): Promise<void> => {
      await warm.getAuthorizerAccessToken(warmAppid());
    };
    const coldMiss = async (): Promise<void> => {
      await newReader().getAuthorizerAccessToken(coldAppid());
    };
    for (let i = 0; i < WARMUP_CALLS; i++) {
      await bareGetItem();
      await warmMiss();
      await coldMiss();
    }

    const decrypts = () => aws.stats().kms.Decrypt ?? 0;
    const getItems = () => aws.dynamoStats().byOperation.GetItem?.count ?? 0;
    // Baseline and each miss kind alternate call by call, the order turned every call, so drift hits all alike.
    const samples = { baseline: [] as number[], warm: [] as number[], cold: [] as number[] };
    const kmsDecryptCalls = { hits: 0, warmMisses: 0, coldMisses: 0 };
    const getItemCalls = { hits: 0, warmMisses: 0, coldMisses: 0 };
    for (let i = 0; i < missCalls; i++) {
      const steps: Array<[number[], () => Promise<void>, keyof typeof kmsDecryptCalls | null]> = [
        [samples.baseline, bareGetItem, null],
        [samples.warm, warmMiss, 'warmMisses'],
        [samples.cold, coldMiss, 'coldMisses'],
      ];
      if (i % 2 === 1) steps.reverse();
      for (const [into, call, kmsCase] of steps) {
        const before = { decrypts: decrypts(), getItems: getItems() };
        into.push(await timeCall(call));
        if (kmsCase) {
          kmsDecryptCalls[kmsCase] += decrypts() - before.decrypts;
          getItemCalls[kmsCase] += getItems() - before.getItems;
        }
      }
    }
    const hitAppid = appids[0]!;
    const hitReader = newReader();
    await hitReader.getAuthorizerAccessToken(hitAppid);
    const hits: number[] = [];
    const beforeHits = { decrypts: decrypts(), getItems: getItems() };
    for (let i = 0; i < hitCalls; i++) hits.push(await timeCall(() => hitReader.getAuthorizerAccessToken(hitAppid)));
    kmsDecryptCalls.hits = decrypts() - beforeHits.decrypts;
    getItemCalls.hits = getItems() - beforeHits.getItems;

    const baseline = latencyCase('baseline: bare consistent GetItem of an authorizer item (same client, same table)', samples.baseline);
    return {
      kmsDecryptCalls,
      getItemCalls,
      cases: [
        baseline,
        latencyCase('cache miss, cold container: GetItem + KMS Decrypt of the data key', samples.cold, baseline),
        latencyCase('cache miss, warm container: GetItem, data key already open', samples.warm, baseline),
        latencyCase('cache hit', hits, baseline),
      ],
    };
  });
}
