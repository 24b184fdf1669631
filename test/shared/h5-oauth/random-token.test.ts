import { describe, expect, it } from 'vitest';
import { randomAlphanumeric } from '../../../shared/h5-oauth/random-token';

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
