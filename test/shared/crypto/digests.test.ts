import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fingerprint, sameDigest, sha256Hex } from '../../../shared/crypto/digests';

const SECRET = 'canary-digest-secret-0f3a9c';

describe('fingerprint', () => {
  it('is a stable 12-character hex label that does not contain the value', () => {
    const first = fingerprint(SECRET);

    const second = fingerprint(SECRET);

    expect(first).toMatch(/^[0-9a-f]{12}$/);
    expect(second).toBe(first);
    expect(first).not.toContain(SECRET);
  });

  it('tells two tokens apart', () => {
    const a = fingerprint(`${SECRET}-a`);

    const b = fingerprint(`${SECRET}-b`);

    expect(a).not.toBe(b);
  });

  it('is the prefix of the token sha256', () => {
    const label = fingerprint(SECRET);

    expect(sha256Hex(SECRET).startsWith(label)).toBe(true);
  });
});

describe('sha256Hex of a token', () => {
  it('is the full lower-case sha256 hex of the UTF-8 value', () => {
    const digest = sha256Hex('abc');

    expect(digest).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('hashes non-ASCII values as UTF-8', () => {
    const value = '令牌-token-✓';

    const digest = sha256Hex(value);

    expect(digest).toBe(createHash('sha256').update(Buffer.from(value, 'utf8')).digest('hex'));
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
