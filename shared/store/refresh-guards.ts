import { DeleteCommand, type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { isConditionalCheckFailed, storeUnavailable } from './store-errors';
import { refreshPk, SK, ttlAfterDays } from './table-keys';

/**
 * Why the refresher must not call api_component_token again yet. Written after an answer that another call
 * cannot fix (quota, configuration), so that readers asking again and again do not turn into a loop of calls.
 */
export interface RefreshBackoff {
  errcode: number;
  untilMs: number;
  /** For 61005/61006: the ticket WeChat refused; a newer ticket lifts the backoff early. */
  rejectedTicketCreateTime?: number;
}

export function createRefreshGuards(input: {
  dynamo: DynamoDBDocumentClient;
  tableName: string;
  componentAppid: string;
  now: () => number;
}) {
  const pk = refreshPk(input.componentAppid);
  const backoffKey = { pk, sk: SK.refreshBackoff };
  return {
    /**
     * Claims the right to call api_start_push_ticket; false when someone called it less than `minIntervalMs` ago.
     * A conditional write, so concurrent refreshers cannot both win.
     */
    async claimStartPushTicket(minIntervalMs: number): Promise<boolean> {
      const nowMs = input.now();
      try {
        await input.dynamo.send(
          new PutCommand({
            TableName: input.tableName,
            Item: { pk, sk: SK.startPushTicket, lastCalledAtMs: nowMs },
            ConditionExpression: 'attribute_not_exists(pk) OR lastCalledAtMs <= :cutoff',
            ExpressionAttributeValues: { ':cutoff': nowMs - minIntervalMs },
          }),
        );
        return true;
      } catch (err) {
        if (isConditionalCheckFailed(err)) return false;
        throw storeUnavailable('PutItem start_push_ticket throttle', err);
      }
    },

    async loadBackoff(): Promise<RefreshBackoff | null> {
      try {
        const item = (await input.dynamo.send(new GetCommand({ TableName: input.tableName, Key: backoffKey, ConsistentRead: true }))).Item;
        if (!item || Number(item.untilMs) <= input.now()) return null;
        const backoff: RefreshBackoff = { errcode: Number(item.errcode), untilMs: Number(item.untilMs) };
        if (item.rejectedTicketCreateTime !== undefined) backoff.rejectedTicketCreateTime = Number(item.rejectedTicketCreateTime);
        return backoff;
      } catch (err) {
        throw storeUnavailable('GetItem refresh backoff', err);
      }
    },

    async setBackoff(backoff: RefreshBackoff): Promise<void> {
      try {
        await input.dynamo.send(
          new PutCommand({ TableName: input.tableName, Item: { ...backoffKey, ...backoff, ttl: ttlAfterDays(backoff.untilMs, 1) } }),
        );
      } catch (err) {
        throw storeUnavailable('PutItem refresh backoff', err);
      }
    },

    async clearBackoff(): Promise<void> {
      try {
        await input.dynamo.send(new DeleteCommand({ TableName: input.tableName, Key: backoffKey }));
      } catch (err) {
        throw storeUnavailable('DeleteItem refresh backoff', err);
      }
    },
  };
}

export type RefreshGuards = ReturnType<typeof createRefreshGuards>;
