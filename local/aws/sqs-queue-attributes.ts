import { sqsError } from './sqs-errors';
import { MAX_VISIBILITY_TIMEOUT_SEC, type SqsQueue, type SqsQueueSettings, type SqsRedrivePolicy } from './sqs-queue';

/** SQS's defaults for a new standard queue. */
export const DEFAULT_QUEUE_SETTINGS: SqsQueueSettings = {
  visibilityTimeoutSec: 30,
  messageRetentionPeriodSec: 345_600,
  delaySec: 0,
  maximumMessageBytes: 262_144,
  receiveMessageWaitTimeSec: 0,
};

type NumericSetting = Exclude<keyof SqsQueueSettings, 'redrivePolicy'>;

// Attribute name → setting and the range SQS accepts.
const NUMERIC_ATTRIBUTES: Readonly<Record<string, readonly [NumericSetting, number, number]>> = {
  VisibilityTimeout: ['visibilityTimeoutSec', 0, MAX_VISIBILITY_TIMEOUT_SEC],
  MessageRetentionPeriod: ['messageRetentionPeriodSec', 60, 1_209_600],
  DelaySeconds: ['delaySec', 0, 900],
  MaximumMessageSize: ['maximumMessageBytes', 1024, 262_144],
  ReceiveMessageWaitTimeSeconds: ['receiveMessageWaitTimeSec', 0, 20],
};

const COUNT_ATTRIBUTES = ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'];
const READ_ONLY_ATTRIBUTES = [...COUNT_ATTRIBUTES, 'QueueArn', 'CreatedTimestamp', 'LastModifiedTimestamp'];
const MAX_RECEIVE_COUNT_LIMIT = 1000;

/**
 * Parses CreateQueue's `Attributes` into the settings they name (absent ones stay absent, so a repeated CreateQueue
 * can be compared with the existing queue on exactly the attributes it gives).
 */
export function parseQueueAttributes(
  attributes: Readonly<Record<string, string>>,
  findQueueByArn: (arn: string) => SqsQueue | undefined,
): Partial<SqsQueueSettings> {
  const settings: Partial<Record<keyof SqsQueueSettings, unknown>> = {};
  for (const [name, value] of Object.entries(attributes)) {
    const numeric = NUMERIC_ATTRIBUTES[name];
    if (numeric !== undefined) {
      const [setting, min, max] = numeric;
      settings[setting] = parseIntegerAttribute(name, value, min, max);
    } else if (name === 'RedrivePolicy') {
      settings.redrivePolicy = parseRedrivePolicy(value, findQueueByArn);
    } else if (name === 'FifoQueue' || name === 'ContentBasedDeduplication') {
      throw sqsError('InvalidAttributeName', `FIFO queues are not supported by the local SQS stand-in (attribute ${name}).`);
    } else {
      throw sqsError('InvalidAttributeName', `Unknown or unsupported attribute ${name}.`);
    }
  }
  return settings as Partial<SqsQueueSettings>;
}

/** True when every setting given matches the queue's (CreateQueue of an existing name is idempotent only then). */
export function matchesSettings(queue: SqsQueue, given: Partial<SqsQueueSettings>): boolean {
  return Object.entries(given).every(
    ([key, value]) => JSON.stringify(queue.settings[key as keyof SqsQueueSettings]) === JSON.stringify(value),
  );
}

/** GetQueueAttributes' answer for `names` (`All` for every attribute the stand-in knows). */
export function renderQueueAttributes(queue: SqsQueue, names: readonly string[]): Record<string, string> {
  const known = [...Object.keys(NUMERIC_ATTRIBUTES), 'RedrivePolicy', ...READ_ONLY_ATTRIBUTES];
  const unknown = names.find((name) => name !== 'All' && !known.includes(name));
  if (unknown !== undefined) {
    throw sqsError('InvalidAttributeName', `Unknown Attribute ${unknown}.`);
  }
  const wanted = names.includes('All') ? known : names;
  const counts = wanted.some((name) => COUNT_ATTRIBUTES.includes(name)) ? queue.counts() : undefined;
  const all: Record<string, string | undefined> = {
    ApproximateNumberOfMessages: String(counts?.visible),
    ApproximateNumberOfMessagesNotVisible: String(counts?.notVisible),
    ApproximateNumberOfMessagesDelayed: String(counts?.delayed),
    QueueArn: queue.arn,
    CreatedTimestamp: String(Math.floor(queue.createdAtMs / 1000)),
    LastModifiedTimestamp: String(Math.floor(queue.createdAtMs / 1000)),
    RedrivePolicy: queue.settings.redrivePolicy === undefined ? undefined : JSON.stringify(queue.settings.redrivePolicy),
  };
  for (const [name, [setting]] of Object.entries(NUMERIC_ATTRIBUTES)) {
    all[name] = String(queue.settings[setting]);
  }
  const answer: Record<string, string> = {};
  for (const name of wanted) {
    const value = all[name];
    if (value !== undefined) {
      answer[name] = value;
    }
  }
  return answer;
}

function parseIntegerAttribute(name: string, value: string, min: number, max: number): number {
  const parsed = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!(parsed >= min && parsed <= max)) {
    throw sqsError('InvalidAttributeValue', `Invalid value for the parameter ${name}: must be an integer from ${min} to ${max}.`);
  }
  return parsed;
}

function parseRedrivePolicy(value: string, findQueueByArn: (arn: string) => SqsQueue | undefined): SqsRedrivePolicy {
  const invalid = (reason: string) => sqsError('InvalidAttributeValue', `Invalid value for the parameter RedrivePolicy. Reason: ${reason}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw invalid('Redrive policy is not a valid JSON map.');
  }
  const { deadLetterTargetArn, maxReceiveCount } = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Record<string, unknown>;
  if (typeof deadLetterTargetArn !== 'string' || findQueueByArn(deadLetterTargetArn) === undefined) {
    throw invalid('Dead-letter target does not exist.');
  }
  const count = typeof maxReceiveCount === 'string' && /^\d+$/.test(maxReceiveCount) ? Number(maxReceiveCount) : maxReceiveCount;
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > MAX_RECEIVE_COUNT_LIMIT) {
    throw invalid(`Invalid value for maxReceiveCount: must be an integer from 1 to ${MAX_RECEIVE_COUNT_LIMIT}.`);
  }
  return { deadLetterTargetArn, maxReceiveCount: count };
}
