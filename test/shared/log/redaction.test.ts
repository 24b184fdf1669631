import { describe, expect, it } from 'vitest';
import { SecretRegistry } from '../../../shared/log/redaction';

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

  it('keeps at most 512 values registered outside any invocation, forgetting the oldest first', () => {
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

describe('SecretRegistry.pin', () => {
  const APPSECRET = 'CANARY-appsecret-0000';

  it('keeps a pinned secret masked however many per-request values follow', () => {
    const registry = new SecretRegistry();
    registry.pin('appsecret', APPSECRET);

    registry.add(...Array.from({ length: 2_000 }, (_, i) => `CANARY-filler-${String(i).padStart(4, '0')}`));

    expect(registry.redact(`secret ${APPSECRET}`)).toBe('secret [REDACTED]');
  });

  it('keeps the newest value of a name and the one before it, and forgets older ones', () => {
    const registry = new SecretRegistry();
    const tokens = ['CANARY-token-version-1', 'CANARY-token-version-2', 'CANARY-token-version-3'];

    for (const token of tokens) registry.pin('component_access_token', token);

    expect(tokens.map((token) => registry.redact(token))).toEqual(['CANARY-token-version-1', '[REDACTED]', '[REDACTED]']);
    expect(registry.size().pinned).toBe(2);
  });

  it('does not grow when the same value is pinned again, and keeps the previous one', () => {
    const registry = new SecretRegistry();
    registry.pin('component_verify_ticket', 'CANARY-ticket-old');
    registry.pin('component_verify_ticket', 'CANARY-ticket-new');

    for (let i = 0; i < 100; i++) registry.pin('component_verify_ticket', 'CANARY-ticket-new');

    expect(registry.size().pinned).toBe(2);
    expect(registry.redact('CANARY-ticket-old')).toBe('[REDACTED]');
  });

  it('keeps each name apart: a new token never pushes out the appsecret', () => {
    const registry = new SecretRegistry();
    registry.pin('appsecret', APPSECRET);

    for (let i = 0; i < 100; i++) registry.pin('component_access_token', `CANARY-token-version-${i}`);

    expect(registry.redact(APPSECRET)).toBe('[REDACTED]');
    expect(registry.size().pinned).toBe(3);
  });

  it('ignores values shorter than 8 characters', () => {
    const registry = new SecretRegistry();

    registry.pin('message_token', 'short');

    expect(registry.size().pinned).toBe(0);
  });
});

describe('SecretRegistry.runInScope', () => {
  const CODE = 'CANARY-oauth-code-1f2e3d';

  it('masks a value registered inside an invocation in its log lines, and forgets it when the invocation ends', async () => {
    const registry = new SecretRegistry();

    const inside = await registry.runInScope(async () => {
      registry.add(CODE);
      await new Promise((resolve) => setImmediate(resolve));
      return registry.redact(`code=${CODE}`);
    });

    expect(inside).toBe('code=[REDACTED]');
    expect(registry.redact(`code=${CODE}`)).toBe(`code=${CODE}`);
    expect(registry.size()).toEqual({ pinned: 0, scoped: 0, fallback: 0, openScopes: 0 });
  });

  it('forgets the values of an invocation that throws, too', async () => {
    const registry = new SecretRegistry();

    const outcome = await registry
      .runInScope(async () => {
        registry.add(CODE);
        throw new Error('handler failed');
      })
      .catch((err: Error) => err.message);

    expect(outcome).toBe('handler failed');
    expect(registry.redact(CODE)).toBe(CODE);
    expect(registry.size().openScopes).toBe(0);
  });

  it('keeps concurrent invocations apart: one ending drops none of the other’s values, and neither sees the other’s', async () => {
    const registry = new SecretRegistry();
    let releaseB!: () => void;
    const bMayEnd = new Promise<void>((resolve) => (releaseB = resolve));
    let aRegistered!: () => void;
    const aHasRegistered = new Promise<void>((resolve) => (aRegistered = resolve));
    const seenByB: string[] = [];

    const a = registry.runInScope(async () => {
      registry.add('CANARY-value-of-a-0001');
      aRegistered();
      return registry.redact('CANARY-value-of-a-0001 CANARY-value-of-b-0002');
    });
    const b = registry.runInScope(async () => {
      registry.add('CANARY-value-of-b-0002');
      await aHasRegistered;
      await bMayEnd;
      seenByB.push(registry.redact('CANARY-value-of-a-0001 CANARY-value-of-b-0002'));
      return registry.size();
    });
    const seenByA = await a;
    releaseB();
    const sizeInB = await b;

    expect(seenByA).toBe('[REDACTED] CANARY-value-of-b-0002');
    expect(seenByB).toEqual(['CANARY-value-of-a-0001 [REDACTED]']);
    expect(sizeInB).toMatchObject({ scoped: 1, openScopes: 1 });
    expect(registry.size().openScopes).toBe(0);
  });

  it('masks the outer invocation’s values inside a nested one (the local runtime invokes a function from another)', async () => {
    const registry = new SecretRegistry();

    const nested = await registry.runInScope(async () => {
      registry.add('CANARY-outer-value-01');
      return registry.runInScope(async () => registry.redact('CANARY-outer-value-01'));
    });

    expect(nested).toBe('[REDACTED]');
  });

  it('masks pinned secrets and fallback values inside an invocation too', async () => {
    const registry = new SecretRegistry();
    registry.pin('appsecret', 'CANARY-appsecret-0000');
    registry.add('CANARY-registered-at-cold-start');

    const inside = await registry.runInScope(async () => registry.redact('CANARY-appsecret-0000 CANARY-registered-at-cold-start'));

    expect(inside).toBe('[REDACTED] [REDACTED]');
  });

  it('never puts values registered inside an invocation in the fallback set: 10,000 invocations leave it empty', async () => {
    const registry = new SecretRegistry();

    for (let i = 0; i < 10_000; i++) await registry.runInScope(async () => registry.add(`CANARY-per-request-${i}`));

    expect(registry.size()).toEqual({ pinned: 0, scoped: 0, fallback: 0, openScopes: 0 });
  });
});
