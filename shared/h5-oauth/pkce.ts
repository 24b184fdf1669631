import { createHash, timingSafeEqual } from 'node:crypto';
import { H5OAuthError } from './h5-oauth-errors';

/**
 * PKCE (RFC 7636), S256 only: the page that starts a sign-in keeps a random `code_verifier` and sends only its hash,
 * the `code_challenge`. The login code is issued bound to that challenge, so only the page that started the sign-in
 * can redeem it: a login code planted in another browser (login CSRF) is useless there.
 */

/** base64url of a SHA-256 digest without padding: always 43 characters (RFC 7636 section 4.2). */
const CODE_CHALLENGE_PATTERN = /^[A-Za-z0-9_-]{43}$/;
/** RFC 7636 section 4.1: 43 to 128 unreserved characters. */
const CODE_VERIFIER_PATTERN = /^[A-Za-z0-9._~-]{43,128}$/;

/** The S256 challenge of a verifier: base64url(sha256(ASCII verifier)), no padding. */
export function codeChallengeOf(codeVerifier: string): string {
  return createHash('sha256').update(codeVerifier, 'ascii').digest('base64url');
}

/**
 * The `code_challenge` of a GET /h5-oauth/start query; throws CODE_CHALLENGE_INVALID unless it is an S256 challenge.
 * `plain` is refused: it would put the verifier itself in the start URL.
 */
export function readCodeChallenge(query: Record<string, string | undefined>): string {
  const { code_challenge: challenge, code_challenge_method: method } = query;
  if (method !== 'S256') throw new H5OAuthError('CODE_CHALLENGE_INVALID', 'code_challenge_method must be S256');
  // The last character of 43 carries 4 padding bits: a challenge with them set is not the encoding of any digest,
  // so no verifier could ever match it. Refuse it now rather than after the user went through WeChat.
  if (!challenge || !CODE_CHALLENGE_PATTERN.test(challenge) || Buffer.from(challenge, 'base64url').toString('base64url') !== challenge) {
    throw new H5OAuthError('CODE_CHALLENGE_INVALID', 'code_challenge must be the base64url SHA-256 of the code verifier (43 characters)');
  }
  return challenge;
}

/** Whether `codeVerifier` is well-formed and hashes to `codeChallenge`; compared in constant time. */
export function codeVerifierMatches(codeVerifier: unknown, codeChallenge: string | undefined): codeVerifier is string {
  if (typeof codeVerifier !== 'string' || !CODE_VERIFIER_PATTERN.test(codeVerifier) || !codeChallenge) return false;
  const expected = Buffer.from(codeChallenge, 'ascii');
  const actual = Buffer.from(codeChallengeOf(codeVerifier), 'ascii');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
