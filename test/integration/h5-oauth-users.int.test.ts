import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeH5OAuthHandler } from '../../functions/h5-oauth/app';
import { type HttpGateway, startHttpGateway } from '../../local/runtime/http-gateway';
import { TEST_AUTHORIZER_APPID } from '../../local/wechat-sim/defaults';
import type { SimOAuthUser } from '../../local/wechat-sim/server';
import { userPk } from '../../shared/store/table-keys';
import type { UserOAuthTokens } from '../../shared/store/user-store';
import { createWechatHttp } from '../../shared/wechat/component-api';
import { createSnsApi } from '../../shared/wechat/sns-api';
import { TestBrowser } from '../support/h5-oauth-browser';
import { type Harness, startHarness, TABLE_NAME, TEST_SECRETS } from '../support/harness';
import { callbackUrl, h5OAuth, scanItems, start } from './h5-oauth-flows';

// Only the concurrency test signs users in for this official account, so its USER# items are that test's alone.
const CROWD_APPID = 'wx6666666666666666';

describe('users stored by h5-oauth', () => {
  let h: Harness;
  let users: Record<string, SimOAuthUser>;
  beforeAll(async () => {
    h = await startHarness({
      sim: { authorizerAppids: [TEST_AUTHORIZER_APPID, CROWD_APPID] },
      oauth: { authorizerAppids: [TEST_AUTHORIZER_APPID, CROWD_APPID] },
    });
    await h.sim.pushTicketNow();
    users = Object.fromEntries(h.sim.oauthUsers().map((user) => [user.id, user]));
  });
  afterAll(async () => h?.close());

  const rawItem = async (user: SimOAuthUser, appid = TEST_AUTHORIZER_APPID) =>
    (
      await h.dynamo.send(
        new GetCommand({
          TableName: TABLE_NAME,
          Key: { pk: userPk(TEST_SECRETS.componentAppid, appid, user.openidFor(appid)), sk: 'PROFILE' },
          ConsistentRead: true,
        }),
      )
    ).Item!;
  const stored = (user: SimOAuthUser) => h.h5OAuthDeps.users.get(TEST_AUTHORIZER_APPID, user.openidFor(TEST_AUTHORIZER_APPID));

  it('stores the profile and unionid of a snsapi_userinfo sign-in', async () => {
    const user = users['li-lei']!;

    await h5OAuth(h, new TestBrowser(), { userId: user.id, scope: 'snsapi_userinfo' });

    expect(user.unionid).toBeTruthy();
    expect(await stored(user)).toEqual({
      authorizerAppid: TEST_AUTHORIZER_APPID,
      openid: user.openidFor(TEST_AUTHORIZER_APPID),
      unionid: user.unionid,
      scope: 'snsapi_userinfo',
      profile: {
        nickname: user.nickname,
        sex: user.sex,
        province: user.province,
        city: user.city,
        country: user.country,
        headimgurl: user.headimgurl,
        isSnapshotUser: false,
      },
      firstSeenAtMs: h.clock.now(),
      lastSeenAtMs: h.clock.now(),
      signInCount: 1,
    });
  });

  it('keeps the profile, unionid, scope and first-seen time when the same user later signs in with snsapi_base', async () => {
    const user = users['han-meimei']!;
    await h5OAuth(h, new TestBrowser(), { userId: user.id, scope: 'snsapi_userinfo' });
    const afterUserinfo = await stored(user);
    h.clock.advance(3_600_000);

    await h5OAuth(h, new TestBrowser(), { userId: user.id, scope: 'snsapi_base' });

    const afterBase = await stored(user);
    expect(afterBase).toEqual({ ...afterUserinfo, lastSeenAtMs: h.clock.now(), signInCount: 2 });
    expect(afterBase!.profile?.nickname).toBe(user.nickname);
    expect(afterBase!.unionid).toBe(user.unionid);
    expect(afterBase!.firstSeenAtMs).toBe(h.clock.now() - 3_600_000);
  });

  it('counts every sign-in and moves last-seen, and stores no unionid for a user without one', async () => {
    const user = users['wang-fang']!;
    const firstAt = h.clock.now();

    for (let i = 0; i < 3; i++) {
      await h5OAuth(h, new TestBrowser(), { userId: user.id, scope: 'snsapi_userinfo' });
      h.clock.advance(60_000);
    }

    const record = await stored(user);
    expect(record).toMatchObject({ signInCount: 3, firstSeenAtMs: firstAt, lastSeenAtMs: firstAt + 120_000 });
    expect(record).not.toHaveProperty('unionid');
    expect(record!.profile?.nickname).toBe(user.nickname);
  });

  it('marks a snapshot-mode virtual user as such', async () => {
    const user = users.snapshot!;

    await h5OAuth(h, new TestBrowser(), { userId: user.id, scope: 'snsapi_userinfo' });

    expect((await stored(user))!.profile?.isSnapshotUser).toBe(true);
  });

  it("stores the user's WeChat tokens only sealed with KMS, never in clear", async () => {
    const user = users['li-lei']!;
    await h5OAuth(h, new TestBrowser(), { userId: user.id, scope: 'snsapi_userinfo' });

    const item = await rawItem(user);

    expect(item.tokensCiphertext).toBeInstanceOf(Uint8Array);
    const tokens = JSON.parse(await h.stores.sealer.open('user_oauth_tokens', item.tokensCiphertext as Uint8Array)) as UserOAuthTokens;
    expect(tokens).toMatchObject({ scope: 'snsapi_userinfo', accessTokenExpiresAtMs: h.clock.now() + 7_200_000 });
    // They are the real ones: WeChat accepts the access token for this user.
    const info = (await (
      await fetch(
        `${h.sim.url}/sns/userinfo?${new URLSearchParams({ access_token: tokens.accessToken, openid: user.openidFor(TEST_AUTHORIZER_APPID) })}`,
      )
    ).json()) as {
      nickname?: string;
    };
    expect(info.nickname).toBe(user.nickname);
    const ciphertext = Buffer.from(item.tokensCiphertext as Uint8Array);
    const everyReading = [
      JSON.stringify({ ...item, tokensCiphertext: undefined }),
      ciphertext.toString('latin1'),
      ciphertext.toString('utf8'),
      ciphertext.toString('base64'),
      ciphertext.toString('hex'),
    ].join('\n');
    for (const secret of [tokens.accessToken, tokens.refreshToken]) expect(everyReading).not.toContain(secret);
    expect(Object.keys(item).filter((name) => /token/i.test(name))).toEqual(['tokensCiphertext']);
  });

  describe('under a crowd', () => {
    let crowdGateway: HttpGateway;
    beforeAll(async () => {
      // Two hundred sign-ins on one event loop (gateway, handler, dynalite and simulator together) queue each other's
      // calls for seconds, where Lambda would run each in its own container. The callbacks go to a second gateway whose
      // sns client waits long enough, so that queueing is not mistaken for WeChat timing out: a code exchange retried
      // after a timeout is answered 40163 (the first attempt used the code) and the sign-in would fail.
      const handler = makeH5OAuthHandler({
        ...h.h5OAuthDeps,
        sns: createSnsApi(createWechatHttp({ baseUrl: h.sim.url, timeoutMs: 60_000 })),
      });
      crowdGateway = await startHttpGateway({
        routes: [{ routeKey: 'GET /h5-oauth/callback', functionName: 'h5-oauth', handler }],
        now: h.clock.now,
      });
    });
    afterAll(async () => crowdGateway?.close());

    it('stores each user exactly once when 200 sign-ins of four users run at the same time, and every sign-in lands', async () => {
      const crowd = Object.values(users);
      // Every user signs in with both scopes, interleaved.
      const runs = Array.from(
        { length: 200 },
        (_, i) =>
          ({ user: crowd[i % crowd.length]!, scope: Math.floor(i / crowd.length) % 2 === 0 ? 'snsapi_base' : 'snsapi_userinfo' }) as const,
      );

      const landings = await Promise.all(
        runs.map(async ({ user, scope }) => {
          const browser = new TestBrowser();
          const started = await start(h, browser, { appid: CROWD_APPID, scope });
          const code = h.sim.issueOAuthCode({ authorizerAppid: CROWD_APPID, userId: user.id, scope });
          const response = await fetch(callbackUrl(crowdGateway.url, { code, state: started.state, appid: CROWD_APPID }), {
            redirect: 'manual',
            headers: { cookie: started.cookie! },
          });
          return {
            status: response.status,
            loginCode: new URL(response.headers.get('location') ?? 'about:blank').searchParams.get('wx_login'),
          };
        }),
      );

      expect(landings.filter((landing) => landing.status !== 302 || !landing.loginCode)).toEqual([]);
      expect(new Set(landings.map((landing) => landing.loginCode)).size).toBe(200);
      const items = await scanItems(h, `USER#${TEST_SECRETS.componentAppid}#${CROWD_APPID}#`);
      expect(items.map((item) => item.openid).sort()).toEqual(crowd.map((user) => user.openidFor(CROWD_APPID)).sort());
      for (const item of items) expect(item).toMatchObject({ signInCount: 50, scope: 'snsapi_userinfo' });
    }, 60_000); // 200 concurrent sign-ins through every local part on one event loop: about 6 s here
  });
});
