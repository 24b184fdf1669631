import { errors, jwtVerify, SignJWT } from 'jose';
import { secretRegistry } from '../log/redaction';
import { H5OAuthError } from './h5-oauth-errors';
import { randomAlphanumeric } from './random-token';

export interface SessionClaims {
  /** The user's openid for this authorizer. */
  sub: string;
  appid: string;
  unionid?: string;
  /** The session's own random id: what logout revokes. */
  jti: string;
  expiresAtMs: number;
}

const JTI_PATTERN = /^[A-Za-z0-9]{32}$/;

/**
 * The HS256 key from the session secret's string: at least 256 bits (the stack generates 64 random letters and
 * digits), pinned in the log redactor before it is used.
 */
export function sessionSigningKeyFrom(secretString: string): Uint8Array {
  if (secretString.length < 32) throw new Error('the session secret must be at least 32 characters');
  secretRegistry.pin('session_signing_key', secretString);
  return new TextEncoder().encode(secretString);
}

/**
 * Session tokens for H5 pages: HS256 JWTs signed with a key from Secrets Manager (jose does the JOSE work). Issuer
 * and audience name this component, so a token of another deployment, or any other JWT signed with a leaked key for
 * some other purpose, is refused.
 */
export function createSessionTokens(input: { signingKey: Uint8Array; componentAppid: string; ttlSec: number; now: () => number }) {
  const issuer = `wechat-component:${input.componentAppid}`;
  const audience = 'h5-session';
  return {
    async sign(claims: { openid: string; appid: string; unionid?: string }): Promise<{ token: string; expiresAtMs: number }> {
      const iat = Math.floor(input.now() / 1000);
      const exp = iat + input.ttlSec;
      const token = await new SignJWT({ appid: claims.appid, ...(claims.unionid ? { unionid: claims.unionid } : {}) })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setSubject(claims.openid)
        .setIssuer(issuer)
        .setAudience(audience)
        .setIssuedAt(iat)
        .setExpirationTime(exp)
        .setJti(randomAlphanumeric(32))
        .sign(input.signingKey);
      secretRegistry.add(token);
      return { token, expiresAtMs: exp * 1000 };
    },

    /** Claims of a valid token; throws H5OAuthError SESSION_INVALID (expired, tampered, foreign, malformed). */
    async verify(token: string): Promise<SessionClaims> {
      try {
        const { payload } = await jwtVerify(token, input.signingKey, {
          algorithms: ['HS256'],
          issuer,
          audience,
          currentDate: new Date(input.now()),
          requiredClaims: ['sub', 'exp', 'appid', 'jti'],
        });
        if (typeof payload.appid !== 'string' || typeof payload.sub !== 'string' || !JTI_PATTERN.test(payload.jti ?? '')) {
          throw new errors.JWTClaimValidationFailed('bad claims', payload);
        }
        // Only now: a string that merely claims to be a token is not worth masking (nor letting a caller mask words).
        secretRegistry.add(token);
        return {
          sub: payload.sub,
          appid: payload.appid,
          ...(typeof payload.unionid === 'string' ? { unionid: payload.unionid } : {}),
          jti: payload.jti!,
          expiresAtMs: (payload.exp ?? 0) * 1000,
        };
      } catch (err) {
        const reason = err instanceof errors.JWTExpired ? 'session token expired' : 'session token invalid';
        throw new H5OAuthError('SESSION_INVALID', reason);
      }
    },
  };
}

export type SessionTokens = ReturnType<typeof createSessionTokens>;
