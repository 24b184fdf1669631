/**
 * The component authorization consent pages' one-time ids (docs/wechat-protocol.md §4): each rendered page
 * gets an id that its approve or cancel button spends, so a consent is answered at most once.
 */
import { randomBytes } from 'node:crypto';
import type { SimAuthType } from '../types';

/** How long a rendered consent page can be answered: the longest a pre_auth_code lives. */
export const CONSENT_TTL_SEC = 1800;

/** What a consent page was opened with, checked already. */
export interface ConsentRequest {
  preAuthCode: string;
  /** As the caller sent it; the redirect appends to this exact string. */
  redirectUri: string;
  authType: SimAuthType;
  /** The one account the caller asked for, or null for every account `authType` covers. */
  bizAppid: string | null;
}

interface ConsentRecord {
  request: ConsentRequest;
  expiresAtMs: number;
}

/** Consent ids and the requests they stand for. */
export class ConsentSessions {
  private readonly records = new Map<string, ConsentRecord>();

  /** Remembers `request` and returns the id its page carries. */
  open(request: ConsentRequest, nowMs: number): string {
    this.forgetExpired(nowMs);
    const consentId = randomBytes(18).toString('base64url');
    this.records.set(consentId, { request: { ...request }, expiresAtMs: nowMs + CONSENT_TTL_SEC * 1000 });
    return consentId;
  }

  /** Spends `consentId`: its request, or null when it is unknown, expired or spent already. */
  take(consentId: string, nowMs: number): ConsentRequest | null {
    const record = this.records.get(consentId);
    if (!record) return null;
    this.records.delete(consentId);
    return nowMs < record.expiresAtMs ? record.request : null;
  }

  /** Keeps a long-running simulator's memory flat; an expired id answers like an unknown one anyway. */
  private forgetExpired(nowMs: number): void {
    for (const [consentId, record] of this.records) {
      if (nowMs >= record.expiresAtMs) this.records.delete(consentId);
    }
  }
}
