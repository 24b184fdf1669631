import { describe, expect, it } from 'vitest';
import { randomAlphanumeric, sameDigest, sha256Hex } from '../../../shared/oauth/random-token';

describe('randomAlphanumeric', () => {
  it('gives 32 letters and digits by default, and the length asked for', () => {
    expect(randomAlphanumeric()).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(randomAlphanumeric(43)).toMatch(/^[A-Za-z0-9]{43}$/);
    expect(randomAlphanumeric(1)).toMatch(/^[A-Za-z0-9]$/);
  });

  it('never repeats itself across many draws', () => {
    const values = new Set(Array.from({ length: 10_000 }, () => randomAlphanumeric()));

    expect(values.size).toBe(10_000);
  });

  it('uses all 62 characters about equally (no modulo bias)', () => {
    const counts = new Map<string, number>();
    const text = Array.from({ length: 2_000 }, () => randomAlphanumeric(62)).join('');
    for (const char of text) counts.set(char, (counts.get(char) ?? 0) + 1);

    // 124,000 draws: 2,000 expected per character. A bias towards the first 8 characters (256 mod 62) would put them
    // near 2,500; honest sampling stays within a few hundred.
    expect(counts.size).toBe(62);
    for (const count of counts.values()) expect(Math.abs(count - 2_000)).toBeLessThan(250);
  });
});

describe('sha256Hex', () => {
  it('is the hex SHA-256 of the UTF-8 text', () => {
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});

describe('sameDigest', () => {
  const digest = sha256Hex('cookie');

  it('is true for equal digests', () => {
    expect(sameDigest(digest, sha256Hex('cookie'))).toBe(true);
  });

  it('is false for different, shorter, empty or non-hex digests', () => {
    expect(sameDigest(digest, sha256Hex('other'))).toBe(false);
    expect(sameDigest(digest, digest.slice(0, 62))).toBe(false);
    expect(sameDigest('', '')).toBe(false);
    expect(sameDigest(digest, 'z'.repeat(64))).toBe(false);
  });
});
