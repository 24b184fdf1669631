import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { isConditionalCheckFailed, storeUnavailable } from './store-errors';
import { DAY_SEC, preAuthCodeRatePk, SK } from './table-keys';

const MINUTE_MS = 60_000;

/**
 * What a counter counts, by its sort key: pre-auth codes the page creates, and authorization codes the callback is
 * asked to record (each legitimate one needs a pre-auth code first, so their rate is bounded by the first).
 */
const RATE_COUNTER_SK = { preAuthCodes: SK.preAuthCodes, callbacks: SK.callbacks } as const;

export type RateDecision = { allowed: true } | { allowed: false; retryAfterSec: number };

/**
 * At most `perMinute` per UTC minute for the whole component, however many pages are opened at once in however many
 * containers: a counter item per minute, incremented by a conditional UpdateItem that fails once the minute's
 * allowance is spent. A refused request writes nothing. The items expire after a day (ttl is only a cleanup aid: a
 * minute's item is never read again once the minute is over).
 */
export function createPreAuthCodeRate(input: {
  dynamo: DynamoDBDocumentClient;
  tableName: string;
  componentAppid: string;
  perMinute: number;
  now: () => number;
  /** @default 'preAuthCodes' */
  counter?: keyof typeof RATE_COUNTER_SK;
}) {
  const sk = RATE_COUNTER_SK[input.counter ?? 'preAuthCodes'];
  return {
    /** Counts one against the current minute; refused (with the seconds to the next minute) once the minute is full. */
    async take(): Promise<RateDecision> {
      const nowMs = input.now();
      try {
        await input.dynamo.send(
          new UpdateCommand({
            TableName: input.tableName,
            Key: { pk: preAuthCodeRatePk(input.componentAppid, nowMs), sk },
            UpdateExpression: 'SET #ttl = if_not_exists(#ttl, :ttl) ADD #count :one',
            ConditionExpression: 'attribute_not_exists(#count) OR #count < :limit',
            ExpressionAttributeNames: { '#count': 'count', '#ttl': 'ttl' },
            ExpressionAttributeValues: { ':one': 1, ':limit': input.perMinute, ':ttl': Math.floor(nowMs / 1000) + DAY_SEC },
          }),
        );
        return { allowed: true };
      } catch (err) {
        if (!isConditionalCheckFailed(err)) throw storeUnavailable(`UpdateItem ${sk} rate counter`, err);
        const nextMinuteMs = (Math.floor(nowMs / MINUTE_MS) + 1) * MINUTE_MS;
        return { allowed: false, retryAfterSec: Math.ceil((nextMinuteMs - nowMs) / 1000) };
      }
    },
  };
}

export type PreAuthCodeRate = ReturnType<typeof createPreAuthCodeRate>;
