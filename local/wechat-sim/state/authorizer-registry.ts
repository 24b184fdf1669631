/**
 * The accounts that can authorize the component, keyed by appid, in a stable order (docs/wechat-protocol.md
 * §4). The rules for one account are in authorizer-record.ts; this adds lookup, bulk creation, paging
 * and the access tokens.
 */
import type {
  SimAddAccountsOptions,
  SimAuthorizationState,
  SimAuthorizerKind,
  SimAuthorizerListing,
  SimAuthorizerSnapshot,
  SimAuthType,
} from '../types';
import { DEFAULT_FUNC_INFO, describeAuthorizerAccount } from './authorizer-profile';
import {
  type AccountRecord,
  acceptsRefreshToken,
  kindMatches,
  newAccountRecord,
  recordRefresh,
  revokeAuthorization,
  snapshotOf,
  startAuthorization,
  stateOf,
  visibleRefreshToken,
} from './authorizer-record';
import { TokenRegistry } from './token-registry';

/** Lifetime of an authorizer_access_token (section 4: 2 hours, like the component token). */
export const AUTHORIZER_ACCESS_TOKEN_TTL_SEC = 7200;
/** addAuthorized refuses more than this at once: a typo in a control request must not eat the memory. */
export const MAX_ACCOUNTS_PER_ADD = 1_000_000;

const DEFAULT_PREFIX: Readonly<Record<SimAuthorizerKind, string>> = { official_account: 'wxa', mini_program: 'wxb' };
const APPID_LENGTH = 18;

/** A newly issued authorizer_access_token and the refresh token to use next. */
export interface IssuedAuthorizerToken {
  accessToken: string;
  expiresInSec: number;
  refreshToken: string;
}

/** One entry of an api_get_authorizer_list page. */
export interface AuthorizedEntry {
  appid: string;
  /** Null until api_query_auth was called for the current authorization. */
  refreshToken: string | null;
  authTimeSec: number;
}

/** Accounts and their authorization state, on the sim clock. */
export class AuthorizerRegistry {
  private readonly records = new Map<string, AccountRecord>();
  private readonly nextSequenceByPrefix = new Map<string, number>();

  constructor(private readonly options: { previousTokenGraceSec: number; rotateRefreshTokenEvery: number }) {}

  /** Adds a never-authorized account; an appid already known is left as it is. */
  add(appid: string, kind: SimAuthorizerKind): void {
    if (!this.records.has(appid)) this.records.set(appid, newAccountRecord(appid, kind));
  }

  /** The account's kind, or undefined for an unknown appid. */
  kindOf(appid: string): SimAuthorizerKind | undefined {
    return this.records.get(appid)?.kind;
  }

  /** The account's authorization state, or undefined for an unknown appid. */
  stateOf(appid: string): SimAuthorizationState | undefined {
    return this.records.get(appid)?.state;
  }

  /**
   * Creates `count` accounts already authorized with api_query_auth done, at `nowMs`, and returns their appids:
   * `prefix` then a zero-padded sequence number, skipping appids already known. Throws TypeError naming a bad input.
   */
  addAuthorized(count: number, options: SimAddAccountsOptions, nowMs: number): string[] {
    if (!Number.isSafeInteger(count) || count < 0 || count > MAX_ACCOUNTS_PER_ADD) {
      throw new TypeError(`count must be a whole number from 0 to ${MAX_ACCOUNTS_PER_ADD}`);
    }
    const kind = options.kind ?? 'official_account';
    if (kind !== 'official_account' && kind !== 'mini_program') throw new TypeError('kind must be official_account or mini_program');
    const prefix = options.prefix ?? DEFAULT_PREFIX[kind];
    if (!/^wx[A-Za-z0-9]{0,15}$/.test(prefix)) throw new TypeError('prefix must be wx followed by at most 15 letters or digits');

    const appids: string[] = [];
    const digits = APPID_LENGTH - prefix.length;
    let sequence = this.nextSequenceByPrefix.get(prefix) ?? 1;
    while (appids.length < count) {
      const appid = `${prefix}${String(sequence).padStart(digits, '0')}`;
      if (appid.length > APPID_LENGTH) throw new TypeError('prefix has no room left for that many appids');
      sequence += 1;
      if (this.records.has(appid)) continue;
      const record = newAccountRecord(appid, kind);
      startAuthorization(record, DEFAULT_FUNC_INFO[kind], nowMs);
      record.queryAuthDone = true;
      this.records.set(appid, record);
      appids.push(appid);
    }
    this.nextSequenceByPrefix.set(prefix, sequence);
    return appids;
  }

  /** True when `appid` is an account whose kind `authType` covers. */
  isEligible(appid: string, authType: SimAuthType): boolean {
    const kind = this.kindOf(appid);
    return kind !== undefined && kindMatches(kind, authType);
  }

  /** Appids (up to `limit`) of the accounts `authType` covers, in registry order, and how many there are in all. */
  eligible(authType: SimAuthType, limit: number): { appids: string[]; total: number } {
    const appids: string[] = [];
    let total = 0;
    for (const record of this.records.values()) {
      if (!kindMatches(record.kind, authType)) continue;
      total += 1;
      if (appids.length < limit) appids.push(record.appid);
    }
    return { appids, total };
  }

  /**
   * Starts a new authorization of a known account (see startAuthorization). Returns the push InfoType and the
   * generation its authorization code belongs to. Throws TypeError for an unknown appid.
   */
  authorize(
    appid: string,
    funcInfo: readonly number[],
    nowMs: number,
  ): { infoType: 'authorized' | 'updateauthorized'; generation: number } {
    const record = this.require(appid);
    const infoType = record.state === 'authorized' ? 'updateauthorized' : 'authorized';
    startAuthorization(record, funcInfo, nowMs);
    return { infoType, generation: record.generation };
  }

  /** Revokes an authorized account; false (nothing changed) when it is unknown or not authorized. */
  revoke(appid: string): boolean {
    const record = this.records.get(appid);
    if (record?.state !== 'authorized') return false;
    revokeAuthorization(record);
    return true;
  }

  /** True while `generation` is the account's current authorization. */
  isCurrentAuthorization(appid: string, generation: number): boolean {
    const record = this.records.get(appid);
    return record !== undefined && record.state === 'authorized' && record.generation === generation;
  }

  /** api_query_auth for the current authorization: an access token, the refresh token and the permissions. */
  exchange(appid: string, nowMs: number): IssuedAuthorizerToken & { funcInfo: number[] } {
    const record = this.require(appid);
    if (record.state !== 'authorized' || record.refreshToken === null) throw new TypeError('authorizerAppid is not authorized');
    record.queryAuthDone = true;
    return { ...this.issueAccessToken(record, nowMs), refreshToken: record.refreshToken, funcInfo: [...record.funcInfo] };
  }

  /** True when `refreshToken` may refresh `appid` now. */
  acceptsRefreshToken(appid: string, refreshToken: string): boolean {
    const record = this.records.get(appid);
    return record !== undefined && acceptsRefreshToken(record, refreshToken);
  }

  /** api_authorizer_token with an accepted refresh token: a new access token, and the refresh token to use next. */
  refresh(appid: string, refreshToken: string, nowMs: number): IssuedAuthorizerToken {
    const record = this.require(appid);
    if (!acceptsRefreshToken(record, refreshToken)) throw new TypeError('refreshToken is not accepted');
    const next = recordRefresh(record, refreshToken, this.options.rotateRefreshTokenEvery);
    return { ...this.issueAccessToken(record, nowMs), refreshToken: next };
  }

  /** Classifies an authorizer_access_token of `appid` at `nowMs`. */
  checkAccessToken(appid: string, token: string, nowMs: number): 'ok' | 'expired' | 'invalid' {
    const state = this.records.get(appid)?.accessTokens?.check(token, nowMs) ?? 'unknown';
    return state === 'ok' || state === 'expired' ? state : 'invalid';
  }

  /** What api_get_authorizer_info shows of a currently authorized account; null otherwise. */
  authorizationOf(appid: string): { kind: SimAuthorizerKind; funcInfo: number[]; visibleRefreshToken: string | null } | null {
    const record = this.records.get(appid);
    if (record?.state !== 'authorized') return null;
    return { kind: record.kind, funcInfo: [...record.funcInfo], visibleRefreshToken: visibleRefreshToken(record) };
  }

  /** One page of the currently authorized accounts, in registry order, and how many there are in all. */
  authorizedPage(offset: number, count: number): { totalCount: number; list: AuthorizedEntry[] } {
    const list: AuthorizedEntry[] = [];
    let totalCount = 0;
    for (const record of this.records.values()) {
      if (record.state !== 'authorized') continue;
      if (totalCount >= offset && list.length < count) {
        list.push({ appid: record.appid, refreshToken: visibleRefreshToken(record), authTimeSec: record.authTimeSec ?? 0 });
      }
      totalCount += 1;
    }
    return { totalCount, list };
  }

  /** The account's state with fingerprints instead of tokens; null for an unknown appid. */
  snapshot(appid: string): SimAuthorizerSnapshot | null {
    const record = this.records.get(appid);
    return record ? snapshotOf(record) : null;
  }

  /** Every account with its profile and state, in registry order; no tokens, no fingerprints. */
  listing(): SimAuthorizerListing[] {
    return Array.from(this.records.values(), (record) =>
      Object.assign(describeAuthorizerAccount(record.appid, record.kind), stateOf(record)),
    );
  }

  private issueAccessToken(record: AccountRecord, nowMs: number): Omit<IssuedAuthorizerToken, 'refreshToken'> {
    record.accessTokens ??= new TokenRegistry(AUTHORIZER_ACCESS_TOKEN_TTL_SEC, this.options.previousTokenGraceSec);
    record.accessTokensIssued += 1;
    const { token, expiresInSec } = record.accessTokens.issue(nowMs);
    return { accessToken: token, expiresInSec };
  }

  private require(appid: string): AccountRecord {
    const record = this.records.get(appid);
    if (!record) throw new TypeError('authorizerAppid is not a simulated account');
    return record;
  }
}
