import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fingerprint, SecretRegistry, tokenSha256 } from '../../../shared/log/redaction';

const SECRET = 'CANARY-redaction-4b1f0e';

describe('SecretRegistry', () => {
  it('masks a registered value wherever it appears in a string', () => {
    const registry = new SecretRegistry();
    registry.add(SECRET);

    const out = registry.redact(`before ${SECRET} between ${SECRET}after`);

    expect(out).toBe('before [REDACTED] between [REDACTED]after');
  });

  it('masks registered values at any depth when used as a JSON replacer', () => {
    const registry = new SecretRegistry();
    registry.add(SECRET);
    const record = {
      message: 'refresh failed',
      top: SECRET,
      nested: { list: [1, { deeper: { value: `token=${SECRET}` } }], flag: true, count: 3 },
    };

    const json = JSON.stringify(record, registry.replacer);

    expect(json).not.toContain(SECRET);
    expect(JSON.parse(json)).toEqual({
      message: 'refresh failed',
      top: '[REDACTED]',
      nested: { list: [1, { deeper: { value: 'token=[REDACTED]' } }], flag: true, count: 3 },
    });
  });

  it('leaves values through untouched when nothing is registered', () => {
    const registry = new SecretRegistry();
    const record = { a: SECRET, b: 42, c: null };

    const json = JSON.stringify(record, registry.replacer);

    expect(json).toBe(JSON.stringify(record));
  });

  it('ignores values shorter than 8 characters, so ordinary words are never masked', () => {
    const registry = new SecretRegistry();
    registry.add('success', 'token', '', undefined, '1234567');

    const out = registry.redact('success: token 1234567');

    expect(out).toBe('success: token 1234567');
  });

  it('masks a value of exactly 8 characters', () => {
    const registry = new SecretRegistry();
    registry.add('12345678');

    const out = registry.redact('code 12345678');

    expect(out).toBe('code [REDACTED]');
  });

  it('masks the whole of a registered value that contains another registered value', () => {
    const registry = new SecretRegistry();
    const code = 'queryauthcode@@@CANARY0a1b2c';
    const payload = `{"AuthorizationCode":"${code}","PreAuthCode":"preauthcode@@@CANARY9f8e7d"}`;
    registry.add(code);
    registry.add(payload);

    const out = registry.redact(`sealed ${payload}`);

    expect(out).toBe('sealed [REDACTED]');
  });

  it('keeps at most 512 values, forgetting the oldest first', () => {
    const registry = new SecretRegistry();
    const values = Array.from({ length: 513 }, (_, i) => `CANARY-value-${String(i).padStart(4, '0')}`);
    registry.add(...values);

    const oldest = registry.redact(values[0]!);
    const second = registry.redact(values[1]!);
    const newest = registry.redact(values[512]!);

    expect(oldest).toBe(values[0]);
    expect(second).toBe('[REDACTED]');
    expect(newest).toBe('[REDACTED]');
  });

  it('treats a value registered again as new, so a value still in use is not evicted', () => {
    const registry = new SecretRegistry();
    registry.add(SECRET);
    registry.add(...Array.from({ length: 511 }, (_, i) => `CANARY-filler-${String(i).padStart(4, '0')}`));

    registry.add(SECRET);
    registry.add('CANARY-one-more-value');

    expect(registry.redact(SECRET)).toBe('[REDACTED]');
    expect(registry.redact('CANARY-filler-0000')).toBe('CANARY-filler-0000');
  });
});

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

    expect(tokenSha256(SECRET).startsWith(label)).toBe(true);
  });
});

describe('tokenSha256', () => {
  it('is the full lower-case sha256 hex of the UTF-8 value', () => {
    const digest = tokenSha256('abc');

    expect(digest).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('hashes non-ASCII values as UTF-8', () => {
    const value = '令牌-token-✓';

    const digest = tokenSha256(value);

    expect(digest).toBe(createHash('sha256').update(Buffer.from(value, 'utf8')).digest('hex'));
  });
});
