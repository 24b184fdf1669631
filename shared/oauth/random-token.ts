import { randomBytes, timingSafeEqual } from 'node:crypto';
import { tokenSha256 } from '../log/redaction';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * A random string of letters and digits (WeChat restricts `state` to [a-zA-Z0-9], wechat-platform.md section 5).
 * Rejection sampling keeps every character uniform: 32 characters carry about 190 bits.
 */
export function randomAlphanumeric(length = 32): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      // 248 = 4 * 62: bytes at or above it would favour the first characters.
      if (byte < 248 && out.length < length) out += ALPHABET[byte % 62];
    }
  }
  return out;
}

/** sha256 hex: how codes and browser secrets are stored, so the table never holds a usable one. Same digest as tokens. */
export const sha256Hex = tokenSha256;

/** Constant-time comparison of two hex digests. */
export function sameDigest(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && left.length > 0 && timingSafeEqual(left, right);
}
