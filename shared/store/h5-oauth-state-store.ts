import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { isConditionalCheckFailed, storeUnavailable } from './store-errors';
import { h5OAuthStatePk, SK } from './table-keys';

export type OAuthScope = 'snsapi_base' | 'snsapi_userinfo';

/** How a consumed sign-in ended; kept so a replayed callback from the same browser gets the same outcome. */
export type H5OAuthOutcome =
  | { kind: 'signed-in'; openid: string; unionid?: string }
  | { kind: 'refused' }
  | { kind: 'failed'; error: string };

export interface H5OAuthState {
  state: string;
  authorizerAppid: string;
  scope: OAuthScope;
  returnTo: string;
  /** sha256 of the browser-binding cookie; null when the operator turned cookie binding off. */
  bindingSha256: string | null;
  /** PKCE S256 challenge of the page that started the sign-in; every login code of this sign-in is bound to it. */
  codeChallenge: string;
  createdAtMs: number;
  expiresAtMs: number;
  consumedAtMs?: number;
  codeSha256?: string;
  outcome?: H5OAuthOutcome;
}

export type ConsumeResult = 'consumed' | 'already-consumed' | 'expired';

/** Sign-in states: created by /h5-oauth/start, consumed exactly once by /h5-oauth/callback. */
export function createH5OAuthStateStore(input: {
  dynamo: DynamoDBDocumentClient;
  tableName: string;
  componentAppid: string;
  now: () => number;
}) {
  const key = (state: string) => ({ pk: h5OAuthStatePk(input.componentAppid, state), sk: SK.h5OAuthState });
  return {
    async create(state: Omit<H5OAuthState, 'consumedAtMs' | 'codeSha256' | 'outcome'>, keepAfterExpiryMs: number): Promise<void> {
      try {
        await input.dynamo.send(
          new PutCommand({
            TableName: input.tableName,
            Item: { ...key(state.state), ...state, ttl: Math.ceil((state.expiresAtMs + keepAfterExpiryMs) / 1000) },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
      } catch (err) {
        throw storeUnavailable(isConditionalCheckFailed(err) ? 'PutItem sign-in state (collision)' : 'PutItem sign-in state', err);
      }
    },

    async get(state: string): Promise<H5OAuthState | null> {
      try {
        const item = (await input.dynamo.send(new GetCommand({ TableName: input.tableName, Key: key(state), ConsistentRead: true }))).Item;
        if (!item) return null;
        const { pk: _pk, sk: _sk, ttl: _ttl, ...rest } = item;
        return rest as H5OAuthState;
      } catch (err) {
        throw storeUnavailable('GetItem sign-in state', err);
      }
    },

    /**
     * Marks the state used, atomically: of any number of concurrent callbacks, exactly one gets 'consumed'.
     * The code's hash is kept so a replay can be recognised as the same callback.
     */
    async consume(state: string, codeSha256: string | null): Promise<ConsumeResult> {
      const nowMs = input.now();
      try {
        await input.dynamo.send(
          new UpdateCommand({
            TableName: input.tableName,
            Key: key(state),
            UpdateExpression: codeSha256 ? 'SET consumedAtMs = :now, codeSha256 = :code' : 'SET consumedAtMs = :now',
            ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(consumedAtMs) AND expiresAtMs > :now',
            ExpressionAttributeValues: { ':now': nowMs, ...(codeSha256 ? { ':code': codeSha256 } : {}) },
          }),
        );
        return 'consumed';
      } catch (err) {
        if (!isConditionalCheckFailed(err)) throw storeUnavailable('UpdateItem consume sign-in state', err);
        const current = await this.get(state);
        return current?.consumedAtMs !== undefined ? 'already-consumed' : 'expired';
      }
    },

    async complete(state: string, outcome: H5OAuthOutcome): Promise<void> {
      try {
        await input.dynamo.send(
          new UpdateCommand({
            TableName: input.tableName,
            Key: key(state),
            UpdateExpression: 'SET outcome = :outcome',
            // Only a consumed state gets an outcome; never create a stray item for an unknown one.
            ConditionExpression: 'attribute_exists(consumedAtMs)',
            ExpressionAttributeValues: { ':outcome': outcome },
          }),
        );
      } catch (err) {
        throw storeUnavailable('UpdateItem complete sign-in state', err);
      }
    },
  };
}

export type H5OAuthStateStore = ReturnType<typeof createH5OAuthStateStore>;
