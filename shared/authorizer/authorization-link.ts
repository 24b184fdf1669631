import { createHmac, timingSafeEqual } from 'node:crypto';
import { APPID_PATTERN } from '../contract';
import { secretRegistry } from '../log/redaction';
import { AuthorizationLinkRequestError, AuthorizationPageError } from './authorization-page-errors';

/**
 * Signed, expiring links to the authorization page (`/authorize?auth_type=…&exp=…[&biz_appid=…]&sig=…`): each view
 * of the page spends a pre_auth_code (quota), so by default it opens only from a link an operator made. The
 * signature is an HMAC-SHA256 over every field that changes what the page does, with a key from a secret of its own.
 */

/** 1 official accounts, 2 mini programs, 3 both (docs/wechat-protocol.md §4). */
export type AuthType = 1 | 2 | 3;

/** What a link asks the page for. */
export interface AuthorizationLinkTarget {
  authType: AuthType;
  /** The one account expected to authorize; WeChat then offers only that account. */
  bizAppid?: string;
}

/** A link that passed its checks: what it asks for, and how to make the same page again (its query). */
export interface ResolvedLink extends AuthorizationLinkTarget {
  /** False for an unsigned link in open mode. */
  signed: boolean;
  /** The link's own query, rebuilt from the checked fields (never echoes request input). */
  query: string;
}

export const DEFAULT_LINK_TTL_SEC = 7 * 86_400;
export const MAX_LINK_TTL_SEC = 30 * 86_400;
/** Shorter links would expire while the operator is still sending them. */
export const MIN_LINK_TTL_SEC = 60;
/** A link is refused if it claims to live longer than any link is made for (with this much clock slack). */
const CLOCK_SLACK_SEC = 300;
/** The secret's string is the HMAC key: at least 256 bits (the stack generates 64 random letters and digits). */
const MIN_KEY_LENGTH = 32;

const AUTH_TYPE = /^[123]$/;
// Unix seconds, no sign, no leading zero, no exponent: one spelling per value, so the signed text is unambiguous.
const EXP = /^[1-9][0-9]{0,11}$/;
// Base64url of 32 bytes, unpadded. Compared as text: two spellings of the same bytes (the last character's unused
// bits) would otherwise both pass.
const SIG = /^[A-Za-z0-9_-]{43}$/;

/** The HMAC key from the link secret's string, pinned in the log redactor before it is used. */
export function authorizationLinkKeyFrom(secretString: string): Uint8Array {
  if (secretString.length < MIN_KEY_LENGTH) throw new Error(`the authorization link secret must be at least ${MIN_KEY_LENGTH} characters`);
  secretRegistry.pin('authorization_link_key', secretString);
  return new TextEncoder().encode(secretString);
}

/**
 * The signature of a link: the component appid binds it to this platform, and a fixed label and version keep the key
 * from signing anything that could pass for another kind of message.
 */
function sign(key: Uint8Array, componentAppid: string, target: AuthorizationLinkTarget, expSec: number): string {
  const text = [
    'wechat-component/authorization-link/v1',
    componentAppid,
    String(target.authType),
    String(expSec),
    target.bizAppid ?? '',
  ].join('\n');
  return createHmac('sha256', key).update(text, 'utf8').digest('base64url');
}

function linkQuery(target: AuthorizationLinkTarget, signature?: { expSec: number; sig: string }): string {
  const params = new URLSearchParams({ auth_type: String(target.authType) });
  if (signature) params.set('exp', String(signature.expSec));
  if (target.bizAppid) params.set('biz_appid', target.bizAppid);
  if (signature) params.set('sig', signature.sig);
  return params.toString();
}

/** A signed link to `pageUrl` valid until `expSec` (unix seconds). */
export function makeAuthorizationLink(input: {
  key: Uint8Array;
  componentAppid: string;
  pageUrl: string;
  target: AuthorizationLinkTarget;
  expSec: number;
}): string {
  const url = new URL(input.pageUrl);
  url.search = linkQuery(input.target, { expSec: input.expSec, sig: sign(input.key, input.componentAppid, input.target, input.expSec) });
  return url.toString();
}

/** The fields every link has, checked for form only; throws LINK_MALFORMED. */
function readTarget(query: Record<string, string | undefined>): AuthorizationLinkTarget {
  const { auth_type: authType, biz_appid: bizAppid } = query;
  if (authType === undefined || !AUTH_TYPE.test(authType))
    throw new AuthorizationPageError('LINK_MALFORMED', 'auth_type must be 1, 2 or 3');
  if (bizAppid !== undefined && !APPID_PATTERN.test(bizAppid))
    throw new AuthorizationPageError('LINK_MALFORMED', 'biz_appid is not an appid');
  return { authType: Number(authType) as AuthType, ...(bizAppid ? { bizAppid } : {}) };
}

/**
 * Checks a signed link, in this order: form, signature (constant time), expiry on the given clock. The signature
 * comes before the expiry so a forged link is called invalid whatever date it claims. Throws AuthorizationPageError.
 */
export function verifyAuthorizationLink(input: {
  key: Uint8Array;
  componentAppid: string;
  nowMs: number;
  query: Record<string, string | undefined>;
}): ResolvedLink {
  const { query } = input;
  if (query.sig === undefined || query.sig === '')
    throw new AuthorizationPageError('LINK_SIGNATURE_MISSING', 'the link carries no signature');
  const target = readTarget(query);
  const { exp, sig } = query;
  if (exp === undefined || !EXP.test(exp)) throw new AuthorizationPageError('LINK_MALFORMED', 'exp must be a time in unix seconds');
  if (!SIG.test(sig)) throw new AuthorizationPageError('LINK_MALFORMED', 'sig is not a base64url HMAC-SHA256');
  const expSec = Number(exp);
  const expected = sign(input.key, input.componentAppid, target, expSec);
  if (!timingSafeEqual(Buffer.from(sig, 'latin1'), Buffer.from(expected, 'latin1'))) {
    throw new AuthorizationPageError('LINK_SIGNATURE_INVALID', 'the link signature does not match');
  }
  const nowSec = input.nowMs / 1000;
  if (expSec <= nowSec) throw new AuthorizationPageError('LINK_EXPIRED', 'the link has expired');
  // Only a leaked key makes such a link: refusing it bounds how long one can stay in circulation.
  if (expSec > nowSec + MAX_LINK_TTL_SEC + CLOCK_SLACK_SEC)
    throw new AuthorizationPageError('LINK_MALFORMED', 'the link claims to live longer than links are made for');
  return { ...target, signed: true, query: linkQuery(target, { expSec, sig: expected }) };
}

/** An unsigned link (`?auth_type=…[&biz_appid=…]`), accepted only in open mode. Throws LINK_MALFORMED. */
export function readOpenLink(query: Record<string, string | undefined>): ResolvedLink {
  const target = readTarget(query);
  return { ...target, signed: false, query: linkQuery(target) };
}

/** What an operator asks for: `{ authType, ttlSec?, bizAppid? }`, checked; throws AuthorizationLinkRequestError naming the field. */
export function readLinkRequest(input: Record<string, unknown>): AuthorizationLinkTarget & { ttlSec: number } {
  const { authType, ttlSec = DEFAULT_LINK_TTL_SEC, bizAppid } = input;
  if (authType !== 1 && authType !== 2 && authType !== 3) {
    throw new AuthorizationLinkRequestError('authType must be 1 (official accounts), 2 (mini programs) or 3 (both)');
  }
  if (typeof ttlSec !== 'number' || !Number.isInteger(ttlSec) || ttlSec < MIN_LINK_TTL_SEC || ttlSec > MAX_LINK_TTL_SEC) {
    throw new AuthorizationLinkRequestError(
      `ttlSec must be a whole number of seconds from ${MIN_LINK_TTL_SEC} to ${MAX_LINK_TTL_SEC} (30 days)`,
    );
  }
  if (bizAppid !== undefined && (typeof bizAppid !== 'string' || !APPID_PATTERN.test(bizAppid))) {
    throw new AuthorizationLinkRequestError('bizAppid must be an appid: wx followed by 16 letters or digits');
  }
  return { authType, ttlSec, ...(bizAppid ? { bizAppid } : {}) };
}

/** Makes and checks the links of one component, with the key read (and cached) from its secret. */
export function createAuthorizationLinks(input: {
  componentAppid: string;
  pageUrl: string;
  getKey: () => Promise<Uint8Array>;
  now: () => number;
}) {
  const { componentAppid, now } = input;
  return {
    /** A new signed link for the operator (a request checked by readLinkRequest); `expiresAt` as ISO 8601. */
    async make(request: AuthorizationLinkTarget & { ttlSec: number }): Promise<{ url: string; expiresAt: string }> {
      const { ttlSec, ...target } = request;
      const expSec = Math.floor(now() / 1000) + ttlSec;
      const url = makeAuthorizationLink({ key: await input.getKey(), componentAppid, pageUrl: input.pageUrl, target, expSec });
      return { url, expiresAt: new Date(expSec * 1000).toISOString() };
    },

    /**
     * The link a page request came with. Signed mode needs a valid signature; open mode also takes unsigned links,
     * and still checks one that carries a signature (its maker meant it to expire).
     */
    async resolve(query: Record<string, string | undefined>, mode: 'signed' | 'open'): Promise<ResolvedLink> {
      if (mode === 'open' && (query.sig === undefined || query.sig === '')) return readOpenLink(query);
      return verifyAuthorizationLink({ key: await input.getKey(), componentAppid, nowMs: now(), query });
    },
  };
}

export type AuthorizationLinks = ReturnType<typeof createAuthorizationLinks>;
