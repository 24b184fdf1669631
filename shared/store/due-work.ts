import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { PARTITIONS, TABLE_INDEXES } from '../contract';
import { storeUnavailable } from './store-errors';
import { dueIndexKey } from './table-keys';

/** Work that falls due: an authorizer token to refresh, or an authorization code to exchange. */
export type DueWork =
  | { kind: 'refresh'; authorizerAppid: string; dueAtMs: number }
  | { kind: 'exchange'; codeSha256: string; dueAtMs: number };

/**
 * The sparse `due` index of one component, read by due time: authorizers carry `dueKey`/`dueAtMs` while authorized,
 * codes while their exchange is not done. A Query, never a Scan, whatever the number of authorizers.
 */
export function createDueWork(input: { dynamo: DynamoDBDocumentClient; tableName: string; componentAppid: string }) {
  const { indexName } = TABLE_INDEXES.due;
  const partitionKey = TABLE_INDEXES.due.partitionKey.name;
  const sortKey = TABLE_INDEXES.due.sortKey.name;
  const authorizerPrefix = `${PARTITIONS.authorizers.prefix}#${input.componentAppid}#`;
  const codePrefix = `${PARTITIONS.authorizationCodes.prefix}#${input.componentAppid}#`;

  const query = async (params: { upToMs: number; limit?: number; startKey?: Record<string, unknown> }) => {
    try {
      return await input.dynamo.send(
        new QueryCommand({
          TableName: input.tableName,
          IndexName: indexName,
          KeyConditionExpression: '#k = :k AND #due <= :upTo',
          ExpressionAttributeNames: { '#k': partitionKey, '#due': sortKey },
          ExpressionAttributeValues: { ':k': dueIndexKey(input.componentAppid), ':upTo': params.upToMs },
          ...(params.limit ? { Limit: params.limit } : {}),
          ...(params.startKey ? { ExclusiveStartKey: params.startKey } : {}),
        }),
      );
    } catch (err) {
      throw storeUnavailable('Query due work', err);
    }
  };

  const toWork = (item: Record<string, unknown>): DueWork | null => {
    const pk = String(item.pk);
    const dueAtMs = Number(item[sortKey]);
    if (pk.startsWith(authorizerPrefix)) return { kind: 'refresh', authorizerAppid: pk.slice(authorizerPrefix.length), dueAtMs };
    if (pk.startsWith(codePrefix)) return { kind: 'exchange', codeSha256: pk.slice(codePrefix.length), dueAtMs };
    return null;
  };

  return {
    /** One page of the work due by `nowMs`, oldest first. */
    async page(params: {
      nowMs: number;
      limit?: number;
      startKey?: Record<string, unknown>;
    }): Promise<{ work: DueWork[]; nextKey?: Record<string, unknown> }> {
      const out = await query({
        upToMs: params.nowMs,
        ...(params.limit ? { limit: params.limit } : {}),
        ...(params.startKey ? { startKey: params.startKey } : {}),
      });
      const work = (out.Items ?? []).map(toWork).filter((entry): entry is DueWork => entry !== null);
      return { work, ...(out.LastEvaluatedKey ? { nextKey: out.LastEvaluatedKey } : {}) };
    },
  };
}

export type DueWorkIndex = ReturnType<typeof createDueWork>;
