/**
 * Token-reader latency against the real local parts (dynalite and the KMS stand-in over HTTP, real SDK v3 clients):
 * cache hits, cache misses (consistent GetItem + KMS Decrypt), and as the baseline the same two calls bare: a
 * consistent GetItem and a KMS Decrypt of the stored ciphertext on raw clients, timed together as one sample.
 */
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { DecryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { startLocalAws } from '../local/aws/local-aws';
import { createComponentStores } from '../shared/store/component-stores';
import { createDocumentClient } from '../shared/store/document-client';
import { SK, tokenPk } from '../shared/store/table-keys';
import { createComponentTokenReader } from '../shared/token/component-token-reader';
import { elapsedNs, type LatencyCase, type LatencySummary, latencyCase, summarizeLatency, timeCall } from './stats';

export type { LatencyCase } from './stats';

/** Options of {@link measureTokenReaderLatency}. */
export interface TokenReaderLatencyOptions {
  /** Timed calls on one warm reader. @default 10000 */
  hitCalls?: number;
  /** Timed fresh-reader calls, interleaved with as many bare GetItem + Decrypt pairs. @default 800 */
  missCalls?: number;
}

/** What {@link measureTokenReaderLatency} returns; `cases[0]` is the baseline. */
export interface TokenReaderLatencyResult {
  /** KMS Decrypt calls the stand-in saw during the hit and miss runs: shows hits were hits and misses were misses. */
  kmsDecryptCalls: { hits: number; misses: number };
  cases: LatencyCase[];
  /** The baseline's two calls on their own, µs (each timed inside the baseline sample). */
  baselineParts: { getItemUs: LatencySummary; kmsDecryptUs: LatencySummary };
}

const TABLE_NAME = 'wechat-component-bench';
const COMPONENT_APPID = 'wx0000000000000000';
const WARMUP_CALLS = 50;

/** Starts the local AWS parts, stores one token through the token store, measures, and stops everything. */
export async function measureTokenReaderLatency(options: TokenReaderLatencyOptions = {}): Promise<TokenReaderLatencyResult> {
  const hitCalls = options.hitCalls ?? 10_000;
  const missCalls = options.missCalls ?? 800;

  const aws = await startLocalAws();
  const dynamoClient = new DynamoDBClient(aws.clientConfig('dynamodb'));
  const kms = new KMSClient(aws.clientConfig('kms'));
  // The baseline's own clients, so neither side warms or queues behind the other's connections.
  const bareDynamo = new DynamoDBClient(aws.clientConfig('dynamodb'));
  const bareKms = new KMSClient(aws.clientConfig('kms'));
  try {
    await aws.createTable(TABLE_NAME);
    const dynamo = createDocumentClient(dynamoClient);
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
    const getItemNs: number[] = [];
    const decryptNs: number[] = [];
    const bareGetAndDecrypt = async (): Promise<void> => {
      const start = process.hrtime.bigint();
      const out = await bareDynamo.send(
        new GetItemCommand({
          TableName: TABLE_NAME,
          Key: { pk: { S: tokenPk(COMPONENT_APPID) }, sk: { S: SK.token } },
          ConsistentRead: true,
        }),
      );
      const blob = out.Item?.tokenCiphertext?.B;
      if (!blob) throw new Error('baseline GetItem found no token item');
      const got = process.hrtime.bigint();
      const plain = await bareKms.send(
        new DecryptCommand({
          KeyId: aws.kmsKeyId,
          CiphertextBlob: blob,
          EncryptionContext: { componentAppid: COMPONENT_APPID, purpose: 'component_access_token' },
        }),
      );
      if (!plain.Plaintext) throw new Error('baseline Decrypt returned no plaintext');
      getItemNs.push(Number(got - start));
      decryptNs.push(elapsedNs(got));
    };
    const freshReaderGet = async (): Promise<void> => {
      await newReader().getComponentAccessToken();
    };

    for (let i = 0; i < WARMUP_CALLS; i++) {
      await bareGetAndDecrypt();
      await freshReaderGet();
    }
    getItemNs.length = 0;
    decryptNs.length = 0;

    // Baseline and misses alternate call by call (order swapped every other call), so drift hits both equally.
    const decryptsBeforeMisses = kmsDecrypts(aws.stats());
    const baselineNs: number[] = [];
    const missNs: number[] = [];
    for (let i = 0; i < missCalls; i++) {
      const pair: [number[], () => Promise<void>][] = [
        [baselineNs, bareGetAndDecrypt],
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

    const baseline = latencyCase('baseline: bare consistent GetItem + bare KMS Decrypt (raw clients)', baselineNs);
    return {
      kmsDecryptCalls: { hits: hitDecrypts, misses: missDecrypts },
      cases: [
        baseline,
        latencyCase('cache miss: fresh reader (GetItem + KMS Decrypt)', missNs, baseline),
        latencyCase('cache hit: warm reader', hitNs, baseline),
      ],
      baselineParts: { getItemUs: summarizeLatency(getItemNs.map(toUs)), kmsDecryptUs: summarizeLatency(decryptNs.map(toUs)) },
    };
  } finally {
    dynamoClient.destroy();
    kms.destroy();
    bareDynamo.destroy();
    bareKms.destroy();
    await aws.close();
  }
}

const toUs = (ns: number): number => ns / 1000;

function kmsDecrypts(stats: { kms: Record<string, number> }): number {
  return stats.kms.Decrypt ?? 0;
}
