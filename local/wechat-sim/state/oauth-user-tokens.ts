/**
 * User access and refresh tokens from the H5 code exchange (docs/wechat-protocol.md §5). They only read one
 * user's data and have nothing to do with component or authorizer tokens.
 */
import { randomBytes } from 'node:crypto';
import type { OAuthGrant } from './oauth-codes';

/** Lifetime of a user access token, in seconds. */
export const USER_ACCESS_TOKEN_TTL_SEC = 7200;
/**
 * Lifetime of a user refresh token, in seconds (30 days). Counted from the code exchange and never extended
 * by a refresh: after 30 days the user must authorize again, as section 5 describes.
 */
export const USER_REFRESH_TOKEN_TTL_SEC = 30 * 86_400;

interface TokenRecord {
  grant: OAuthGrant;
  expiresAtMs: number;
}

/** A freshly issued user access token. */
export interface IssuedUserToken {
  accessToken: string;
  refreshToken: string;
  expiresInSec: number;
  grant: OAuthGrant;
}

/** What an access token check found. */
export type UserTokenCheck = { state: 'ok'; grant: OAuthGrant } | { state: 'expired' | 'unknown' };

/** Issues, refreshes and checks user tokens on the sim clock. */
export class OAuthUserTokens {
  private readonly accessTokens = new Map<string, TokenRecord>();
  private readonly refreshTokens = new Map<string, TokenRecord>();

  /** Issues an access token and a new refresh token for `grant` (a successful code exchange). */
  issue(grant: OAuthGrant, nowMs: number): IssuedUserToken {
    const refreshToken = newToken();
    this.refreshTokens.set(refreshToken, { grant: { ...grant }, expiresAtMs: nowMs + USER_REFRESH_TOKEN_TTL_SEC * 1000 });
    return { ...this.issueAccessToken(grant, nowMs), refreshToken };
  }

  /**
   * A new access token for a valid refresh token of `authorizerAppid` (the same refresh token comes back), or
   * null when it is unknown, expired or belongs to another authorizer. Earlier access tokens keep working
   * until their own expiry.
   */
  refresh(refreshToken: string, authorizerAppid: string, nowMs: number): IssuedUserToken | null {
    const record = this.refreshTokens.get(refreshToken);
    if (!record || record.grant.authorizerAppid !== authorizerAppid || nowMs >= record.expiresAtMs) return null;
    return { ...this.issueAccessToken(record.grant, nowMs), refreshToken };
  }

  /** Classifies an access token at `nowMs`. */
  check(accessToken: string, nowMs: number): UserTokenCheck {
    const record = this.accessTokens.get(accessToken);
    if (!record) return { state: 'unknown' };
    if (nowMs >= record.expiresAtMs) return { state: 'expired' };
    return { state: 'ok', grant: { ...record.grant } };
  }

  private issueAccessToken(grant: OAuthGrant, nowMs: number): Omit<IssuedUserToken, 'refreshToken'> {
    const accessToken = newToken();
    this.accessTokens.set(accessToken, { grant: { ...grant }, expiresAtMs: nowMs + USER_ACCESS_TOKEN_TTL_SEC * 1000 });
    return { accessToken, expiresInSec: USER_ACCESS_TOKEN_TTL_SEC, grant: { ...grant } };
  }
}

/** Unguessable and URL-safe; 86 characters, in the range of WeChat's user tokens. */
function newToken(): string {
  return randomBytes(64).toString('base64url');
}
