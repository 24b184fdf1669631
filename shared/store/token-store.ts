import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { sha256Hex } from '../crypto/digests';
import type { Sealer } from './kms-sealer';
import { isConditionalCheckFailed, StoreError, storeUnavailable } from './store-errors';
import { SK, tokenPk } from './table-keys';

/** What can be known about the stored token without decrypting it. */
export interface TokenMeta {
  /** Incremented on every write; a write must name the version it replaces. */
  version: number;
  expiresAtMs: number;
  fetchedAtMs: number;
  /** sha256 hex of the token: lets invalidate() compare tokens without decrypting or transmitting them. */
  tokenSha256: string;
}

export interface SealedToken {
  meta: TokenMeta;
  ciphertext: Uint8Array;
}

export interface TokenStore {
  /** The stored token item, still encrypted (consistent read), or null. */
  loadSealed(): Promise<SealedToken | null>;
  /** Decrypts a sealed token. */
  open(sealed: SealedToken): Promise<string>;
  /**
   * Writes a new token if the stored version is still `expectedVersion` (0: none stored yet).
   * Throws StoreError VERSION_CONFLICT otherwise, so a slow refresher never overwrites a newer token.
   */
  save(input: { componentAccessToken: string; expiresAtMs: number; fetchedAtMs: number; expectedVersion: number }): Promise<TokenMeta>;
}

export function createTokenStore(input: {
  dynamo: DynamoDBDocumentClient;
  tableName: string;
  componentAppid: string;
  sealer: Sealer;
}): TokenStore {
  const key = { pk: tokenPk(input.componentAppid), sk: SK.token };
  return {
    async loadSealed() {
      let item: Record<string, unknown> | undefined;
      try {
        item = (await input.dynamo.send(new GetCommand({ TableName: input.tableName, Key: key, ConsistentRead: true }))).Item;
      } catch (err) {
        throw storeUnavailable('GetItem token', err);
      }
      if (!item) return null;
      return {
        meta: {
          version: Number(item.version),
          expiresAtMs: Number(item.expiresAtMs),
          fetchedAtMs: Number(item.fetchedAtMs),
          tokenSha256: String(item.tokenSha256),
        },
        ciphertext: item.tokenCiphertext as Uint8Array,
      };
    },
    open(sealed) {
      return input.sealer.open('component_access_token', sealed.ciphertext);
    },
    async save({ componentAccessToken, expiresAtMs, fetchedAtMs, expectedVersion }) {
      const meta: TokenMeta = { version: expectedVersion + 1, expiresAtMs, fetchedAtMs, tokenSha256: sha256Hex(componentAccessToken) };
      const tokenCiphertext = await input.sealer.seal('component_access_token', componentAccessToken);
      try {
        await input.dynamo.send(
          new PutCommand({
            TableName: input.tableName,
            Item: { ...key, ...meta, tokenCiphertext },
            ConditionExpression: expectedVersion === 0 ? 'attribute_not_exists(pk)' : 'version = :expected',
            ExpressionAttributeValues: expectedVersion === 0 ? undefined : { ':expected': expectedVersion },
          }),
        );
        return meta;
      } catch (err) {
        if (isConditionalCheckFailed(err)) {
          throw new StoreError('VERSION_CONFLICT', `a newer component_access_token than version ${expectedVersion} is already stored`);
        }
        throw storeUnavailable('PutItem token', err);
      }
    },
  };
}
