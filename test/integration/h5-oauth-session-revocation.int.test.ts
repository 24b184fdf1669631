import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_AUTHORIZER_APPID } from '../../local/wechat-sim/defaults';
import { revokedSessionPk } from '../../shared/store/table-keys';
import { TestBrowser } from '../support/h5-oauth-browser';
import { type Harness, RETURN_TO_ORIGIN, startHarness, TABLE_NAME, TEST_SECRETS } from '../support/harness';
import { expectJsonFailure, h5OAuth, readSession, redeem } from './h5-oauth-flows';

// Signed in to, then revoked by an unauthorized push, in one test each; no other test uses them.
const REVOKED_APPID = 'wx2222222222222222';
const REVOKED_BEFORE_READ_APPID = 'wx3333333333333333';
const SESSION_TTL_SEC = 3_600;
const REVOCATION_CACHE_MS = 60_000;

interface SessionBody {
  token: string;
  expiresAt: string;
}

describe('sessions end: logout and revoked authorizers', () => {
  let h: Harness;
  beforeAll(async () => {
    const authorizerAppids = [TEST_AUTHORIZER_APPID, REVOKED_APPID, REVOKED_BEFORE_READ_APPID];
    h = await startHarness({ oauth: { authorizerAppids, sessionTtlSec: SESSION_TTL_SEC }, sim: { authorizerAppids } });
    await h.sim.pushTicketNow();
  });
  afterAll(async () => h?.close());

  const newSession = async (appid = TEST_AUTHORIZER_APPID) =>
    (await (await redeem(h, await h5OAuth(h, new TestBrowser(), { appid }))).json()) as SessionBody;
  const logout = (token: string, origin: string | null = RETURN_TO_ORIGIN) =>
    fetch(`${h.gateway.url}/h5-oauth/session`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${token}`, ...(origin ? { origin } : {}) },
    });
  const expectUnauthorized = async (response: Response, code: 'SESSION_INVALID' | 'SESSION_REVOKED' | 'AUTHORIZER_REVOKED') => {
    await expectJsonFailure(response, code);
    expect(response.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
  };

  describe('DELETE /h5-oauth/session (logout)', () => {
    it('answers 204, and the token is refused from then on by GET and by DELETE', async () => {
      const { token } = await newSession();
      const before = await readSession(h, `Bearer ${token}`);

      const loggedOut = await logout(token);

      expect(before.status).toBe(200);
      expect(loggedOut.status).toBe(204);
      expect(await loggedOut.text()).toBe('');
      await expectUnauthorized(await readSession(h, `Bearer ${token}`), 'SESSION_REVOKED');
      await expectUnauthorized(await logout(token), 'SESSION_REVOKED');
    });

    it('ends only that session: another session of the same user stays valid', async () => {
      const first = await newSession();
      const second = await newSession();

      await logout(first.token);

      expect(decodeJwt(second.token).sub).toBe(decodeJwt(first.token).sub);
      expect((await readSession(h, `Bearer ${second.token}`)).status).toBe(200);
    });

    it('gives every session its own random jti and keeps the revocation until the token would have expired', async () => {
      const first = await newSession();
      const second = await newSession();
      const jti = decodeJwt(first.token).jti!;

      await logout(first.token);

      expect(jti).toMatch(/^[A-Za-z0-9]{32}$/);
      expect(decodeJwt(second.token).jti).not.toBe(jti);
      const item = (
        await h.dynamo.send(
          new GetCommand({ TableName: TABLE_NAME, Key: { pk: revokedSessionPk(TEST_SECRETS.componentAppid, jti), sk: 'REVOKED' } }),
        )
      ).Item;
      expect(item).toMatchObject({ ttl: Math.floor(Date.parse(first.expiresAt) / 1000) });
    });

    it('keeps refusing a logged-out token until it expires, then as expired', async () => {
      const { token } = await newSession();
      await logout(token);
      h.clock.advance(SESSION_TTL_SEC * 1000 - 1_000);
      const late = await readSession(h, `Bearer ${token}`);

      h.clock.advance(2_000);
      const expired = await readSession(h, `Bearer ${token}`);

      await expectUnauthorized(late, 'SESSION_REVOKED');
      await expectUnauthorized(expired, 'SESSION_INVALID');
    });

    it.each([
      ['no Authorization header', undefined],
      ['another scheme', 'Basic dXNlcjpwYXNz'],
      ['a token that is not a JWT', 'Bearer not-a-jwt'],
    ])('rejects a logout with %s with 401 and revokes nothing', async (_name, authorization) => {
      const response = await fetch(`${h.gateway.url}/h5-oauth/session`, {
        method: 'DELETE',
        headers: { origin: RETURN_TO_ORIGIN, ...(authorization ? { authorization } : {}) },
      });

      await expectUnauthorized(response, 'SESSION_INVALID');
    });

    it('rejects a tampered token with 401 and leaves the real session valid', async () => {
      const { token } = await newSession();
      const [header, payload, signature] = token.split('.');
      const tampered = `${header}.${payload}.${signature!.slice(0, 10)}${signature![10] === 'A' ? 'B' : 'A'}${signature!.slice(11)}`;

      await expectUnauthorized(await logout(tampered), 'SESSION_INVALID');

      expect((await readSession(h, `Bearer ${token}`)).status).toBe(200);
    });

    it('lets an allowed origin log out through CORS: the preflight allows DELETE, the answer names the origin', async () => {
      const { token } = await newSession();

      const preflight = await fetch(`${h.gateway.url}/h5-oauth/session`, {
        method: 'OPTIONS',
        headers: { origin: RETURN_TO_ORIGIN, 'access-control-request-method': 'DELETE', 'access-control-request-headers': 'authorization' },
      });
      const response = await logout(token);

      expect(preflight.status).toBe(204);
      expect(preflight.headers.get('access-control-allow-methods')).toContain('DELETE');
      expect(response.status).toBe(204);
      expect(response.headers.get('access-control-allow-origin')).toBe(RETURN_TO_ORIGIN);
    });

    it('refuses a logout from a foreign origin with 403 and leaves the session valid', async () => {
      const { token } = await newSession();

      const response = await logout(token, 'https://evil.example');

      await expectJsonFailure(response, 'ORIGIN_NOT_ALLOWED');
      expect((await readSession(h, `Bearer ${token}`)).status).toBe(200);
    });
  });

  describe('GET /h5-oauth/session of a revoked authorizer', () => {
    it(`refuses the session with 401 AUTHORIZER_REVOKED within ${REVOCATION_CACHE_MS / 1000} s of the unauthorized push`, async () => {
      const { token } = await newSession(REVOKED_APPID);
      const before = await readSession(h, `Bearer ${token}`);

      const pushed = await h.sim.pushEvent({ infoType: 'unauthorized', fields: { AuthorizerAppid: REVOKED_APPID } });
      h.clock.advance(REVOCATION_CACHE_MS);
      const after = await readSession(h, `Bearer ${token}`);

      expect(before.status).toBe(200);
      expect(pushed.acked).toBe(true);
      await expectUnauthorized(after, 'AUTHORIZER_REVOKED');
      await expectUnauthorized(await logout(token), 'AUTHORIZER_REVOKED');
    });

    it('refuses a session of an authorizer revoked before the session was first read', async () => {
      const { token } = await newSession(REVOKED_BEFORE_READ_APPID);
      await h.sim.pushEvent({ infoType: 'unauthorized', fields: { AuthorizerAppid: REVOKED_BEFORE_READ_APPID } });

      const response = await readSession(h, `Bearer ${token}`);

      await expectUnauthorized(response, 'AUTHORIZER_REVOKED');
    });

    it('keeps sessions of other authorizers valid', async () => {
      const { token } = await newSession(TEST_AUTHORIZER_APPID);
      h.clock.advance(REVOCATION_CACHE_MS);

      expect((await readSession(h, `Bearer ${token}`)).status).toBe(200);
    });
  });
});
