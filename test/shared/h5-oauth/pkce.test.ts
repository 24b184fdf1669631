import { describe, expect, it } from 'vitest';
import { H5OAuthError } from '../../../shared/h5-oauth/h5-oauth-errors';
import { codeChallengeOf, codeVerifierMatches, readCodeChallenge } from '../../../shared/h5-oauth/pkce';
import { catchError } from '../../support/catch-error';

// RFC 7636 Appendix B.
const RFC_VERIFIER = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
const RFC_CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';

describe('codeChallengeOf', () => {
  it('is the S256 challenge of RFC 7636 Appendix B', () => {
    expect(codeChallengeOf(RFC_VERIFIER)).toBe(RFC_CHALLENGE);
  });
});

describe('readCodeChallenge', () => {
  it('returns an S256 challenge', () => {
    expect(readCodeChallenge({ code_challenge: RFC_CHALLENGE, code_challenge_method: 'S256' })).toBe(RFC_CHALLENGE);
  });

  it.each([
    ['no method', { code_challenge: RFC_CHALLENGE }],
    ['method plain', { code_challenge: RFC_CHALLENGE, code_challenge_method: 'plain' }],
    ['method s256', { code_challenge: RFC_CHALLENGE, code_challenge_method: 's256' }],
    ['no challenge', { code_challenge_method: 'S256' }],
    ['42 characters', { code_challenge: RFC_CHALLENGE.slice(1), code_challenge_method: 'S256' }],
    ['44 characters', { code_challenge: `${RFC_CHALLENGE}A`, code_challenge_method: 'S256' }],
    ['padding', { code_challenge: `${RFC_CHALLENGE.slice(0, 42)}=`, code_challenge_method: 'S256' }],
    ['a non-canonical last character', { code_challenge: `${RFC_CHALLENGE.slice(0, 42)}N`, code_challenge_method: 'S256' }],
    ['standard base64 characters', { code_challenge: `+/${RFC_CHALLENGE.slice(2)}`, code_challenge_method: 'S256' }],
  ])('throws CODE_CHALLENGE_INVALID for %s', (_name, query) => {
    const error = catchError(() => readCodeChallenge(query));

    expect(error).toBeInstanceOf(H5OAuthError);
    expect(error).toMatchObject({ code: 'CODE_CHALLENGE_INVALID' });
  });
});

describe('codeVerifierMatches', () => {
  it('accepts the verifier of the challenge', () => {
    expect(codeVerifierMatches(RFC_VERIFIER, RFC_CHALLENGE)).toBe(true);
  });

  it.each([
    ['another verifier', `${RFC_VERIFIER.slice(0, -1)}A`],
    ['the challenge itself', RFC_CHALLENGE],
    ['a verifier of 42 characters', RFC_VERIFIER.slice(1)],
    ['a verifier of 129 characters', 'a'.repeat(129)],
    ['a verifier with a character outside the unreserved set', `${RFC_VERIFIER.slice(0, -1)}+`],
    ['a number', 42],
    ['null', null],
    ['undefined', undefined],
  ])('refuses %s', (_name, verifier) => {
    expect(codeVerifierMatches(verifier, RFC_CHALLENGE)).toBe(false);
  });

  it('refuses every verifier when no challenge was stored (fails closed)', () => {
    expect(codeVerifierMatches(RFC_VERIFIER, '')).toBe(false);
    expect(codeVerifierMatches(RFC_VERIFIER, undefined)).toBe(false);
  });
});
