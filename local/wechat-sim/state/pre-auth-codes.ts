/**
 * Pre-auth codes from api_create_preauthcode (docs/wechat-protocol.md §4), kept for later authorization APIs.
 */
import { randomBytes } from 'node:crypto';

/** Lifetime WeChat states for a pre_auth_code. */
export const PRE_AUTH_CODE_TTL_SEC = 1800;

/** Issues pre-auth codes and remembers their expiry. */
export class PreAuthCodes {
  private readonly expiresAtMsByCode = new Map<string, number>();

  /** Issues a code valid for PRE_AUTH_CODE_TTL_SEC from `nowMs`. */
  issue(nowMs: number): { preAuthCode: string; expiresInSec: number } {
    const preAuthCode = `preauthcode@@@${randomBytes(36).toString('base64url')}`;
    this.expiresAtMsByCode.set(preAuthCode, nowMs + PRE_AUTH_CODE_TTL_SEC * 1000);
    return { preAuthCode, expiresInSec: PRE_AUTH_CODE_TTL_SEC };
  }

  /** `unknown` for a code never issued here, `expired` from its expiry on. */
  check(preAuthCode: string, nowMs: number): 'ok' | 'expired' | 'unknown' {
    const expiresAtMs = this.expiresAtMsByCode.get(preAuthCode);
    if (expiresAtMs === undefined) return 'unknown';
    return nowMs >= expiresAtMs ? 'expired' : 'ok';
  }
}
