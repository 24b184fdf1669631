import { describe, expect, it } from 'vitest';
import {
  type AuthorizationLinkTarget,
  authorizationLinkKeyFrom,
  createAuthorizationLinks,
  MAX_LINK_TTL_SEC,
  makeAuthorizationLink,
  readLinkRequest,
  verifyAuthorizationLink,
} from '../../../shared/authorizer/authorization-link';
import { AuthorizationLinkRequestError, AuthorizationPageError } from '../../../shared/authorizer/authorization-page-errors';
import { secretRegistry } from '../../../shared/log/redaction';
import { FakeClock } from '../../support/fake-clock';

const COMPONENT_APPID = 'wx1234567890abcdef';
const PAGE_URL = 'https://auth.example.com/authorize';
const KEY_TEXT = 'authorization-link-key-0123456789abcdefghijklmnopq';
const KEY = new TextEncoder().encode(KEY_TEXT);
const BIZ_APPID = 'wxabcdefabcdef0001';

const clock = new FakeClock();
const EXP = clock.nowSec + 3600;

/** A signed link's query as the page receives it (API Gateway's queryStringParameters). */
function signedQuery(
  target: AuthorizationLinkTarget = { authType: 1 },
  expSec = EXP,
  key = KEY,
  componentAppid = COMPONENT_APPID,
): Record<string, string> {
  const url = new URL(makeAuthorizationLink({ key, componentAppid, pageUrl: PAGE_URL, target, expSec }));
  return Object.fromEntries(url.searchParams);
}

function refusal(query: Record<string, string | undefined>, nowMs = clock.now(), key = KEY): AuthorizationPageError {
  try {
    verifyAuthorizationLink({ key, componentAppid: COMPONENT_APPID, nowMs, query });
  } catch (err) {
    if (err instanceof AuthorizationPageError) return err;
    throw err;
  }
  throw new Error('the link was accepted');
}

/** The same text with one character changed to another of the same alphabet. */
function flipOne(text: string, index: number): string {
  const c = text[index]!;
  const replacement = /[0-9]/.test(c) ? String((Number(c) + 1) % 10) : c === 'A' ? 'B' : 'A';
  return text.slice(0, index) + replacement + text.slice(index + 1);
}

describe('makeAuthorizationLink and verifyAuthorizationLink', () => {
  it('makes a link to the page with auth_type, exp, biz_appid and a 43-character base64url sig, which verifies', () => {
    const url = new URL(
      makeAuthorizationLink({
        key: KEY,
        componentAppid: COMPONENT_APPID,
        pageUrl: PAGE_URL,
        target: { authType: 3, bizAppid: BIZ_APPID },
        expSec: EXP,
      }),
    );

    const link = verifyAuthorizationLink({
      key: KEY,
      componentAppid: COMPONENT_APPID,
      nowMs: clock.now(),
      query: Object.fromEntries(url.searchParams),
    });

    expect(`${url.origin}${url.pathname}`).toBe(PAGE_URL);
    expect([...url.searchParams.keys()]).toEqual(['auth_type', 'exp', 'biz_appid', 'sig']);
    expect(url.searchParams.get('sig')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(link).toMatchObject({ authType: 3, bizAppid: BIZ_APPID, signed: true });
    expect(link.query).toBe(url.search.slice(1));
  });

  it('accepts a link up to the last millisecond before exp and refuses it from exp on', () => {
    const query = signedQuery();

    expect(verifyAuthorizationLink({ key: KEY, componentAppid: COMPONENT_APPID, nowMs: EXP * 1000 - 1, query }).authType).toBe(1);
    expect(refusal(query, EXP * 1000).code).toBe('LINK_EXPIRED');
    expect(refusal(query, EXP * 1000 + 86_400_000).code).toBe('LINK_EXPIRED');
  });

  it.each([
    ['auth_type changed', { auth_type: '3' }],
    ['exp moved later', { exp: String(EXP + 1) }],
    ['exp moved earlier', { exp: String(EXP - 1) }],
    ['biz_appid added', { biz_appid: BIZ_APPID }],
  ])('rejects a signed link with its %s', (_name, change) => {
    const query = { ...signedQuery(), ...change };

    expect(refusal(query).code).toBe('LINK_SIGNATURE_INVALID');
  });

  it('rejects a link whose biz_appid was removed or replaced', () => {
    const query = signedQuery({ authType: 2, bizAppid: BIZ_APPID });
    const { biz_appid: _removed, ...withoutBiz } = query;

    expect(refusal(withoutBiz).code).toBe('LINK_SIGNATURE_INVALID');
    expect(refusal({ ...query, biz_appid: 'wxabcdefabcdef0002' }).code).toBe('LINK_SIGNATURE_INVALID');
  });

  it('rejects a link with any one character of its sig changed, the last one included', () => {
    const query = signedQuery();

    for (let index = 0; index < query.sig!.length; index++) {
      expect(refusal({ ...query, sig: flipOne(query.sig!, index) }).code, `sig[${index}]`).toBe('LINK_SIGNATURE_INVALID');
    }
  });

  it('rejects a sig that spells the same bytes differently (the unused low bits of its last character set)', () => {
    const query = signedQuery();
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const last = alphabet.indexOf(query.sig!.at(-1)!);
    const respelled = query.sig!.slice(0, -1) + alphabet[last ^ 1];

    expect(Buffer.from(respelled, 'base64url').equals(Buffer.from(query.sig!, 'base64url'))).toBe(true);
    expect(refusal({ ...query, sig: respelled }).code).toBe('LINK_SIGNATURE_INVALID');
  });

  it('rejects a link signed with another key, or for another component', () => {
    const otherKey = new TextEncoder().encode(`${KEY_TEXT}-other`);

    expect(refusal(signedQuery({ authType: 1 }, EXP, otherKey)).code).toBe('LINK_SIGNATURE_INVALID');
    expect(refusal(signedQuery({ authType: 1 }, EXP, KEY, 'wxffffffffffffffff')).code).toBe('LINK_SIGNATURE_INVALID');
  });

  it('checks the signature before the expiry: a forged link is invalid whatever date it claims', () => {
    const query = { ...signedQuery(), auth_type: '2' };

    expect(refusal(query, (EXP + 86_400) * 1000).code).toBe('LINK_SIGNATURE_INVALID');
  });

  it.each([
    ['no sig', { sig: undefined }],
    ['an empty sig', { sig: '' }],
  ])('rejects a link with %s as unsigned', (_name, change) => {
    expect(refusal({ ...signedQuery(), ...change }).code).toBe('LINK_SIGNATURE_MISSING');
  });

  it.each([
    ['no auth_type', { auth_type: undefined }],
    ['auth_type 0', { auth_type: '0' }],
    ['auth_type 4', { auth_type: '4' }],
    ['auth_type with a second value (API Gateway joins repeats with a comma)', { auth_type: '1,3' }],
    ['no exp', { exp: undefined }],
    ['a non-numeric exp', { exp: 'tomorrow' }],
    ['a signed exp', { exp: `+${EXP}` }],
    ['an exp with a leading zero', { exp: `0${EXP}` }],
    ['an exp in exponent notation', { exp: '1e10' }],
    ['a malformed biz_appid', { biz_appid: 'gh_0123456789ab' }],
    ['a truncated sig', { sig: 'A'.repeat(42) }],
    ['a padded sig', { sig: `${'A'.repeat(43)}=` }],
    ['a sig in standard base64', { sig: `${'A'.repeat(42)}+` }],
  ])('rejects a link with %s as malformed', (_name, change) => {
    expect(refusal({ ...signedQuery(), ...change }).code).toBe('LINK_MALFORMED');
  });

  it('rejects a validly signed link that claims to live longer than any link is made for', () => {
    const query = signedQuery({ authType: 1 }, clock.nowSec + MAX_LINK_TTL_SEC + 3600);

    expect(refusal(query).code).toBe('LINK_MALFORMED');
  });

  it('never puts the key, the sig or the query in its messages', () => {
    const query: Record<string, string> = { ...signedQuery(), auth_type: '2' };

    const err = refusal(query);

    expect(err.message).not.toContain(query.sig!);
    expect(err.message).not.toContain(KEY_TEXT);
  });
});

describe('createAuthorizationLinks', () => {
  const links = () =>
    createAuthorizationLinks({ componentAppid: COMPONENT_APPID, pageUrl: PAGE_URL, getKey: async () => KEY, now: clock.now });

  it('makes a link that expires ttlSec from now and that the page accepts until then', async () => {
    const made = await links().make({ authType: 2, ttlSec: 86_400 });
    const query = Object.fromEntries(new URL(made.url).searchParams);

    const resolved = await links().resolve(query, 'signed');

    expect(made.expiresAt).toBe(new Date((clock.nowSec + 86_400) * 1000).toISOString());
    expect(resolved).toMatchObject({ authType: 2, signed: true });
  });

  it('in signed mode rejects an unsigned link', async () => {
    const err = await links()
      .resolve({ auth_type: '1' }, 'signed')
      .catch((e: unknown) => e);

    expect(err).toMatchObject({ name: 'AuthorizationPageError', code: 'LINK_SIGNATURE_MISSING' });
  });

  it('in open mode accepts an unsigned link, still checks its form, and still checks a link that carries a sig', async () => {
    const open = await links().resolve({ auth_type: '3', biz_appid: BIZ_APPID }, 'open');
    const malformed = await links()
      .resolve({ auth_type: '9' }, 'open')
      .catch((e: unknown) => e);
    const tampered = await links()
      .resolve({ ...signedQuery(), auth_type: '2' }, 'open')
      .catch((e: unknown) => e);

    expect(open).toEqual({ authType: 3, bizAppid: BIZ_APPID, signed: false, query: `auth_type=3&biz_appid=${BIZ_APPID}` });
    expect(malformed).toMatchObject({ code: 'LINK_MALFORMED' });
    expect(tampered).toMatchObject({ code: 'LINK_SIGNATURE_INVALID' });
  });
});

describe('readLinkRequest', () => {
  it('defaults ttlSec to 7 days', () => {
    expect(readLinkRequest({ authType: 1 })).toEqual({ authType: 1, ttlSec: 604_800 });
  });

  it.each([
    ['authType missing', {}, 'authType'],
    ['authType as a string', { authType: '1' }, 'authType'],
    ['authType 4', { authType: 4 }, 'authType'],
    ['ttlSec above 30 days', { authType: 1, ttlSec: MAX_LINK_TTL_SEC + 1 }, 'ttlSec'],
    ['ttlSec below a minute', { authType: 1, ttlSec: 59 }, 'ttlSec'],
    ['ttlSec not whole', { authType: 1, ttlSec: 3600.5 }, 'ttlSec'],
    ['ttlSec as a string', { authType: 1, ttlSec: '3600' }, 'ttlSec'],
    ['bizAppid malformed', { authType: 1, bizAppid: 'wx123' }, 'bizAppid'],
  ])('throws naming the field for %s', (_name, input, field) => {
    let err: unknown;
    try {
      readLinkRequest(input);
    } catch (e) {
      err = e;
    }

    expect(err).toBeInstanceOf(AuthorizationLinkRequestError);
    expect((err as Error).message.startsWith(field)).toBe(true);
  });
});

describe('authorizationLinkKeyFrom', () => {
  it('throws for a secret shorter than 32 characters, without quoting it', () => {
    expect(() => authorizationLinkKeyFrom('short-secret')).toThrow(/at least 32 characters/);
    expect(() => authorizationLinkKeyFrom('short-secret')).not.toThrow(/short-secret/);
  });

  it('pins the key in the log redactor', () => {
    const key = 'pinned-authorization-link-key-0123456789abcdef';

    authorizationLinkKeyFrom(key);

    expect(secretRegistry.redact(`value ${key}`)).toBe('value [REDACTED]');
  });
});
