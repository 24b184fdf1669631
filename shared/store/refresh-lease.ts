import { randomUUID } from 'node:crypto';
import { DeleteCommand, type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { isConditionalCheckFailed, StoreError, storeUnavailable } from './store-errors';
import { refreshPk, SK, ttlAfterDays } from './table-keys';

export interface RefreshLease {
  readonly holder: string;
  readonly expiresAtMs: number;
  /** Gives the lease up early; a no-op if it already expired and someone else holds it now. */
  release(): Promise<void>;
}

/**
 * One token refresh at a time, across every refresher invocation and every reader that asks for one.
 *
 * A lease is a single item written with a conditional PutItem: it succeeds when no lease exists or the stored one
 * has expired. A holder that crashes never releases, so the expiry is what lets the next one in:
 *
 *   A acquires (expires t0+L)   A crashes                  B's put succeeds (stored lease expired)
 *   |---------------------------x---------------------|----|------------------------------
 *   t0                                              t0+L  t1
 *   B's puts here fail with LEASE_HELD ...................
 *
 * If A was only slow, not dead, it may still try to write a token after B took over. The token write's own
 * version condition (token-store.ts) makes that write fail, so the lease only has to prevent wasted API calls,
 * never to protect correctness: clock skew between Lambdas can cost a duplicate refresh, not a lost token.
 */
export function createRefreshLeases(input: {
  dynamo: DynamoDBDocumentClient;
  tableName: string;
  componentAppid: string;
  leaseDurationMs: number;
  now: () => number;
}) {
  const key = { pk: refreshPk(input.componentAppid), sk: SK.refreshLease };
  return {
    /** Takes the lease or throws StoreError LEASE_HELD. */
    async acquire(): Promise<RefreshLease> {
      const holder = randomUUID();
      const nowMs = input.now();
      const expiresAtMs = nowMs + input.leaseDurationMs;
      try {
        await input.dynamo.send(
          new PutCommand({
            TableName: input.tableName,
            Item: { ...key, holder, leaseExpiresAtMs: expiresAtMs, ttl: ttlAfterDays(expiresAtMs, 1) },
            ConditionExpression: 'attribute_not_exists(pk) OR leaseExpiresAtMs <= :now',
            ExpressionAttributeValues: { ':now': nowMs },
          }),
        );
      } catch (err) {
        if (isConditionalCheckFailed(err)) throw new StoreError('LEASE_HELD', 'another token refresh holds the lease');
        throw storeUnavailable('PutItem refresh lease', err);
      }
      return {
        holder,
        expiresAtMs,
        release: async () => {
          try {
            await input.dynamo.send(
              new DeleteCommand({
                TableName: input.tableName,
                Key: key,
                ConditionExpression: 'holder = :holder',
                ExpressionAttributeValues: { ':holder': holder },
              }),
            );
          } catch (err) {
            if (!isConditionalCheckFailed(err)) throw storeUnavailable('DeleteItem refresh lease', err);
          }
        },
      };
    },
  };
}

export type RefreshLeases = ReturnType<typeof createRefreshLeases>;
