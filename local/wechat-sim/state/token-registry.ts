/**
 * component_access_token issuance and validity (docs/wechat-protocol.md §3).
 *
 * Validity of a token issued at I, superseded (a newer token issued) at S:
 *
 *   I ─────────── S ──── S + grace ─────── I + ttl
 *   |    ok       |  ok  |  superseded     |  expired
 *
 * Expiry wins over supersession: a token past I + ttl is `expired` whatever else happened.
 */
import { randomBytes } from 'node:crypto';

interface TokenRecord {
  expiresAtMs: number;
  supersededAtMs: number | null;
}

/** What a token check found, in the words of the errcode it maps to. */
export type TokenState = 'ok' | 'expired' | 'superseded' | 'unknown';

/** Issues tokens and tells apart unknown, expired and superseded ones. */
export class TokenRegistry {
  private readonly records = new Map<string, TokenRecord>();
  private current: TokenRecord | null = null;

  constructor(
    private readonly ttlSec: number,
    private readonly previousTokenGraceSec: number,
  ) {}

  /** Issues a new token; the previous current token starts its grace period now. */
  issue(nowMs: number): { token: string; expiresInSec: number } {
    if (this.current) this.current.supersededAtMs = nowMs;
    // Random base64url: unguessable, URL-safe in a query string, and 86 characters (>= 64 like WeChat's).
    const token = randomBytes(64).toString('base64url');
    const record: TokenRecord = { expiresAtMs: nowMs + this.ttlSec * 1000, supersededAtMs: null };
    this.records.set(token, record);
    this.current = record;
    return { token, expiresInSec: this.ttlSec };
  }

  /** Classifies `token` at `nowMs`. */
  check(token: string, nowMs: number): TokenState {
    const record = this.records.get(token);
    if (!record) return 'unknown';
    if (nowMs >= record.expiresAtMs) return 'expired';
    if (record.supersededAtMs !== null && nowMs >= record.supersededAtMs + this.previousTokenGraceSec * 1000) {
      return 'superseded';
    }
    return 'ok';
  }
}
