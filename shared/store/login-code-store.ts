import { DeleteCommand, type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { sha256Hex } from '../crypto/digests';
import { randomAlphanumeric } from '../h5-oauth/random-token';
import { secretRegistry } from '../log/redaction';
import { isConditionalCheckFailed, storeUnavailable } from './store-errors';
import { loginCodePk, SK } from './table-keys';

export interface LoginGrant {
  authorizerAppid: string;
  openid: string;
  unionid?: string;
  /** PKCE S256 challenge of the sign-in: only the page holding its verifier may redeem the code. */
  codeChallenge: string;
}

/**
 * Single-use, short-lived login codes handed to the H5 page in its return_to URL. Only their sha256 is stored, so
 * the table never holds a redeemable code. Each is bound to the PKCE challenge of the sign-in that issued it.
 */
export function createLoginCodeStore(input: {
  dynamo: DynamoDBDocumentClient;
  tableName: string;
  componentAppid: string;
  now: () => number;
  ttlMs: number;
}) {
  const key = (code: string) => ({ pk: loginCodePk(input.componentAppid, sha256Hex(code)), sk: SK.loginCode });
  return {
    async issue(grant: LoginGrant): Promise<string> {
      const code = randomAlphanumeric(32);
      secretRegistry.add(code);
      const expiresAtMs = input.now() + input.ttlMs;
      try {
        await input.dynamo.send(
          new PutCommand({
            TableName: input.tableName,
            Item: { ...key(code), ...grant, expiresAtMs, ttl: Math.ceil(expiresAtMs / 1000) + 3600 },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
      } catch (err) {
        throw storeUnavailable('PutItem login code', err);
      }
      return code;
    },

    /** The grant behind an unexpired, unused code, deleting it in the same step; null otherwise. */
    async redeem(code: string): Promise<LoginGrant | null> {
      try {
        const out = await input.dynamo.send(
          new DeleteCommand({
            TableName: input.tableName,
            Key: key(code),
            ConditionExpression: 'attribute_exists(pk) AND expiresAtMs > :now',
            ExpressionAttributeValues: { ':now': input.now() },
            ReturnValues: 'ALL_OLD',
          }),
        );
        const item = out.Attributes;
        if (!item) return null;
        return {
          authorizerAppid: String(item.authorizerAppid),
          openid: String(item.openid),
          ...(item.unionid ? { unionid: String(item.unionid) } : {}),
          // An item without a challenge matches no verifier: it fails closed.
          codeChallenge: typeof item.codeChallenge === 'string' ? item.codeChallenge : '',
        };
      } catch (err) {
        if (isConditionalCheckFailed(err)) return null;
        throw storeUnavailable('DeleteItem login code', err);
      }
    },
  };
}

export type LoginCodeStore = ReturnType<typeof createLoginCodeStore>;
