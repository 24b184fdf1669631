/**
 * Pre-auth codes from api_create_preauthcode (docs/wechat-protocol.md §4): valid 1800 s on the sim clock, and
 * spent by the authorization they start.
 */
import { randomBytes } from 'node:crypto';

/** Lifetime WeChat states for a pre_auth_code. */
export const PRE_AUTH_CODE_TTL_SEC = 1800;

/** What a pre-auth code check found. */
export type PreAuthCodeState = 'ok' | 'expired' | 'used' | 'unknown';

interface PreAuthCodeRecord {
  expiresAtMs: number;
  used: boolean;
}

/** Issues pre-auth codes, remembers their expiry and whether an authorization used them. */
export class PreAuthCodes {
  private readonly records = new Map<string, PreAuthCodeRecord>();

  /** Issues a code valid for PRE_AUTH_CODE_TTL_SEC from `nowMs`. */
  issue(nowMs: number): { preAuthCode: string; expiresInSec: number } {
    const preAuthCode = `preauthcode@@@${randomBytes(36).toString('base64url')}`;
    this.records.set(preAuthCode, { expiresAtMs: nowMs + PRE_AUTH_CODE_TTL_SEC * 1000, used: false });
    return { preAuthCode, expiresInSec: PRE_AUTH_CODE_TTL_SEC };
  }

  /**
   * `unknown` for a code never issued here, `used` once a completed authorization spent it (one pre-auth code,
   * one authorization), `expired` from its expiry on. A used code stays `used` after it expires too.
   */
  check(preAuthCode: string, nowMs: number): PreAuthCodeState {
    const record = this.records.get(preAuthCode);
    if (!record) return 'unknown';
    if (record.used) return 'used';
    return nowMs >= record.expiresAtMs ? 'expired' : 'ok';
  }

  /** Spends a code; a later check answers `used`. Unknown codes are ignored. */
  markUsed(preAuthCode: string): void {
    const record = this.records.get(preAuthCode);
    if (record) record.used = true;
  }
}
