import { SignJWT, UnsecuredJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { H5OAuthError } from '../../../shared/h5-oauth/h5-oauth-errors';
import { createSessionTokens } from '../../../shared/h5-oauth/session-token';
import { FakeClock } from '../../support/fake-clock';

const KEY = new TextEncoder().encode('unit-test-session-key-0123456789abcdefghij');
const COMPONENT_APPID = 'wx1234567890abcdef';
const CLAIMS = { openid: 'o-user', appid: 'wx1111111111111111', unionid: 'u-user' };
const JTI = 'Jti0123456789abcdefghijklmnopqrs';

function setup(ttlSec = 600) {
  const clock = new FakeClock();
  return { clock, sessions: createSessionTokens({ signingKey: KEY, componentAppid: COMPONENT_APPID, ttlSec, now: clock.now }) };
}

async function rejection(promise: Promise<unknown>): Promise<H5OAuthError> {
  const error = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(H5OAuthError);
  expect(error).toMatchObject({ code: 'SESSION_INVALID' });
  return error as H5OAuthError;
}

/** A token as ours are made, with one thing changed. */
function forge(
  clock: FakeClock,
  change: { key?: Uint8Array; issuer?: string; audience?: string; alg?: string; payload?: Record<string, unknown> } = {},
) {
  const iat = Math.floor(clock.now() / 1000);
  return new SignJWT(change.payload ?? { appid: CLAIMS.appid, jti: JTI })
    .setProtectedHeader({ alg: change.alg ?? 'HS256', typ: 'JWT' })
    .setSubject(CLAIMS.openid)
    .setIssuer(change.issuer ?? `wechat-component:${COMPONENT_APPID}`)
    .setAudience(change.audience ?? 'h5-session')
    .setIssuedAt(iat)
    .setExpirationTime(iat + 600)
    .sign(change.key ?? KEY);
}

describe('createSessionTokens', () => {
  it('verifies a token it signed, giving back the claims and the expiry', async () => {
    const { clock, sessions } = setup(600);

    const { token, expiresAtMs } = await sessions.sign(CLAIMS);
    const claims = await sessions.verify(token);

    expect(expiresAtMs).toBe(clock.now() + 600_000);
    expect(claims).toEqual({
      sub: 'o-user',
      appid: CLAIMS.appid,
      unionid: 'u-user',
      jti: expect.stringMatching(/^[A-Za-z0-9]{32}$/),
      expiresAtMs,
    });
  });

  it('gives every token its own random jti, the id logout revokes', async () => {
    const { sessions } = setup();

    const tokens = await Promise.all(Array.from({ length: 20 }, () => sessions.sign(CLAIMS)));

    const jtis = await Promise.all(tokens.map(async ({ token }) => (await sessions.verify(token)).jti));
    expect(new Set(jtis).size).toBe(20);
  });

  it.each([
    ['no jti', { appid: CLAIMS.appid }],
    ['a jti that is not 32 letters and digits', { appid: CLAIMS.appid, jti: 'a#b' }],
    ['a numeric jti', { appid: CLAIMS.appid, jti: 12345 }],
  ])('throws SESSION_INVALID for a token with %s', async (_name, payload) => {
    const { clock, sessions } = setup();

    await rejection(sessions.verify(await forge(clock, { payload })));
  });

  it('leaves unionid out when the user has none', async () => {
    const { sessions } = setup();

    const { token } = await sessions.sign({ openid: 'o-user', appid: CLAIMS.appid });

    expect(await sessions.verify(token)).not.toHaveProperty('unionid');
  });

  it('accepts a token forged exactly as ours are, so the rejections below are about what they change', async () => {
    const { clock, sessions } = setup();

    expect((await sessions.verify(await forge(clock))).sub).toBe('o-user');
  });

  it('throws SESSION_INVALID for a token with a character changed in any part', async () => {
    const { sessions } = setup();
    const { token } = await sessions.sign(CLAIMS);

    for (let part = 0; part < 3; part++) {
      const parts = token.split('.');
      const at = Math.floor(parts[part]!.length / 2);
      parts[part] = parts[part]!.slice(0, at) + (parts[part]![at] === 'x' ? 'y' : 'x') + parts[part]!.slice(at + 1);

      await rejection(sessions.verify(parts.join('.')));
    }
  });

  it('throws SESSION_INVALID for a token signed with another key', async () => {
    const { clock, sessions } = setup();

    await rejection(sessions.verify(await forge(clock, { key: new TextEncoder().encode('another-key-0123456789abcdefghijklmnopq') })));
  });

  it('throws SESSION_INVALID for a token of another deployment (issuer) or purpose (audience), even with our key', async () => {
    const { clock, sessions } = setup();
    const other = createSessionTokens({ signingKey: KEY, componentAppid: 'wxffffffffffffffff', ttlSec: 600, now: clock.now });

    await rejection(sessions.verify((await other.sign(CLAIMS)).token));
    await rejection(sessions.verify(await forge(clock, { issuer: 'https://issuer.example' })));
    await rejection(sessions.verify(await forge(clock, { audience: 'admin' })));
  });

  it('throws SESSION_INVALID for an unsecured token (alg none) and for another HMAC algorithm', async () => {
    const { clock, sessions } = setup();
    const unsecured = new UnsecuredJWT({ appid: CLAIMS.appid })
      .setSubject(CLAIMS.openid)
      .setIssuer(`wechat-component:${COMPONENT_APPID}`)
      .setAudience('h5-session')
      .setExpirationTime(Math.floor(clock.now() / 1000) + 600)
      .encode();

    await rejection(sessions.verify(unsecured));
    await rejection(sessions.verify(await forge(clock, { alg: 'HS512' })));
  });

  it('throws SESSION_INVALID "expired" at the expiry second, and accepts the token one second before', async () => {
    const { clock, sessions } = setup(600);
    const { token } = await sessions.sign(CLAIMS);

    clock.advance(599_000);
    const before = await sessions.verify(token);
    clock.advance(1_000);
    const error = await rejection(sessions.verify(token));

    expect(before.sub).toBe('o-user');
    expect(error.message).toBe('session token expired');
  });

  it('throws SESSION_INVALID for a token without appid or with a non-string appid', async () => {
    const { clock, sessions } = setup();

    await rejection(sessions.verify(await forge(clock, { payload: {} })));
    await rejection(sessions.verify(await forge(clock, { payload: { appid: 42 } })));
  });

  it('throws SESSION_INVALID for things that are not tokens', async () => {
    const { sessions } = setup();

    for (const junk of ['', 'a.b.c', 'not-a-jwt', '....']) await rejection(sessions.verify(junk));
  });

  it('keeps the token and the library error out of the thrown error', async () => {
    const { sessions } = setup();
    const { token } = await sessions.sign(CLAIMS);
    const tampered = `${token.slice(0, -6)}AAAAAA`;

    const error = await rejection(sessions.verify(tampered));

    expect(error.cause).toBeUndefined();
    expect(JSON.stringify({ ...error, message: error.message })).not.toContain(tampered.split('.')[1]);
  });
});
