import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { decodeJwt, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_AUTHORIZER_APPID } from '../../local/wechat-sim/defaults';
import { randomAlphanumeric } from '../../shared/h5-oauth/random-token';
import { createSessionTokens } from '../../shared/h5-oauth/session-token';
import { userPk } from '../../shared/store/table-keys';
import type { UserOAuthTokens } from '../../shared/store/user-store';
import { TestBrowser } from '../support/h5-oauth-browser';
import { type Harness, RETURN_TO_ORIGIN, startHarness, TABLE_NAME, TEST_SECRETS } from '../support/harness';
import { expectJsonFailure, FIXED_PKCE, h5OAuth, readSession, redeem } from './h5-oauth-flows';

const SESSION_TTL_SEC = 3_600;
const LOGIN_CODE_TTL_MS = 60_000;
const ISSUER = `wechat-component:${TEST_SECRETS.componentAppid}`;

interface SessionBody {
  token: string;
  expiresAt: string;
  user: Record<string, unknown> & { openid: string };
}

describe('login codes and sessions (/h5-oauth/session)', () => {
  let h: Harness;
  let signingKey: Uint8Array;
  beforeAll(async () => {
    h = await startHarness({ oauth: { sessionTtlSec: SESSION_TTL_SEC, loginCodeTtlMs: LOGIN_CODE_TTL_MS } });
    await h.sim.pushTicketNow();
    const secrets = new SecretsManagerClient(h.aws.clientConfig('secretsManager'));
    signingKey = new TextEncoder().encode((await secrets.send(new GetSecretValueCommand({ SecretId: 'wechat-session' }))).SecretString!);
    secrets.destroy();
  });
  afterAll(async () => h?.close());

  const user = () => h.sim.oauthUsers()[0]!;
  const openid = () => user().openidFor(TEST_AUTHORIZER_APPID);
  const postRaw = (body: string, origin: string | null = RETURN_TO_ORIGIN) =>
    fetch(`${h.gateway.url}/h5-oauth/session`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', ...(origin ? { origin } : {}) },
    });
  /** A login code and the verifier of the page that started its sign-in. */
  const newLoginCode = async (): Promise<{ loginCode: string; codeVerifier: string }> => {
    const { loginCode, codeVerifier } = await h5OAuth(h, new TestBrowser(), { userId: user().id, scope: 'snsapi_userinfo' });
    return { loginCode, codeVerifier };
  };
  const newSession = async () => (await (await redeem(h, await newLoginCode())).json()) as SessionBody;
  /** Signs claims as a token of ours would carry them, with whatever key and issuer the test wants. */
  const forge = (overrides: { key?: Uint8Array; issuer?: string; audience?: string; sub?: string; jti?: string | null } = {}) => {
    const jwt = new SignJWT({ appid: TEST_AUTHORIZER_APPID })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(overrides.sub ?? openid())
      .setIssuer(overrides.issuer ?? ISSUER)
      .setAudience(overrides.audience ?? 'h5-session')
      .setIssuedAt(Math.floor(h.clock.now() / 1000))
      .setExpirationTime(Math.floor(h.clock.now() / 1000) + 600);
    if (overrides.jti !== null) jwt.setJti(overrides.jti ?? randomAlphanumeric(32));
    return jwt.sign(overrides.key ?? signingKey);
  };
  const expectUnauthorized = async (response: Response) => {
    await expectJsonFailure(response, 'SESSION_INVALID');
    expect(response.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
  };

  describe('POST /h5-oauth/session (login code redemption)', () => {
    it('answers {token, expiresAt, user} with the profile and no WeChat token', async () => {
      const redemption = await newLoginCode();

      const response = await redeem(h, redemption);

      expect(response.status).toBe(200);
      const body = (await response.json()) as SessionBody;
      expect(Object.keys(body).sort()).toEqual(['expiresAt', 'token', 'user']);
      expect(body.expiresAt).toBe(new Date(h.clock.now() + SESSION_TTL_SEC * 1000).toISOString());
      expect(body.user).toMatchObject({
        openid: openid(),
        appid: TEST_AUTHORIZER_APPID,
        unionid: user().unionid,
        scope: 'snsapi_userinfo',
        nickname: user().nickname,
      });
      expect(decodeJwt(body.token)).toMatchObject({ sub: openid(), appid: TEST_AUTHORIZER_APPID, iss: ISSUER, aud: 'h5-session' });
      const item = (
        await h.dynamo.send(
          new GetCommand({
            TableName: TABLE_NAME,
            Key: { pk: userPk(TEST_SECRETS.componentAppid, TEST_AUTHORIZER_APPID, openid()), sk: 'PROFILE' },
          }),
        )
      ).Item!;
      const tokens = JSON.parse(await h.stores.sealer.open('user_oauth_tokens', item.tokensCiphertext as Uint8Array)) as UserOAuthTokens;
      const text = JSON.stringify(body);
      expect(text).not.toContain(tokens.accessToken);
      expect(text).not.toContain(tokens.refreshToken);
      expect(Object.keys(body.user).filter((key) => /token|cipher/i.test(key))).toEqual([]);
    });

    it('rejects a second redemption of the same login code with 400 LOGIN_CODE_INVALID', async () => {
      const redemption = await newLoginCode();
      const first = await redeem(h, redemption);

      const second = await redeem(h, redemption);

      expect(first.status).toBe(200);
      await expectJsonFailure(second, 'LOGIN_CODE_INVALID');
    });

    it('redeems a login code exactly once when ten redemptions race', async () => {
      const redemption = await newLoginCode();

      const responses = await Promise.all(Array.from({ length: 10 }, () => redeem(h, redemption)));

      expect(responses.map((response) => response.status).sort()).toEqual([200, 400, 400, 400, 400, 400, 400, 400, 400, 400]);
    });

    it('still redeems a login code one second before it expires', async () => {
      const redemption = await newLoginCode();
      h.clock.advance(LOGIN_CODE_TTL_MS - 1_000);

      const response = await redeem(h, redemption);

      expect(response.status).toBe(200);
    });

    it('rejects a login code once loginCodeTtlMs has passed with 400 LOGIN_CODE_INVALID', async () => {
      const redemption = await newLoginCode();
      h.clock.advance(LOGIN_CODE_TTL_MS + 1);

      const response = await redeem(h, redemption);

      await expectJsonFailure(response, 'LOGIN_CODE_INVALID');
    });

    it('rejects a well-formed login code that was never issued with 400 LOGIN_CODE_INVALID', async () => {
      await expectJsonFailure(
        await redeem(h, { loginCode: randomAlphanumeric(32), codeVerifier: FIXED_PKCE.codeVerifier }),
        'LOGIN_CODE_INVALID',
      );
    });

    it.each([
      ['an empty body', ''],
      ['a body that is not JSON', 'loginCode=abc'],
      ['an object without loginCode', '{}'],
      ['a number', '{"loginCode":12345678901234567890123456789012}'],
      ['null', '{"loginCode":null}'],
      ['an array', '{"loginCode":["AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"]}'],
      ['a short code', '{"loginCode":"abc"}'],
      ['a code one character too long', `{"loginCode":"${'A'.repeat(33)}"}`],
      ['a code with a character outside [A-Za-z0-9]', `{"loginCode":"${'A'.repeat(31)}-"}`],
      ['a code with a path in it', '{"loginCode":"../../../../AAAAAAAAAAAAAAAAAAAAAA"}'],
      ['a JSON array body', '["AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"]'],
    ])('rejects %s with 400 LOGIN_CODE_INVALID', async (_name, body) => {
      await expectJsonFailure(await postRaw(body), 'LOGIN_CODE_INVALID');
    });

    it('rejects a body over 4 KiB with 400 BAD_REQUEST', async () => {
      await expectJsonFailure(
        await postRaw(JSON.stringify({ loginCode: randomAlphanumeric(32), padding: 'x'.repeat(5000) })),
        'BAD_REQUEST',
      );
    });
  });

  describe('GET /h5-oauth/session (bearer session token)', () => {
    it('answers 200 with the profile behind a valid token', async () => {
      const session = await newSession();

      const response = await readSession(h, `Bearer ${session.token}`);

      expect(response.status).toBe(200);
      expect(await response.json()).toEqual(session.user);
    });

    it('accepts the Bearer scheme in any letter case, as HTTP authentication schemes are case-insensitive (RFC 7235)', async () => {
      const session = await newSession();

      const responses = await Promise.all(['bearer', 'BEARER', 'Bearer'].map((scheme) => readSession(h, `${scheme} ${session.token}`)));

      expect(responses.map((response) => response.status)).toEqual([200, 200, 200]);
    });

    it('rejects a token with a character flipped in any of its three parts with 401 and WWW-Authenticate', async () => {
      const { token } = await newSession();

      for (let part = 0; part < 3; part++) {
        const parts = token.split('.');
        // The middle character: the last one of a base64url part may only carry padding bits that decode the same.
        const at = Math.floor(parts[part]!.length / 2);
        parts[part] = parts[part]!.slice(0, at) + (parts[part]![at] === 'A' ? 'B' : 'A') + parts[part]!.slice(at + 1);

        await expectUnauthorized(await readSession(h, `Bearer ${parts.join('.')}`));
      }
    });

    it('accepts a token forged with our own key, issuer and audience, so the rejections below are about what they change', async () => {
      await newSession();

      expect((await readSession(h, `Bearer ${await forge()}`)).status).toBe(200);
    });

    it('rejects a token without a jti, or with a jti not of our making, with 401: logout could not revoke it', async () => {
      await expectUnauthorized(await readSession(h, `Bearer ${await forge({ jti: null })}`));
      await expectUnauthorized(await readSession(h, `Bearer ${await forge({ jti: '../SESSION_REVOKED#x' })}`));
    });

    it('rejects a token signed with another key with 401', async () => {
      await expectUnauthorized(
        await readSession(h, `Bearer ${await forge({ key: new TextEncoder().encode('another-session-key-0123456789abcdefghij') })}`),
      );
    });

    it('rejects a token of another issuer or audience, even signed with our key, with 401', async () => {
      const otherDeployment = await createSessionTokens({
        signingKey,
        componentAppid: 'wxffffffffffffffff',
        ttlSec: 600,
        now: h.clock.now,
      }).sign({
        openid: openid(),
        appid: TEST_AUTHORIZER_APPID,
      });

      await expectUnauthorized(await readSession(h, `Bearer ${otherDeployment.token}`));
      await expectUnauthorized(await readSession(h, `Bearer ${await forge({ issuer: 'someone-else' })}`));
      await expectUnauthorized(await readSession(h, `Bearer ${await forge({ audience: 'admin' })}`));
    });

    it('rejects an unsigned token (alg none) with 401', async () => {
      const { token } = await newSession();
      const [, payload] = token.split('.');
      const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');

      await expectUnauthorized(await readSession(h, `Bearer ${header}.${payload}.`));
      await expectUnauthorized(await readSession(h, `Bearer ${header}.${payload}`));
    });

    it('accepts a token one second before it expires and rejects it once sessionTtlSec has passed', async () => {
      const { token } = await newSession();
      h.clock.advance(SESSION_TTL_SEC * 1000 - 1_000);
      const before = await readSession(h, `Bearer ${token}`);

      h.clock.advance(2_000);
      const after = await readSession(h, `Bearer ${token}`);

      expect(before.status).toBe(200);
      await expectUnauthorized(after);
    });

    it('rejects a valid token for a user that is not stored with 401', async () => {
      await expectUnauthorized(await readSession(h, `Bearer ${await forge({ sub: 'o-nobody-we-know' })}`));
    });

    it.each([
      ['no Authorization header', undefined],
      ['an empty header', ''],
      ['Bearer without a token', 'Bearer '],
      ['another scheme', 'Basic dXNlcjpwYXNz'],
      ['a token that is not a JWT', 'Bearer not-a-jwt'],
      ['two tokens', 'Bearer a.b.c d.e.f'],
    ])('rejects %s with 401 and WWW-Authenticate', async (_name, authorization) => {
      await expectUnauthorized(await readSession(h, authorization));
    });
  });

  describe('CORS', () => {
    it('answers POST, GET and OPTIONS from an allowed origin with that origin in Access-Control-Allow-Origin and Vary: Origin', async () => {
      const session = await newSession();

      const responses = {
        post: await redeem(h, await newLoginCode()),
        get: await readSession(h, `Bearer ${session.token}`),
        options: await fetch(`${h.gateway.url}/h5-oauth/session`, {
          method: 'OPTIONS',
          headers: { origin: RETURN_TO_ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
        }),
      };

      expect([responses.post.status, responses.get.status, responses.options.status]).toEqual([200, 200, 204]);
      for (const response of Object.values(responses)) {
        expect(response.headers.get('access-control-allow-origin')).toBe(RETURN_TO_ORIGIN);
        expect(response.headers.get('vary')).toBe('Origin');
      }
      expect(responses.options.headers.get('access-control-allow-methods')).toContain('POST');
      expect(responses.options.headers.get('access-control-allow-headers')).toContain('authorization');
    });

    it('lets an allowed origin read a failure too', async () => {
      const response = await redeem(h, { loginCode: randomAlphanumeric(32), codeVerifier: FIXED_PKCE.codeVerifier });

      expect(response.headers.get('access-control-allow-origin')).toBe(RETURN_TO_ORIGIN);
      await expectJsonFailure(response, 'LOGIN_CODE_INVALID');
    });

    it.each(['https://evil.example', 'null', 'https://h5.example.com.evil.example', 'http://h5.example.com'])(
      'rejects POST, GET and OPTIONS from origin %s with 403 and no Access-Control-Allow-Origin',
      async (origin) => {
        const responses = [
          await redeem(h, { loginCode: randomAlphanumeric(32), codeVerifier: FIXED_PKCE.codeVerifier }, origin),
          await readSession(h, 'Bearer a.b.c', origin),
          await fetch(`${h.gateway.url}/h5-oauth/session`, {
            method: 'OPTIONS',
            headers: { origin, 'access-control-request-method': 'POST' },
          }),
        ];

        for (const response of responses) {
          expect(response.headers.get('access-control-allow-origin')).toBeNull();
          await expectJsonFailure(response, 'ORIGIN_NOT_ALLOWED');
        }
      },
    );

    it('does not redeem a login code sent from a foreign origin', async () => {
      const redemption = await newLoginCode();

      const foreign = await redeem(h, redemption, 'https://evil.example');
      const own = await redeem(h, redemption);

      expect(foreign.status).toBe(403);
      expect(own.status).toBe(200);
    });

    it('serves a server-side call without Origin, adding no CORS headers', async () => {
      const post = await redeem(h, await newLoginCode(), null);
      const { token } = (await post.json()) as SessionBody;

      const get = await readSession(h, `Bearer ${token}`, null);

      expect([post.status, get.status]).toEqual([200, 200]);
      for (const response of [post, get]) expect(response.headers.get('access-control-allow-origin')).toBeNull();
    });
  });
});

describe('/h5-oauth/session with another method', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => h?.close());

  it('rejects PUT with 405 and an Allow header', async () => {
    const response = await fetch(`${h.gateway.url}/h5-oauth/session`, { method: 'PUT', headers: { origin: RETURN_TO_ORIGIN } });

    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, POST, DELETE, OPTIONS');
    expect(response.headers.get('access-control-allow-origin')).toBe(RETURN_TO_ORIGIN);
  });
});
