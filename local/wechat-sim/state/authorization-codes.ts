/**
 * Authorization codes (query auth codes) minted when an account authorizes the component (docs/wechat-protocol.md
 * §4): carried by the consent redirect (`auth_code`) and the `authorized` push (`AuthorizationCode`),
 * valid 3600 s, and exchanged by api_query_auth at most once.
 */
import { randomBytes } from 'node:crypto';
import { fingerprint } from '../../../shared/crypto/digests';

/** How long an authorization code stays exchangeable, in seconds ("about an hour" in section 4). */
export const AUTHORIZATION_CODE_TTL_SEC = 3600;

/** What presenting a code to api_query_auth found; only `ok` may be exchanged. */
export type AuthorizationCodeCheck =
  | { outcome: 'ok'; authorizerAppid: string; generation: number }
  | { outcome: 'unknown' | 'used' | 'expired' };

/** Per-code counters, for tests and external checks of "exactly one exchange per code". */
export interface AuthorizationCodeCounters {
  /** api_query_auth calls that reached the code check with this code. */
  calls: number;
  /** Calls that exchanged it (0 or 1). */
  successes: number;
}

interface CodeRecord extends AuthorizationCodeCounters {
  authorizerAppid: string;
  /** The account's authorization this code belongs to (see AuthorizerRegistry). */
  generation: number;
  expiresAtMs: number;
}

/** Mints codes and tracks their use. Codes are never forgotten: an expired code must answer 61010, not 61009. */
export class AuthorizationCodes {
  private readonly records = new Map<string, CodeRecord>();

  /** Mints a code for the given authorization of `authorizerAppid`, expiring AUTHORIZATION_CODE_TTL_SEC from `nowMs`. */
  issue(authorizerAppid: string, generation: number, nowMs: number): { authorizationCode: string; expiresAtMs: number } {
    const authorizationCode = `queryauthcode@@@${randomBytes(36).toString('base64url')}`;
    const expiresAtMs = nowMs + AUTHORIZATION_CODE_TTL_SEC * 1000;
    this.records.set(authorizationCode, { authorizerAppid, generation, expiresAtMs, calls: 0, successes: 0 });
    return { authorizationCode, expiresAtMs };
  }

  /**
   * Counts a call with `code` and classifies it, in this order: unknown, already exchanged, expired. Whether
   * the authorization it belongs to is still current is the registry's to say.
   */
  present(code: string, nowMs: number): AuthorizationCodeCheck {
    const record = this.records.get(code);
    if (!record) return { outcome: 'unknown' };
    record.calls += 1;
    if (record.successes > 0) return { outcome: 'used' };
    if (nowMs >= record.expiresAtMs) return { outcome: 'expired' };
    return { outcome: 'ok', authorizerAppid: record.authorizerAppid, generation: record.generation };
  }

  /** Records the one successful exchange of `code`; later presentations answer `used`. */
  markExchanged(code: string): void {
    const record = this.records.get(code);
    if (record) record.successes += 1;
  }

  /** Counters per code, keyed by the code's fingerprint (first 12 hex digits of its sha256), never by the code. */
  stats(): Record<string, AuthorizationCodeCounters> {
    const byFingerprint: Record<string, AuthorizationCodeCounters> = {};
    for (const [code, { calls, successes }] of this.records) byFingerprint[fingerprint(code)] = { calls, successes };
    return byFingerprint;
  }
}
