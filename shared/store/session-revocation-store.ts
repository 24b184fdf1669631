import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { storeUnavailable } from './store-errors';
import { revokedSessionPk, SK } from './table-keys';

/**
 * Logged-out H5 sessions, by the session token's `jti`. A session token is a self-contained JWT, so logout cannot
 * take it back: it is refused from then on because its jti is stored here, until the token would have expired anyway
 * (the ttl; after that the token is refused as expired, so a late TTL deletion changes nothing).
 */
export function createSessionRevocationStore(input: {
  dynamo: DynamoDBDocumentClient;
  tableName: string;
  componentAppid: string;
  now: () => number;
}) {
  const key = (jti: string) => ({ pk: revokedSessionPk(input.componentAppid, jti), sk: SK.revokedSession });
  return {
    async revoke(jti: string, expiresAtMs: number): Promise<void> {
      try {
        await input.dynamo.send(
          new PutCommand({
            TableName: input.tableName,
            Item: { ...key(jti), revokedAtMs: input.now(), ttl: Math.ceil(expiresAtMs / 1000) },
          }),
        );
      } catch (err) {
        throw storeUnavailable('PutItem revoked session', err);
      }
    },

    async isRevoked(jti: string): Promise<boolean> {
      try {
        const out = await input.dynamo.send(new GetCommand({ TableName: input.tableName, Key: key(jti), ConsistentRead: true }));
        return out.Item !== undefined;
      } catch (err) {
        throw storeUnavailable('GetItem revoked session', err);
      }
    },
  };
}

export type SessionRevocationStore = ReturnType<typeof createSessionRevocationStore>;
