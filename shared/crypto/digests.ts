import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * SHA-256 digests as the service uses them: to store and compare codes, tokens and browser secrets without keeping
 * a usable value, and to label tokens in logs without showing them.
 */

/** Full sha256 hex: how stored tokens, login codes and binding cookies are kept and compared. */
export function sha256Hex(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

/** A short, non-reversible label (12 hex), so logs can tell two tokens apart without showing either. */
export function fingerprint(value: string): string {
  return sha256Hex(value).slice(0, 12);
}

/** Constant-time comparison of two hex digests; false for different lengths or empty input. */
export function sameDigest(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && left.length > 0 && timingSafeEqual(left, right);
}
