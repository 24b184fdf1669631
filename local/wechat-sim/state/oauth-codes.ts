/**
 * H5 authorization codes (docs/wechat-protocol.md §5): valid 5 minutes on the sim clock, single use.
 */
import { randomBytes } from 'node:crypto';
import type { OAuthScope } from '../types';

/** Lifetime of a code, in seconds ("about 5 minutes" in section 5). */
export const OAUTH_CODE_TTL_SEC = 300;

/** What a user consented to: which authorizer, who, and how much. */
export interface OAuthGrant {
  authorizerAppid: string;
  userId: string;
  scope: OAuthScope;
}

/** The result of presenting a code; only `ok` uses it up. */
export type CodeRedemption = { outcome: 'ok'; grant: OAuthGrant } | { outcome: 'unknown' | 'other_appid' | 'expired' | 'used' };

interface CodeRecord {
  grant: OAuthGrant;
  expiresAtMs: number;
  used: boolean;
}

/** Issues codes and redeems each at most once. */
export class OAuthCodes {
  private readonly records = new Map<string, CodeRecord>();

  /** Issues a code for `grant`, valid OAUTH_CODE_TTL_SEC from `nowMs`. */
  issue(grant: OAuthGrant, nowMs: number): string {
    this.forgetExpired(nowMs);
    // 32 URL-safe characters, the length of WeChat's codes.
    const code = randomBytes(24).toString('base64url');
    this.records.set(code, { grant: { ...grant }, expiresAtMs: nowMs + OAUTH_CODE_TTL_SEC * 1000, used: false });
    return code;
  }

  /**
   * Redeems `code` for `authorizerAppid`. Checked in this order: unknown, issued for another authorizer,
   * expired, already used. Expiry comes before use so that forgetting expired codes changes no answer.
   * A code presented with the wrong appid is not used up: the rightful caller can still redeem it.
   */
  redeem(code: string, authorizerAppid: string, nowMs: number): CodeRedemption {
    const record = this.records.get(code);
    if (!record) return { outcome: 'unknown' };
    if (record.grant.authorizerAppid !== authorizerAppid) return { outcome: 'other_appid' };
    if (nowMs >= record.expiresAtMs) return { outcome: 'expired' };
    if (record.used) return { outcome: 'used' };
    record.used = true;
    return { outcome: 'ok', grant: { ...record.grant } };
  }

  /** Keeps a long-running simulator's memory flat; an expired code answers like an unknown one anyway. */
  private forgetExpired(nowMs: number): void {
    for (const [code, record] of this.records) {
      if (nowMs >= record.expiresAtMs) this.records.delete(code);
    }
  }
}
