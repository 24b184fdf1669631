import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../../shared/crypto/digests';
import { completeH5OAuth } from '../../../shared/h5-oauth/complete-h5-oauth';
import { startH5OAuth } from '../../../shared/h5-oauth/start-h5-oauth';
import type { OAuthScope } from '../../../shared/store/h5-oauth-state-store';
import { FAKE_AUTHORIZER_APPID, FAKE_RETURN_TO, fakeH5OAuth } from '../../support/fakes/fake-deps';
import type { FakeWechatUser } from '../../support/fakes/fake-sns-api';
import { wechatErrcode, wechatFailure } from '../../support/fakes/wechat-errors';
import { newPkcePair } from '../../support/pkce';

type World = ReturnType<typeof fakeH5OAuth>;

const ALICE: FakeWechatUser = {
  openid: 'o-alice-openid-0001',
  unionid: 'u-alice-unionid-0001',
  profile: {
    nickname: 'Alice',
    sex: 2,
    province: 'Guangdong',
    city: 'Shenzhen',
    country: 'CN',
    headimgurl: 'https://thirdwx.qlogo.cn/alice',
  },
};
const REPLAY_POLLS = 40;
const REPLAY_POLL_MS = 100;

/** A world whose refresher can fetch a component_access_token (a fresh ticket is stored). */
async function world(options: { cookieBinding?: boolean } = {}): Promise<World> {
  const w = fakeH5OAuth(options);
  await w.refresher.storeTicket();
  return w;
}

/** Starts a sign-in with the real startH5OAuth and has WeChat issue a code for `user`, as after their consent. */
async function signIn(w: World, options: { scope?: OAuthScope; user?: FakeWechatUser } = {}) {
  const scope = options.scope ?? 'snsapi_base';
  const pkce = newPkcePair();
  const started = await startH5OAuth(w.deps, {
    appid: FAKE_AUTHORIZER_APPID,
    scope,
    return_to: FAKE_RETURN_TO,
    code_challenge: pkce.codeChallenge,
    code_challenge_method: 'S256',
  });
  const state = new URL(started.location).searchParams.get('state')!;
  const cookies: Record<string, string> = started.cookie ? { [started.cookie.name]: started.cookie.value } : {};
  const code = w.sns.issueCode({ authorizerAppid: FAKE_AUTHORIZER_APPID, scope, user: options.user ?? ALICE });
  const callback = (query: Record<string, string | undefined> = {}, fromCookies: Record<string, string> = cookies) =>
    completeH5OAuth(w.deps, { query: { state, code, appid: FAKE_AUTHORIZER_APPID, ...query }, cookies: fromCookies });
  return { state, cookies, code, pkce, callback };
}

const loginCodeOf = (location: string) => new URL(location).searchParams.get('wx_login');
const errorOf = (location: string) => new URL(location).searchParams.get('wx_error');

describe('completeH5OAuth', () => {
  describe('a first callback', () => {
    it('exchanges the code once, stores the user with their sealed tokens and lands on return_to with a login code for this sign-in', async () => {
      const w = await world();
      const { callback, state, code, pkce } = await signIn(w);

      const { location } = await callback();

      const loginCode = loginCodeOf(location);
      expect(location.startsWith(FAKE_RETURN_TO)).toBe(true);
      expect(w.loginCodes.peek(loginCode!)).toEqual({
        authorizerAppid: FAKE_AUTHORIZER_APPID,
        openid: ALICE.openid,
        codeChallenge: pkce.codeChallenge,
      });
      expect(w.sns.exchanges).toHaveLength(1);
      expect(await w.users.get(FAKE_AUTHORIZER_APPID, ALICE.openid)).toMatchObject({ scope: 'snsapi_base', signInCount: 1 });
      expect(w.users.tokensOf(FAKE_AUTHORIZER_APPID, ALICE.openid)).toMatchObject({ accessTokenExpiresAtMs: w.clock.now() + 7_200_000 });
      expect(w.states.peek(state)).toMatchObject({ codeSha256: sha256Hex(code), outcome: { kind: 'signed-in', openid: ALICE.openid } });
      expect(w.metrics.sum('H5OAuthCompleted')).toBe(1);
      expect(w.logger.text).not.toContain(code);
    });

    it('reads the profile for snsapi_userinfo and keeps the unionid and the snapshot flag', async () => {
      const w = await world();
      const snapshotUser = { ...ALICE, isSnapshotUser: true };
      const { callback } = await signIn(w, { scope: 'snsapi_userinfo', user: snapshotUser });

      const { location } = await callback();

      expect(w.loginCodes.peek(loginCodeOf(location)!)).toMatchObject({ unionid: ALICE.unionid });
      expect(await w.users.get(FAKE_AUTHORIZER_APPID, ALICE.openid)).toMatchObject({
        unionid: ALICE.unionid,
        scope: 'snsapi_userinfo',
        profile: { ...ALICE.profile, isSnapshotUser: true },
      });
    });

    it('seals the user tokens while it reads the profile, and stores exactly what it sealed', async () => {
      const w = await world();
      const { callback } = await signIn(w, { scope: 'snsapi_userinfo' });
      const userinfo = w.sns.faults.holdNext('getUserInfo');

      const pending = callback();
      await userinfo.reached;
      await new Promise((resolve) => setImmediate(resolve));
      const sealedDuringUserinfo = w.users.faults.calls('sealTokens');
      userinfo.release();
      await pending;

      expect(sealedDuringUserinfo).toBe(1);
      expect(w.users.faults.calls('sealTokens')).toBe(1);
      expect(w.users.sealedWrites).toBe(1);
      expect(w.users.tokensOf(FAKE_AUTHORIZER_APPID, ALICE.openid)).toMatchObject({ scope: 'snsapi_userinfo' });
    });

    it('sends a refusal (no code) back with wx_error=access_denied, exchanging nothing and storing no user', async () => {
      const w = await world();
      const { callback, state } = await signIn(w);

      const { location } = await callback({ code: undefined, appid: undefined });

      expect(errorOf(location)).toBe('access_denied');
      expect(w.sns.exchanges).toEqual([]);
      expect(w.users.size).toBe(0);
      expect(w.states.peek(state)?.outcome).toEqual({ kind: 'refused' });
      expect(w.metrics.sum('H5OAuthRefused')).toBe(1);
    });
  });

  describe('refuses before consuming the state or calling WeChat', () => {
    it.each([
      ['a missing state', { state: undefined }],
      ['a malformed state', { state: 'not/a-state' }],
      ['an unknown state', { state: 'A'.repeat(32) }],
    ])('rejects %s with UNKNOWN_STATE', async (_name, query) => {
      const w = await world();
      const { callback } = await signIn(w);

      await expect(callback(query)).rejects.toMatchObject({ name: 'H5OAuthError', code: 'UNKNOWN_STATE' });
      expect(w.sns.exchanges).toEqual([]);
    });

    it('does not read the store for a malformed state', async () => {
      const w = await world();
      const { callback } = await signIn(w);

      await expect(callback({ state: 'x'.repeat(129) })).rejects.toMatchObject({ code: 'UNKNOWN_STATE' });
      expect(w.states.faults.calls('get')).toBe(0);
    });

    it.each([
      ['no binding cookie', () => ({}), 'COOKIE_MISSING'],
      [
        'another value in the binding cookie',
        (cookies: Record<string, string>) => Object.fromEntries(Object.keys(cookies).map((name) => [name, 'x'.repeat(43)])),
        'COOKIE_MISMATCH',
      ],
    ] as const)('rejects a callback with %s, leaving the sign-in to its own browser', async (_name, otherCookies, code) => {
      const w = await world();
      const { callback, cookies, state } = await signIn(w);

      const refused = await callback({}, otherCookies(cookies)).catch((err: unknown) => err);
      const own = await callback();

      expect(refused).toMatchObject({ name: 'H5OAuthError', code, retryUrl: FAKE_RETURN_TO });
      expect(loginCodeOf(own.location)).toBeTruthy();
      expect(w.sns.exchanges).toHaveLength(1);
      expect(w.states.peek(state)?.outcome?.kind).toBe('signed-in');
    });

    it('rejects a state at its expiry instant with STATE_EXPIRED, and accepts it a millisecond before', async () => {
      const early = await world();
      const late = await world();
      const onTime = await signIn(early);
      const tooLate = await signIn(late);
      early.clock.advance(early.deps.stateTtlMs - 1);
      late.clock.advance(late.deps.stateTtlMs);

      const landed = await onTime.callback();
      const refused = await tooLate.callback().catch((err: unknown) => err);

      expect(loginCodeOf(landed.location)).toBeTruthy();
      expect(refused).toMatchObject({ name: 'H5OAuthError', code: 'STATE_EXPIRED' });
      expect(late.states.peek(tooLate.state)?.consumedAtMs).toBeUndefined();
      expect(late.sns.exchanges).toEqual([]);
    });

    it('rejects a code for another official account with APPID_MISMATCH', async () => {
      const w = await world();
      const { callback, state } = await signIn(w);

      await expect(callback({ appid: 'wx2222222222222222' })).rejects.toMatchObject({ code: 'APPID_MISMATCH' });
      expect(w.states.peek(state)?.consumedAtMs).toBeUndefined();
      expect(w.sns.exchanges).toEqual([]);
    });

    it('reports a state that expires between reading and consuming it as STATE_EXPIRED, without calling WeChat', async () => {
      const w = await world();
      const { callback } = await signIn(w);
      w.clock.advance(w.deps.stateTtlMs - 1);
      w.states.faults.beforeNext('consume', () => w.clock.advance(1));

      await expect(callback()).rejects.toMatchObject({ code: 'STATE_EXPIRED' });
      expect(w.sns.exchanges).toEqual([]);
    });
  });

  describe('WeChat and token failures', () => {
    it.each([
      ['40029 (invalid code)', 'CODE_REJECTED', wechatErrcode('sns_component_access_token', 40029)],
      ['40163 (code already used)', 'CODE_REJECTED', wechatErrcode('sns_component_access_token', 40163)],
      ['-1 after every retry', 'WECHAT_UNAVAILABLE', wechatErrcode('sns_component_access_token', -1)],
      ['a timeout', 'WECHAT_UNAVAILABLE', wechatFailure('sns_component_access_token', 'TIMEOUT')],
      ['a dropped connection', 'WECHAT_UNAVAILABLE', wechatFailure('sns_component_access_token', 'NETWORK')],
      ['HTTP 502', 'WECHAT_UNAVAILABLE', wechatFailure('sns_component_access_token', 'HTTP_STATUS', { httpStatus: 502 })],
      ['another errcode', 'WECHAT_ERROR', wechatErrcode('sns_component_access_token', 40013)],
    ])('answers %s with %s and a retry link, and remembers it for a replay', async (_name, code, failure) => {
      const w = await world();
      const { callback, state } = await signIn(w);
      w.sns.faults.failNext('exchangeCode', failure);

      const first = await callback().catch((err: unknown) => err);
      const replay = await callback().catch((err: unknown) => err);

      expect(first).toMatchObject({ name: 'H5OAuthError', code, retryUrl: FAKE_RETURN_TO });
      expect(w.states.peek(state)?.outcome).toEqual({ kind: 'failed', error: code });
      expect(replay).toMatchObject({ name: 'H5OAuthError', code });
      expect(w.sns.faults.calls('exchangeCode')).toBe(1);
    });

    it('answers TOKEN_UNAVAILABLE when no component_access_token can be had, without calling the sns API', async () => {
      const w = fakeH5OAuth(); // no ticket: the refresher cannot get a token
      const { callback } = await signIn(w);

      await expect(callback()).rejects.toMatchObject({ name: 'H5OAuthError', code: 'TOKEN_UNAVAILABLE' });
      expect(w.sns.faults.calls('exchangeCode')).toBe(0);
    });

    it('recovers from 40001 on a component token replaced behind its back: the reader drops it and the exchange is retried once', async () => {
      const w = await world();
      await w.deps.tokenReader.getComponentAccessToken(); // cached by the reader
      w.refresher.tokens.put('fake-token-from-another-refresher-000000', {
        fetchedAtMs: w.clock.now(),
        expiresAtMs: w.clock.now() + 7_200_000,
      });
      const { callback } = await signIn(w);

      const { location } = await callback();

      expect(loginCodeOf(location)).toBeTruthy();
      expect(w.sns.exchanges.map((exchange) => exchange.componentAccessToken)).toEqual([
        w.refresher.api.issued[0],
        'fake-token-from-another-refresher-000000',
      ]);
    });

    it('passes a store failure through as it is and remembers WECHAT_UNAVAILABLE for a replay', async () => {
      const w = await world();
      const { callback, state } = await signIn(w);
      w.users.faults.failNext('upsert');

      await expect(callback()).rejects.toMatchObject({ name: 'StoreError', code: 'UNAVAILABLE' });
      expect(w.states.peek(state)?.outcome).toEqual({ kind: 'failed', error: 'WECHAT_UNAVAILABLE' });
    });

    it('writes the login code while the user is being written, not after it', async () => {
      const w = await world();
      const { callback, state } = await signIn(w);
      const upsert = w.users.faults.holdNext('upsert');

      const pending = callback();
      await upsert.reached;
      await new Promise((resolve) => setImmediate(resolve));
      const issuedDuringUpsert = w.loginCodes.faults.calls('issue');
      const completedDuringUpsert = w.states.peek(state)?.outcome;
      upsert.release();
      const { location } = await pending;

      expect(issuedDuringUpsert).toBe(1);
      expect(completedDuringUpsert).toBeUndefined();
      expect(w.loginCodes.peek(loginCodeOf(location)!)).toMatchObject({ openid: ALICE.openid });
      expect(w.loginCodes.faults.calls('issue')).toBe(1);
    });

    it('throws the user write failure even when the login code was written meanwhile, and hands out no code', async () => {
      const w = await world();
      const { callback, state } = await signIn(w);
      w.users.faults.failNext('upsert');

      const error = await callback().catch((err: unknown) => err);

      expect(error).toMatchObject({ name: 'StoreError', code: 'UNAVAILABLE' });
      expect(String((error as Error).message)).not.toContain('wx_login');
      expect(w.states.peek(state)?.outcome).toEqual({ kind: 'failed', error: 'WECHAT_UNAVAILABLE' });
    });

    it('throws a login-code write failure after storing the user, so a replay from the same browser gets a code', async () => {
      const w = await world();
      const { callback, state } = await signIn(w);
      w.loginCodes.faults.failNext('issue');

      await expect(callback()).rejects.toMatchObject({ name: 'StoreError', code: 'UNAVAILABLE' });
      const replay = await callback();

      expect(w.states.peek(state)?.outcome).toEqual({ kind: 'signed-in', openid: ALICE.openid });
      expect(await w.users.get(FAKE_AUTHORIZER_APPID, ALICE.openid)).toMatchObject({ signInCount: 1 });
      expect(w.loginCodes.peek(loginCodeOf(replay.location)!)).toMatchObject({ openid: ALICE.openid });
    });

    it('still reports the WeChat failure when its outcome cannot be stored', async () => {
      const w = await world();
      const { callback } = await signIn(w);
      w.sns.faults.failNext('exchangeCode', wechatErrcode('sns_component_access_token', 40029));
      w.states.faults.failNext('complete');

      await expect(callback()).rejects.toMatchObject({ name: 'H5OAuthError', code: 'CODE_REJECTED' });
    });
  });

  describe('a replayed callback', () => {
    it('from the same browser within the window lands again with a new login code and no second WeChat call', async () => {
      const w = await world();
      const { callback, pkce } = await signIn(w);
      const first = await callback();
      w.clock.advance(w.deps.replayWindowMs);

      const again = await callback();

      expect(loginCodeOf(again.location)).not.toBe(loginCodeOf(first.location));
      expect(w.loginCodes.peek(loginCodeOf(again.location)!)).toEqual({
        authorizerAppid: FAKE_AUTHORIZER_APPID,
        openid: ALICE.openid,
        codeChallenge: pkce.codeChallenge,
      });
      expect(w.sns.exchanges).toHaveLength(1);
      expect(w.logger.withMessage('h5-oauth callback replayed by the same browser')).toHaveLength(1);
    });

    it('rejects a replay a millisecond after the window with UNKNOWN_STATE', async () => {
      const w = await world();
      const { callback } = await signIn(w);
      await callback();
      w.clock.advance(w.deps.replayWindowMs + 1);

      await expect(callback()).rejects.toMatchObject({ name: 'H5OAuthError', code: 'UNKNOWN_STATE', retryUrl: FAKE_RETURN_TO });
    });

    it('rejects a replay from another browser with REPLAYED_ELSEWHERE and counts it', async () => {
      const w = await world();
      const { callback } = await signIn(w);
      await callback();

      await expect(callback({}, {})).rejects.toMatchObject({ code: 'REPLAYED_ELSEWHERE' });
      expect(w.metrics.sum('H5OAuthReplaysRefused')).toBe(1);
    });

    it('rejects every replay when cookie binding is off: without it no browser can be told apart', async () => {
      const w = await world({ cookieBinding: false });
      const { callback } = await signIn(w);
      await callback();

      await expect(callback()).rejects.toMatchObject({ code: 'REPLAYED_ELSEWHERE' });
    });

    it.each([
      ['another code', { code: 'fake-oauth-code-another' }],
      ['no code after a callback with one', { code: undefined }],
    ])('rejects a replay with %s as UNKNOWN_STATE', async (_name, query) => {
      const w = await world();
      const { callback } = await signIn(w);
      await callback();

      await expect(callback(query)).rejects.toMatchObject({ code: 'UNKNOWN_STATE' });
      expect(w.sns.exchanges).toHaveLength(1);
    });

    it('answers a replayed refusal with access_denied again', async () => {
      const w = await world();
      const { callback } = await signIn(w);
      await callback({ code: undefined });

      const { location } = await callback({ code: undefined });

      expect(errorOf(location)).toBe('access_denied');
    });

    it('takes the replay path when a concurrent callback consumed the state between the read and the consume', async () => {
      const w = await world();
      const { callback } = await signIn(w);
      let rival: Promise<{ location: string }> | undefined;
      w.states.faults.beforeNext('consume', async () => {
        rival = callback();
        await rival;
      });

      const mine = await callback();

      expect(loginCodeOf(mine.location)).toBeTruthy();
      expect(loginCodeOf(mine.location)).not.toBe(loginCodeOf((await rival!).location));
      expect(w.sns.exchanges).toHaveLength(1);
    });
  });

  describe('a replay while the first callback is still talking to WeChat', () => {
    it('waits for its outcome, polling every 100 ms, and lands with the same user', async () => {
      const w = await world();
      const { callback } = await signIn(w);
      const exchange = w.sns.faults.holdNext('exchangeCode');
      const first = callback();
      await exchange.reached;
      w.sleeper.onSleep = (count) => count === 3 && exchange.release();

      const replay = await callback();

      expect(w.sleeper.waits.slice(0, 3)).toEqual([REPLAY_POLL_MS, REPLAY_POLL_MS, REPLAY_POLL_MS]);
      expect(w.loginCodes.peek(loginCodeOf(replay.location)!)).toMatchObject({ openid: ALICE.openid });
      expect(loginCodeOf((await first).location)).toBeTruthy();
      expect(w.sns.exchanges).toHaveLength(1);
    });

    it(`answers WECHAT_UNAVAILABLE after ${REPLAY_POLLS} polls when no outcome ever arrives`, async () => {
      const w = await world();
      const { callback } = await signIn(w);
      const exchange = w.sns.faults.holdNext('exchangeCode');
      const first = callback();
      await exchange.reached;

      const replay = await callback().catch((err: unknown) => err);
      exchange.release();
      await first;

      expect(replay).toMatchObject({ name: 'H5OAuthError', code: 'WECHAT_UNAVAILABLE', retryUrl: FAKE_RETURN_TO });
      expect(w.sleeper.waits).toEqual(Array.from({ length: REPLAY_POLLS }, () => REPLAY_POLL_MS));
      expect(w.states.faults.calls('get')).toBeGreaterThanOrEqual(REPLAY_POLLS);
    });
  });
});
