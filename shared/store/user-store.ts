import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { OAuthScope } from './h5-oauth-state-store';
import type { Sealer } from './kms-sealer';
import { storeUnavailable } from './store-errors';
import { SK, userPk } from './table-keys';

/** What sns/userinfo tells about a user (docs/wechat-protocol.md §5); only with scope snsapi_userinfo. */
export interface WechatUserProfile {
  nickname: string;
  sex: number;
  province: string;
  city: string;
  country: string;
  headimgurl: string;
  /** Snapshot-mode virtual users (is_snapshotuser=1) are not real profiles. */
  isSnapshotUser: boolean;
}

/** A stored H5 user, as pages may see it: no WeChat tokens. */
export interface UserRecord {
  authorizerAppid: string;
  openid: string;
  unionid?: string;
  scope: OAuthScope;
  profile?: WechatUserProfile;
  firstSeenAtMs: number;
  lastSeenAtMs: number;
  signInCount: number;
}

/** The user's own WeChat tokens, sealed with KMS before they are stored. */
export interface UserOAuthTokens {
  accessToken: string;
  refreshToken: string;
  accessTokenExpiresAtMs: number;
  scope: OAuthScope;
}

/**
 * A user's tokens sealed ahead of the upsert: sealing needs only the code exchange, so it can run while the profile is
 * read. It names the tokens it holds, and the upsert stores it only under those very tokens.
 */
export interface SealedUserTokens {
  readonly tokens: UserOAuthTokens;
  readonly ciphertext: Uint8Array;
}

/** One item per authorizer + openid, upserted on every sign-in: concurrent sign-ins of one user never make two. */
export function createUserStore(input: {
  dynamo: DynamoDBDocumentClient;
  tableName: string;
  componentAppid: string;
  sealer: Sealer;
  now: () => number;
}) {
  const key = (authorizerAppid: string, openid: string) => ({ pk: userPk(input.componentAppid, authorizerAppid, openid), sk: SK.user });
  const sealTokens = async (tokens: UserOAuthTokens): Promise<SealedUserTokens> => ({
    tokens,
    ciphertext: await input.sealer.seal('user_oauth_tokens', JSON.stringify(tokens)),
  });
  return {
    sealTokens,

    /** Stores the user; `sealed`, from sealTokens, is used when it holds these very `tokens`, else they are sealed here. */
    async upsert(user: {
      authorizerAppid: string;
      openid: string;
      unionid?: string;
      scope: OAuthScope;
      profile?: WechatUserProfile;
      tokens: UserOAuthTokens;
      sealed?: SealedUserTokens;
    }): Promise<UserRecord> {
      const tokensCiphertext = (user.sealed?.tokens === user.tokens ? user.sealed : await sealTokens(user.tokens)).ciphertext;
      const nowMs = input.now();
      // A silent snsapi_base sign-in knows no profile or unionid: it must not erase what a userinfo sign-in stored.
      const sets = [
        'authorizerAppid = :appid',
        'openid = :openid',
        'lastSeenAtMs = :now',
        'tokensCiphertext = :tokens',
        'firstSeenAtMs = if_not_exists(firstSeenAtMs, :now)',
      ];
      const values: Record<string, unknown> = {
        ':appid': user.authorizerAppid,
        ':openid': user.openid,
        ':now': nowMs,
        ':tokens': tokensCiphertext,
        ':one': 1,
      };
      if (user.unionid) {
        sets.push('unionid = :unionid');
        values[':unionid'] = user.unionid;
      }
      if (user.profile) {
        sets.push('profile = :profile');
        values[':profile'] = user.profile;
      }
      // The broadest scope ever granted, so a later silent sign-in does not downgrade what we know we may read.
      sets.push(user.scope === 'snsapi_userinfo' ? '#scope = :scope' : '#scope = if_not_exists(#scope, :scope)');
      values[':scope'] = user.scope;
      try {
        const out = await input.dynamo.send(
          new UpdateCommand({
            TableName: input.tableName,
            Key: key(user.authorizerAppid, user.openid),
            UpdateExpression: `SET ${sets.join(', ')} ADD signInCount :one`,
            ExpressionAttributeNames: { '#scope': 'scope' },
            ExpressionAttributeValues: values,
            ReturnValues: 'ALL_NEW',
          }),
        );
        return toRecord(out.Attributes ?? {});
      } catch (err) {
        throw storeUnavailable('UpdateItem user', err);
      }
    },

    async get(authorizerAppid: string, openid: string): Promise<UserRecord | null> {
      try {
        const item = (
          await input.dynamo.send(new GetCommand({ TableName: input.tableName, Key: key(authorizerAppid, openid), ConsistentRead: true }))
        ).Item;
        return item ? toRecord(item) : null;
      } catch (err) {
        throw storeUnavailable('GetItem user', err);
      }
    },
  };
}

function toRecord(item: Record<string, unknown>): UserRecord {
  return {
    authorizerAppid: String(item.authorizerAppid),
    openid: String(item.openid),
    ...(item.unionid ? { unionid: String(item.unionid) } : {}),
    scope: item.scope as OAuthScope,
    ...(item.profile ? { profile: item.profile as WechatUserProfile } : {}),
    firstSeenAtMs: Number(item.firstSeenAtMs),
    lastSeenAtMs: Number(item.lastSeenAtMs),
    signInCount: Number(item.signInCount),
  };
}

export type UserStore = ReturnType<typeof createUserStore>;
