/**
 * Push receiver latency, HTTP in → ticket stored → `success`, through the harness's gateway and the receiver as its
 * production factory wires it (dynalite and the KMS stand-in over HTTP). Its floor, measured interleaved in the same
 * run against the same servers: one bare conditional PutItem and one bare KMS Encrypt (the two calls a stored ticket
 * cannot avoid), each on its own raw SDK client.
 */
import { randomBytes } from 'node:crypto';
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { startHarness, TABLE_NAME, TEST_SECRETS } from '../test/support/harness';
import { newTicket, sendPush, signPush, ticketXml } from '../test/support/push-requests';
import { type LatencySummary, latencyCurve, summarizeLatency, timeRoundRobin } from './stats';

export interface ReceiverLatencyResult {
  pushes: number;
  receiverMs: LatencySummary;
  putItemMs: LatencySummary;
  kmsEncryptMs: LatencySummary;
  /** PutItem p99 + Encrypt p99: what the goal divides by. */
  floorP99Ms: number;
  receiverP99OverFloorP99: number;
  receiverP50OverFloorP50: number;
  /** Receiver latency at CURVE_QUANTILES, for the chart. */
  receiverCurveMs: number[];
}

const WARMUP_ROUNDS = 30;

export async function measureReceiverLatency(options: { pushes?: number } = {}): Promise<ReceiverLatencyResult> {
  const pushes = options.pushes ?? 200;
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  const h = await startHarness();
  const dynamo = new DynamoDBClient(h.aws.clientConfig('dynamodb'));
  const kms = new KMSClient(h.aws.clientConfig('kms'));
  try {
    let barePutCreateTime = 0;
    const calls = {
      receiver: async () => {
        // A second per push: each ticket is newer than the last, so every one is stored, never 'not-newer'.
        h.clock.advance(1000);
        const nowSec = Math.floor(h.clock.now() / 1000);
        const response = await sendPush(h.gateway.url, signPush(ticketXml(nowSec, newTicket()), nowSec));
        if (!response.acked) throw new Error(`the receiver answered ${response.status} to a genuine push`);
      },
      putItem: async () => {
        barePutCreateTime++;
        await dynamo.send(
          new PutItemCommand({
            TableName: TABLE_NAME,
            // The ticket item's shape and condition, on a key of its own; ~140 bytes is a KMS blob of a ticket.
            Item: {
              pk: { S: 'BENCH#ticket' },
              sk: { S: 'TICKET' },
              ticketCiphertext: { B: randomBytes(140) },
              createTime: { N: String(barePutCreateTime) },
              receivedAtMs: { N: String(Date.now()) },
            },
            ConditionExpression: 'attribute_not_exists(pk) OR createTime < :createTime',
            ExpressionAttributeValues: { ':createTime': { N: String(barePutCreateTime) } },
          }),
        );
      },
      kmsEncrypt: async () => {
        await kms.send(
          new EncryptCommand({
            KeyId: h.aws.kmsKeyId,
            Plaintext: Buffer.from(newTicket(), 'utf8'),
            EncryptionContext: { componentAppid: TEST_SECRETS.componentAppid, purpose: 'component_verify_ticket' },
          }),
        );
      },
    };
    await timeRoundRobin(WARMUP_ROUNDS, calls);
    const samples = await timeRoundRobin(pushes, calls);
    const receiverMs = summarizeLatency(samples.receiver);
    const putItemMs = summarizeLatency(samples.putItem);
    const kmsEncryptMs = summarizeLatency(samples.kmsEncrypt);
    const floorP99Ms = putItemMs.p99 + kmsEncryptMs.p99;
    return {
      pushes,
      receiverMs,
      putItemMs,
      kmsEncryptMs,
      floorP99Ms,
      receiverP99OverFloorP99: receiverMs.p99 / floorP99Ms,
      receiverP50OverFloorP50: receiverMs.p50 / (putItemMs.p50 + kmsEncryptMs.p50),
      receiverCurveMs: latencyCurve(samples.receiver),
    };
  } finally {
    dynamo.destroy();
    kms.destroy();
    await h.close();
  }
}
