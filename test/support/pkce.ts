import { createHash, randomBytes } from 'node:crypto';

export interface PkcePair {
  codeVerifier: string;
  codeChallenge: string;
}

/**
 * A PKCE S256 pair as the README snippet makes one (32 random bytes, base64url), computed here with node:crypto
 * rather than with shared/h5-oauth/pkce.ts, so the service's own hashing is checked against an independent one.
 */
export function newPkcePair(): PkcePair {
  return pkcePairOf(randomBytes(32).toString('base64url'));
}

/** The S256 pair of a given verifier: base64url(sha256(verifier)). */
export function pkcePairOf(codeVerifier: string): PkcePair {
  return { codeVerifier, codeChallenge: createHash('sha256').update(codeVerifier, 'ascii').digest('base64url') };
}
