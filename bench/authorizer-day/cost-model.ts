/**
 * The monthly AWS cost of keeping authorizer tokens, computed from what a simulated day measured: DynamoDB request
 * units (table and index writes, reads), KMS, SQS and Lambda requests, Lambda GB-seconds, CloudWatch Logs bytes and
 * custom metrics. Prices are AWS's public list prices, constants below; durations are a stated model, since no AWS
 * Lambda ran.
 */
import { type Counters, type Phase, sumCounters } from './day-counters';

/** AWS public list prices, us-east-1 (N. Virginia), on-demand, without free tiers. */
export const PRICES = {
  region: 'us-east-1',
  /** When these list prices were read; check https://aws.amazon.com/<service>/pricing/ before relying on them. */
  asOf: 'June 2025',
  lambdaRequestsPerMillion: 0.2,
  /** Arm (Graviton), first tier; the construct's functions run on ARM_64. */
  lambdaArmPerGbSecond: 0.0000133334,
  sqsStandardRequestsPerMillion: 0.4,
  dynamoWriteRequestUnitsPerMillion: 0.625,
  dynamoReadRequestUnitsPerMillion: 0.125,
  dynamoStoragePerGbMonth: 0.25,
  kmsRequestsPerMillion: 3,
  kmsKeyPerMonth: 1,
  cloudWatchMetricPerMonth: 0.3,
  cloudWatchLogsIngestionPerGb: 0.5,
  /** HTTP API, first 300 million a month: WeChat's pushes reach the push receiver through it. */
  apiGatewayHttpRequestsPerMillion: 1,
} as const;

/** How long invocations last in AWS: a model (stated in the report), since the simulated day runs no Lambda. */
export const DURATION_MODEL = {
  memoryMb: 256,
  /** A worker invocation: its jobs (up to 10) run side by side, each one WeChat round trip and two DynamoDB writes. */
  jobBatchMs: 400,
  /** Any other invocation: this much, plus each request it makes one after the other. */
  invocationOverheadMs: 20,
  awsRequestMs: 10,
  wechatCallMs: 150,
} as const;

/**
 * Lambda's SQS pollers long-poll (20 s) even when the queue is empty, five at least: requests SQS bills whatever the
 * traffic (AWS Lambda developer guide, "Using Lambda with Amazon SQS": scaling and polling).
 */
export const SQS_IDLE_RECEIVES_PER_DAY = (5 * 86_400) / 20;

const DAYS_PER_MONTH = 30;

/** One line of the bill: what is counted per month, and what it costs. */
export interface CostLine {
  item: string;
  quantityPerMonth: number;
  unit: string;
  usdPerMonth: number;
  /** Where the quantity comes from. */
  basis: string;
}

export interface CostModelInput {
  /** Authorizers the day ran with. */
  authorizers: number;
  /** What each phase of the day made the local parts do (day-counters.ts). */
  phases: Record<Phase, Counters>;
  /** Distinct custom metrics the functions published. */
  customMetrics: number;
  /** Table storage at the end of the day. */
  storageBytes: number;
}

export interface CostModel {
  prices: typeof PRICES;
  durationModel: typeof DURATION_MODEL;
  /** The authorizer count the figures are scaled to. */
  perAuthorizers: number;
  lines: CostLine[];
  totalUsdPerMonth: number;
}

/** How the day's phases are billed: the service's own work, the readers' (other Lambdas), the component token's. */
const PARTS: ReadonlyArray<{ name: string; phases: readonly Phase[]; scalesWithAuthorizers: boolean }> = [
  { name: 'service', phases: ['sweep', 'worker', 'authorizations', 'reconcile'], scalesWithAuthorizers: true },
  { name: 'readers', phases: ['readers'], scalesWithAuthorizers: true },
  { name: 'component token upkeep', phases: ['component'], scalesWithAuthorizers: false },
];

/**
 * Scales the day's counts to `perAuthorizers` authorizers and a 30-day month. The service's and the readers' counts
 * scale linearly with the authorizers; the component token's upkeep, the SQS pollers' idle receives, the custom
 * metrics and the KMS key do not.
 */
export function costPerMonth(input: CostModelInput, perAuthorizers = 10_000): CostModel {
  const perAuthorizerScale = (perAuthorizers / input.authorizers) * DAYS_PER_MONTH;
  const lines: CostLine[] = [];
  const add = (item: string, quantityPerMonth: number, unit: string, pricePerUnit: number, basis: string) => {
    if (quantityPerMonth > 0) lines.push({ item, quantityPerMonth, unit, usdPerMonth: quantityPerMonth * pricePerUnit, basis });
  };
  const million = 1_000_000;

  for (const part of PARTS) {
    const scale = part.scalesWithAuthorizers ? perAuthorizerScale : DAYS_PER_MONTH;
    const counters = sumCounters(part.phases.map((phase) => input.phases[phase]));
    const get = (key: string) => (counters[key] ?? 0) * scale;
    const wru = get('dynamoUnits.write') + get('dynamoUnits.indexWrite') + conditionalFailureUnits(counters) * scale;
    // DynamoDB bills at least half a read unit for every Query, also one that reads nothing (dynalite reports 0).
    const rru = get('dynamoUnits.read') + 0.5 * get('dynamo.Query');
    add(
      `DynamoDB writes (${part.name})`,
      wru,
      'WRU',
      PRICES.dynamoWriteRequestUnitsPerMillion / million,
      'table and index write units, failed conditions',
    );
    add(
      `DynamoDB reads (${part.name})`,
      rru,
      'RRU',
      PRICES.dynamoReadRequestUnitsPerMillion / million,
      'read units; 0.5 per Query at least',
    );
    const kms = get('kms.Decrypt') + get('kms.GenerateDataKey') + get('kms.Encrypt');
    add(`KMS requests (${part.name})`, kms, 'requests', PRICES.kmsRequestsPerMillion / million, 'Decrypt, GenerateDataKey, Encrypt');
    add(
      `Lambda requests (${part.name})`,
      get('lambda.sqsTriggered') + get('lambda.Invoke') + get('lambda.pushes'),
      'requests',
      PRICES.lambdaRequestsPerMillion / million,
      'SQS-triggered, invoked, push route',
    );
    const durationMs = part.phases.reduce((sum, phase) => sum + modelledDurationMs(phase, input.phases[phase]), 0);
    add(
      `Lambda duration (${part.name})`,
      (durationMs / 1000) * (DURATION_MODEL.memoryMb / 1024) * scale,
      'GB-s',
      PRICES.lambdaArmPerGbSecond,
      'duration model (see below)',
    );
    // Each invocation of the event source is one ReceiveMessage and one DeleteMessageBatch of its pollers.
    const sqs = get('sqs.SendMessageBatch') + get('sqs.SendMessage') + 2 * get('lambda.sqsTriggered');
    add(
      `SQS requests (${part.name})`,
      sqs,
      'requests',
      PRICES.sqsStandardRequestsPerMillion / million,
      'sends; a receive and a delete per invocation',
    );
    add(
      `CloudWatch Logs (${part.name})`,
      get('logs.bytes') / 1024 ** 3,
      'GB',
      PRICES.cloudWatchLogsIngestionPerGb,
      'log lines and metric documents written (INFO level)',
    );
    add(
      `API Gateway requests (${part.name})`,
      get('lambda.pushes'),
      'requests',
      PRICES.apiGatewayHttpRequestsPerMillion / million,
      'WeChat pushes',
    );
  }
  add(
    'SQS idle long polls (event source)',
    SQS_IDLE_RECEIVES_PER_DAY * DAYS_PER_MONTH,
    'requests',
    PRICES.sqsStandardRequestsPerMillion / million,
    'five pollers, one 20 s long poll each at a time',
  );
  add(
    'DynamoDB storage',
    (input.storageBytes * perAuthorizers) / input.authorizers / 1024 ** 3,
    'GB-month',
    PRICES.dynamoStoragePerGbMonth,
    'items at the end of the day',
  );
  add('CloudWatch custom metrics', input.customMetrics, 'metrics', PRICES.cloudWatchMetricPerMonth, 'distinct EMF metrics published');
  add('KMS key', 1, 'key', PRICES.kmsKeyPerMonth, "the component's customer-managed key, shared with its other data");
  return {
    prices: PRICES,
    durationModel: DURATION_MODEL,
    perAuthorizers,
    lines,
    totalUsdPerMonth: lines.reduce((sum, line) => sum + line.usdPerMonth, 0),
  };
}

/**
 * Failed conditional writes are billed (DynamoDB charges at least one write unit, by the existing item's size) but
 * reported without units: each is charged what a successful write of its kind cost on average.
 */
function conditionalFailureUnits(counters: Counters): number {
  let units = 0;
  for (const operation of ['UpdateItem', 'PutItem', 'DeleteItem']) {
    const failed = counters[`dynamo.${operation}.conditionalCheckFailed`] ?? 0;
    if (failed === 0) continue;
    const succeeded = (counters[`dynamo.${operation}`] ?? 0) - failed;
    units += failed * (succeeded > 0 ? Math.max(1, Math.ceil((counters[`dynamo.${operation}.writeUnits`] ?? 0) / succeeded)) : 1);
  }
  return units;
}

/**
 * A phase's invocation time by the duration model: job batches at their modelled length; a reader's refresh request
 * as one refresh; anything else as its requests one after the other.
 */
function modelledDurationMs(phase: Phase, counters: Counters): number {
  const { invocationOverheadMs, awsRequestMs, wechatCallMs, jobBatchMs } = DURATION_MODEL;
  const jobBatches = counters['lambda.sqsTriggered'] ?? 0;
  const invocations = (counters['lambda.Invoke'] ?? 0) + (counters['lambda.pushes'] ?? 0);
  if (phase === 'worker') return jobBatches * jobBatchMs;
  // The readers' own reads run in other Lambdas: only their refresh requests run the worker.
  if (phase === 'readers') return invocations * (invocationOverheadMs + 2 * awsRequestMs + wechatCallMs);
  const sum = (pattern: RegExp) =>
    Object.entries(counters)
      .filter(([key]) => pattern.test(key))
      .reduce((total, [, value]) => total + value, 0);
  return (
    invocations * invocationOverheadMs +
    sum(/^(dynamo|kms|sqs|secretsManager)\.[A-Za-z]+$/) * awsRequestMs +
    sum(/^wechat\./) * wechatCallMs
  );
}
