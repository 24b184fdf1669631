import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { StoreError } from '../../../shared/store/store-errors';
import { userPk } from '../../../shared/store/table-keys';
import { createUserStore, type UserOAuthTokens, type WechatUserProfile } from '../../../shared/store/user-store';
import { storeErrorOf, TABLE_NAME, useLocalTable } from './local-table';

const APPID = 'wx1111111111111111';
const OPENID = 'o-user-1';
const PROFILE: WechatUserProfile = {
  nickname: '李雷',
  sex: 1,
  province: '广东',
  city: '深圳',
  country: '中国',
  headimgurl: 'https://img.example/1.png',
  isSnapshotUser: false,
};

describe('createUserStore', () => {
  const ctx = useLocalTable();

  const newStore = (tableName = TABLE_NAME) =>
    createUserStore({
      dynamo: ctx.local.dynamo,
      tableName,
      componentAppid: ctx.componentAppid,
      sealer: ctx.newSealer(),
      now: ctx.clock.now,
    });
  const tokens = (n: number, scope: UserOAuthTokens['scope'] = 'snsapi_base'): UserOAuthTokens => ({
    accessToken: `CANARY-user-access-token-${n}`,
    refreshToken: `CANARY-user-refresh-token-${n}`,
    accessTokenExpiresAtMs: ctx.clock.now() + 7_200_000,
    scope,
  });
  const rawItem = async (openid = OPENID) =>
    (
      await ctx.local.dynamo.send(
        new GetCommand({
          TableName: TABLE_NAME,
          Key: { pk: userPk(ctx.componentAppid, APPID, openid), sk: 'PROFILE' },
          ConsistentRead: true,
        }),
      )
    ).Item;

  it('creates a user on first sign-in with seen times and a count of one', async () => {
    const store = newStore();

    const record = await store.upsert({
      authorizerAppid: APPID,
      openid: OPENID,
      unionid: 'u-1',
      scope: 'snsapi_userinfo',
      profile: PROFILE,
      tokens: tokens(1, 'snsapi_userinfo'),
    });

    const expected = {
      authorizerAppid: APPID,
      openid: OPENID,
      unionid: 'u-1',
      scope: 'snsapi_userinfo',
      profile: PROFILE,
      firstSeenAtMs: ctx.clock.now(),
      lastSeenAtMs: ctx.clock.now(),
      signInCount: 1,
    };
    expect(record).toEqual(expected);
    expect(await store.get(APPID, OPENID)).toEqual(expected);
  });

  it('answers null for a user it never stored', async () => {
    expect(await newStore().get(APPID, 'o-nobody')).toBeNull();
  });

  it('keeps profile, unionid, scope and first-seen when a later snsapi_base sign-in knows none of them', async () => {
    const store = newStore();
    const first = await store.upsert({
      authorizerAppid: APPID,
      openid: OPENID,
      unionid: 'u-1',
      scope: 'snsapi_userinfo',
      profile: PROFILE,
      tokens: tokens(1, 'snsapi_userinfo'),
    });
    ctx.clock.advance(86_400_000);

    const second = await store.upsert({ authorizerAppid: APPID, openid: OPENID, scope: 'snsapi_base', tokens: tokens(2) });

    expect(second).toEqual({ ...first, lastSeenAtMs: ctx.clock.now(), signInCount: 2 });
  });

  it('takes the newer profile from a later snsapi_userinfo sign-in', async () => {
    const store = newStore();
    await store.upsert({
      authorizerAppid: APPID,
      openid: OPENID,
      scope: 'snsapi_userinfo',
      profile: PROFILE,
      tokens: tokens(1, 'snsapi_userinfo'),
    });

    const record = await store.upsert({
      authorizerAppid: APPID,
      openid: OPENID,
      scope: 'snsapi_userinfo',
      profile: { ...PROFILE, nickname: '李雷雷' },
      tokens: tokens(2, 'snsapi_userinfo'),
    });

    expect(record.profile?.nickname).toBe('李雷雷');
  });

  it('raises the scope from snsapi_base to snsapi_userinfo', async () => {
    const store = newStore();
    await store.upsert({ authorizerAppid: APPID, openid: OPENID, scope: 'snsapi_base', tokens: tokens(1) });

    const record = await store.upsert({
      authorizerAppid: APPID,
      openid: OPENID,
      scope: 'snsapi_userinfo',
      profile: PROFILE,
      tokens: tokens(2, 'snsapi_userinfo'),
    });

    expect(record.scope).toBe('snsapi_userinfo');
  });

  it('keeps the latest tokens, sealed with KMS for user_oauth_tokens, and no token in clear', async () => {
    const store = newStore();
    await store.upsert({ authorizerAppid: APPID, openid: OPENID, scope: 'snsapi_base', tokens: tokens(1) });

    await store.upsert({ authorizerAppid: APPID, openid: OPENID, scope: 'snsapi_base', tokens: tokens(2) });

    const item = (await rawItem())!;
    expect(JSON.parse(await ctx.newSealer().open('user_oauth_tokens', item.tokensCiphertext as Uint8Array))).toEqual(tokens(2));
    const ciphertext = Buffer.from(item.tokensCiphertext as Uint8Array);
    const readings = [
      JSON.stringify({ ...item, tokensCiphertext: null }),
      ciphertext.toString('latin1'),
      ciphertext.toString('base64'),
    ].join('\n');
    expect(readings).not.toContain('CANARY-user-');
  });

  it('stores tokens sealed beforehand by sealTokens without sealing them again', async () => {
    const sealer = ctx.newSealer();
    let seals = 0;
    const store = createUserStore({
      dynamo: ctx.local.dynamo,
      tableName: TABLE_NAME,
      componentAppid: ctx.componentAppid,
      sealer: {
        ...sealer,
        seal: (...args) => {
          seals++;
          return sealer.seal(...args);
        },
      },
      now: ctx.clock.now,
    });
    const userTokens = tokens(1);
    const sealed = await store.sealTokens(userTokens);

    await store.upsert({ authorizerAppid: APPID, openid: OPENID, scope: 'snsapi_base', tokens: userTokens, sealed });

    expect(seals).toBe(1);
    expect(JSON.parse(await ctx.newSealer().open('user_oauth_tokens', (await rawItem())!.tokensCiphertext as Uint8Array))).toEqual(
      tokens(1),
    );
  });

  it('seals the tokens it is given when the sealed ones are of other tokens, never storing a mismatch', async () => {
    const store = newStore();
    const sealedOther = await store.sealTokens(tokens(1));

    await store.upsert({ authorizerAppid: APPID, openid: OPENID, scope: 'snsapi_base', tokens: tokens(2), sealed: sealedOther });

    expect(JSON.parse(await ctx.newSealer().open('user_oauth_tokens', (await rawItem())!.tokensCiphertext as Uint8Array))).toEqual(
      tokens(2),
    );
  });

  it('binds the sealed tokens to their purpose: they do not open as another kind of secret', async () => {
    const store = newStore();
    await store.upsert({ authorizerAppid: APPID, openid: OPENID, scope: 'snsapi_base', tokens: tokens(1) });

    const error = await ctx
      .newSealer()
      .open('component_access_token', (await rawItem())!.tokensCiphertext as Uint8Array)
      .catch((err: unknown) => err);

    expect(error).toBeInstanceOf(StoreError);
    expect(error).toMatchObject({ code: 'DECRYPTION_FAILED' });
  });

  it('never returns the tokens to callers', async () => {
    const store = newStore();

    const record = await store.upsert({ authorizerAppid: APPID, openid: OPENID, scope: 'snsapi_base', tokens: tokens(1) });

    expect(JSON.stringify([record, await store.get(APPID, OPENID)])).not.toMatch(/CANARY|tokensCiphertext/);
  });

  it('keeps one item per user when 30 sign-ins of that user are stored at once, counting all of them', async () => {
    const store = newStore();

    await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        store.upsert({ authorizerAppid: APPID, openid: OPENID, scope: 'snsapi_base', tokens: tokens(i) }),
      ),
    );

    const items = (
      await ctx.local.dynamo.send(
        new QueryCommand({
          TableName: TABLE_NAME,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': userPk(ctx.componentAppid, APPID, OPENID) },
          ConsistentRead: true,
        }),
      )
    ).Items!;
    expect(items).toHaveLength(1);
    expect(items[0]!.signInCount).toBe(30);
  });

  it('keeps the same openid under two authorizers as two users', async () => {
    const store = newStore();

    await store.upsert({ authorizerAppid: APPID, openid: OPENID, scope: 'snsapi_base', tokens: tokens(1) });
    await store.upsert({ authorizerAppid: 'wx2222222222222222', openid: OPENID, scope: 'snsapi_base', tokens: tokens(2) });

    expect((await store.get(APPID, OPENID))!.signInCount).toBe(1);
    expect((await store.get('wx2222222222222222', OPENID))!.signInCount).toBe(1);
  });

  it('stores nothing when KMS cannot seal the tokens', async () => {
    const store = newStore();
    ctx.local.aws.injectFault({ service: 'kms', operation: 'Encrypt', errorType: 'KMSInternalException', count: 10 });

    const error = await store
      .upsert({ authorizerAppid: APPID, openid: OPENID, scope: 'snsapi_base', tokens: tokens(1) })
      .catch((err: unknown) => err);

    expect(error).toBeInstanceOf(StoreError);
    expect(error).toMatchObject({ code: 'UNAVAILABLE' });
    expect(await rawItem()).toBeUndefined();
  });

  it('throws StoreError UNAVAILABLE, not the SDK error, when DynamoDB fails', async () => {
    const store = newStore('no-such-table');

    const errors = await Promise.all(
      [store.upsert({ authorizerAppid: APPID, openid: OPENID, scope: 'snsapi_base', tokens: tokens(1) }), store.get(APPID, OPENID)].map(
        storeErrorOf,
      ),
    );

    expect(errors.map((error) => error.code)).toEqual(errors.map(() => 'UNAVAILABLE'));
  });
});
