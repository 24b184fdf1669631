/**
 * One account's authorization state and the rules that change it (docs/wechat-protocol.md §4).
 *
 * Refresh tokens of one account over time, with `rotateRefreshTokenEvery` = N > 0 (R = a successful refresh):
 *
 *   authorize ── RT1 ── R … R (the Nth answers RT2) ── RT1 and RT2 both work ── R with RT2 ── only RT2 works
 *   authorize again, or revoke ── every earlier refresh token fails at once (61023)
 *
 * With N = 0 (the default, and what section 4 describes) a refresh always answers the same refresh token.
 */
import { randomBytes } from 'node:crypto';
import { fingerprint } from '../../../shared/crypto/digests';
import type { SimAuthorizationState, SimAuthorizerKind, SimAuthorizerSnapshot, SimAuthType } from '../types';
import type { TokenRegistry } from './token-registry';

/** The mutable state of one account. */
export interface AccountRecord {
  appid: string;
  kind: SimAuthorizerKind;
  state: SimAuthorizationState;
  /** Bumped by every authorization and revocation: a code minted for an older generation is no longer valid. */
  generation: number;
  authTimeSec: number | null;
  funcInfo: number[];
  queryAuthDone: boolean;
  refreshToken: string | null;
  /** The refresh token a rotation replaced; accepted until `refreshToken` has been used once. */
  rotatedOutRefreshToken: string | null;
  refreshesSinceRotation: number;
  refreshes: number;
  accessTokensIssued: number;
  /** Created with the first access token, so 10,000 idle accounts cost one small object each. */
  accessTokens: TokenRegistry | null;
}

/** A never-authorized account. */
export function newAccountRecord(appid: string, kind: SimAuthorizerKind): AccountRecord {
  return {
    appid,
    kind,
    state: 'never',
    generation: 0,
    authTimeSec: null,
    funcInfo: [],
    queryAuthDone: false,
    refreshToken: null,
    rotatedOutRefreshToken: null,
    refreshesSinceRotation: 0,
    refreshes: 0,
    accessTokensIssued: 0,
    accessTokens: null,
  };
}

/** A new authorization: new permissions and auth time, a new refresh token (every earlier one stops working). */
export function startAuthorization(record: AccountRecord, funcInfo: readonly number[], nowMs: number): void {
  record.state = 'authorized';
  record.generation += 1;
  record.authTimeSec = Math.floor(nowMs / 1000);
  record.funcInfo = [...funcInfo];
  record.queryAuthDone = false;
  record.refreshToken = newRefreshToken();
  record.rotatedOutRefreshToken = null;
  record.refreshesSinceRotation = 0;
}

/** Ends the authorization: no refresh or access token of it works any more. */
export function revokeAuthorization(record: AccountRecord): void {
  record.state = 'revoked';
  record.generation += 1;
  record.queryAuthDone = false;
  record.refreshToken = null;
  record.rotatedOutRefreshToken = null;
  record.accessTokens = null;
}

/** True when `refreshToken` may refresh the account now: its current one, or a rotated-out one not yet retired. */
export function acceptsRefreshToken(record: AccountRecord, refreshToken: string): boolean {
  if (record.state !== 'authorized' || refreshToken === '') return false;
  return refreshToken === record.refreshToken || refreshToken === record.rotatedOutRefreshToken;
}

/**
 * Counts a successful refresh made with `presented` (already accepted) and rotates the refresh token when
 * `rotateEvery` says so. Returns the refresh token the answer carries.
 */
export function recordRefresh(record: AccountRecord, presented: string, rotateEvery: number): string {
  // The newest refresh token has now been used, so the one it replaced retires.
  if (presented === record.refreshToken) record.rotatedOutRefreshToken = null;
  record.refreshes += 1;
  record.refreshesSinceRotation += 1;
  if (rotateEvery > 0 && record.refreshesSinceRotation >= rotateEvery) {
    record.rotatedOutRefreshToken = record.refreshToken;
    record.refreshToken = newRefreshToken();
    record.refreshesSinceRotation = 0;
  }
  return record.refreshToken ?? '';
}

/** The refresh token info and list may show: only once api_query_auth was called for this authorization. */
export function visibleRefreshToken(record: AccountRecord): string | null {
  return record.state === 'authorized' && record.queryAuthDone ? record.refreshToken : null;
}

/** auth_type 1 covers official accounts, 2 mini programs, 3 both (section 4). */
export function kindMatches(kind: SimAuthorizerKind, authType: SimAuthType): boolean {
  return authType === 3 || (authType === 1 ? kind === 'official_account' : kind === 'mini_program');
}

/** An auth_type from a query (`'1'`) or JSON (`1`); null for anything but 1, 2 or 3. */
export function parseAuthType(value: unknown): SimAuthType | null {
  const text = typeof value === 'number' ? String(value) : value;
  return text === '1' || text === '2' || text === '3' ? (Number(text) as SimAuthType) : null;
}

/** The record with fingerprints instead of tokens. */
export function snapshotOf(record: AccountRecord): SimAuthorizerSnapshot {
  return {
    ...stateOf(record),
    refreshTokenFingerprint: record.refreshToken === null ? null : fingerprint(record.refreshToken),
    previousRefreshTokenFingerprint: record.rotatedOutRefreshToken === null ? null : fingerprint(record.rotatedOutRefreshToken),
  };
}

/** The record without any token or fingerprint. */
export function stateOf(record: AccountRecord): Omit<SimAuthorizerSnapshot, 'refreshTokenFingerprint' | 'previousRefreshTokenFingerprint'> {
  return {
    appid: record.appid,
    kind: record.kind,
    state: record.state,
    authTime: record.authTimeSec,
    funcInfo: [...record.funcInfo],
    queryAuthDone: record.queryAuthDone,
    accessTokensIssued: record.accessTokensIssued,
    refreshes: record.refreshes,
  };
}

const REFRESH_TOKEN_RANDOM_BYTES = 33;
/** Random bytes are drawn in batches: load mode mints 10,000 refresh tokens at once, one system call each is slow. */
let randomPool = Buffer.alloc(0);
let randomPoolOffset = 0;

/** Shaped like WeChat's: a `refreshtoken@@@` prefix and random URL-safe characters. */
function newRefreshToken(): string {
  if (randomPoolOffset + REFRESH_TOKEN_RANDOM_BYTES > randomPool.length) {
    randomPool = randomBytes(REFRESH_TOKEN_RANDOM_BYTES * 512);
    randomPoolOffset = 0;
  }
  const random = randomPool.subarray(randomPoolOffset, randomPoolOffset + REFRESH_TOKEN_RANDOM_BYTES);
  randomPoolOffset += REFRESH_TOKEN_RANDOM_BYTES;
  return `refreshtoken@@@${random.toString('base64url')}`;
}
