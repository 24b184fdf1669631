import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { secretRegistry } from '../log/redaction';
import type { UserRecord } from '../store/user-store';
import type { H5OAuthDeps } from './h5-oauth-deps';
import { H5OAuthError } from './h5-oauth-errors';
import { codeVerifierMatches } from './pkce';
import type { SessionClaims } from './session-token';

/** What a page learns about the signed-in user: never a WeChat token. */
export interface PublicUser {
  openid: string;
  appid: string;
  unionid?: string;
  scope: string;
  nickname?: string;
  headimgurl?: string;
  sex?: number;
  province?: string;
  city?: string;
  country?: string;
  isSnapshotUser?: boolean;
  firstSeenAt: string;
  lastSeenAt: string;
}

export function toPublicUser(user: UserRecord): PublicUser {
  return {
    openid: user.openid,
    appid: user.authorizerAppid,
    ...(user.unionid ? { unionid: user.unionid } : {}),
    scope: user.scope,
    ...(user.profile ?? {}),
    firstSeenAt: new Date(user.firstSeenAtMs).toISOString(),
    lastSeenAt: new Date(user.lastSeenAtMs).toISOString(),
  };
}

/**
 * POST /h5-oauth/session: redeems a login code, once, for a session token and the user's profile. The code is consumed
 * before the PKCE verifier is checked, so a wrong or missing verifier uses it up: one attempt per code, and a code
 * planted in another browser is destroyed by that browser's first try.
 */
export async function redeemLoginCode(
  deps: H5OAuthDeps,
  body: { loginCode: unknown; codeVerifier: unknown },
): Promise<{ token: string; expiresAt: string; user: PublicUser }> {
  const { loginCode, codeVerifier } = body;
  if (typeof loginCode !== 'string' || !/^[A-Za-z0-9]{32}$/.test(loginCode))
    throw new H5OAuthError('LOGIN_CODE_INVALID', 'loginCode is missing or malformed');
  const grant = await deps.loginCodes.redeem(loginCode);
  if (!grant) throw new H5OAuthError('LOGIN_CODE_INVALID', 'login code unknown, already used or expired');
  // Registered once known to be real: an arbitrary string sent as a code must not mask words in our own log lines.
  secretRegistry.add(loginCode);
  if (!codeVerifierMatches(codeVerifier, grant.codeChallenge)) {
    deps.metrics.addMetric('LoginCodesRefusedPkce', MetricUnit.Count, 1);
    throw new H5OAuthError('CODE_VERIFIER_INVALID', 'codeVerifier is missing, malformed or not the one this h5-oauth started with');
  }
  secretRegistry.add(codeVerifier);
  const user = await deps.users.get(grant.authorizerAppid, grant.openid);
  if (!user) throw new H5OAuthError('LOGIN_CODE_INVALID', 'login code refers to no stored user');
  const sessions = await deps.getSessionTokens();
  const { token, expiresAtMs } = await sessions.sign({
    openid: user.openid,
    appid: user.authorizerAppid,
    ...(user.unionid ? { unionid: user.unionid } : {}),
  });
  deps.metrics.addMetric('SessionsIssued', MetricUnit.Count, 1);
  return { token, expiresAt: new Date(expiresAtMs).toISOString(), user: toPublicUser(user) };
}

/** GET /h5-oauth/session: the profile behind a valid bearer session token. */
export async function readSession(deps: H5OAuthDeps, authorization: string | undefined): Promise<PublicUser> {
  const claims = await authenticateSession(deps, authorization);
  const user = await deps.users.get(claims.appid, claims.sub);
  if (!user) throw new H5OAuthError('SESSION_INVALID', 'the session refers to no stored user');
  return toPublicUser(user);
}

/** DELETE /h5-oauth/session (logout): the session's jti is refused from now on, until the token would have expired. */
export async function endSession(deps: H5OAuthDeps, authorization: string | undefined): Promise<void> {
  const claims = await authenticateSession(deps, authorization);
  await deps.sessionRevocations.revoke(claims.jti, claims.expiresAtMs);
  deps.metrics.addMetric('SessionsEnded', MetricUnit.Count, 1);
}

/**
 * The claims of a bearer session token that is valid (signature, issuer, audience, expiry), was not logged out, and
 * belongs to an official account that has not revoked this platform.
 */
async function authenticateSession(deps: H5OAuthDeps, authorization: string | undefined): Promise<SessionClaims> {
  // The scheme is case-insensitive (RFC 7235 section 2.1): "bearer" is as good as "Bearer".
  const match = /^Bearer ([A-Za-z0-9._~+/=-]+)$/i.exec(authorization?.trim() ?? '');
  if (!match) throw new H5OAuthError('SESSION_INVALID', 'an Authorization: Bearer session token is required');
  const claims = await (await deps.getSessionTokens()).verify(match[1]!);
  const [loggedOut, authorizerRevoked] = await Promise.all([
    deps.sessionRevocations.isRevoked(claims.jti),
    deps.revokedAuthorizers.isRevoked(claims.appid),
  ]);
  if (loggedOut) throw new H5OAuthError('SESSION_REVOKED', 'the session was ended by logout');
  if (authorizerRevoked) throw new H5OAuthError('AUTHORIZER_REVOKED', 'the official account has revoked this platform');
  return claims;
}
