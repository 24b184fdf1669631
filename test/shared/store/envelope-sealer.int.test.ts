import { createDecipheriv } from 'node:crypto';
import { DecryptCommand } from '@aws-sdk/client-kms';
import { describe, expect, it } from 'vitest';
import { createEnvelopeSealer, readSealedEnvelope, type SealedEnvelope } from '../../../shared/store/envelope-sealer';
import { newComponentAppid, storeErrorOf, useLocalTable } from './local-table';

const SECRET = 'CANARY-authorization-code-5b1e0c93';

const flipFirstByte = (bytes: Uint8Array): Uint8Array => {
  const copy = Buffer.from(bytes);
  copy[0] = (copy[0] ?? 0) ^ 0x01;
  return copy;
};

describe('createEnvelopeSealer', () => {
  const ctx = useLocalTable();

  const newSealer = (componentAppid = ctx.componentAppid) =>
    createEnvelopeSealer({ kms: ctx.local.kms, keyId: ctx.local.aws.kmsKeyId, componentAppid });

  it.each([
    ['a short value', SECRET],
    ['non-ASCII text', JSON.stringify({ name: '示例公司', code: '令牌✓' })],
    ['60 KiB, far over what KMS Encrypt takes', `<xml>${'x'.repeat(60 * 1024)}${SECRET}</xml>`],
  ])('opens what it sealed: %s', async (_label, value) => {
    const sealer = newSealer();

    const envelope = await sealer.seal('authorization_event', value);

    expect(await sealer.open('authorization_event', envelope)).toBe(value);
  });

  it('seals with one GenerateDataKey call (AES-256 under the component and purpose) and AES-256-GCM, keeping the value out of every part', async () => {
    const sealer = newSealer();

    const envelope = await sealer.seal('authorization_event', SECRET);

    expect(ctx.local.aws.stats().kms).toMatchObject({ GenerateDataKey: 1 });
    expect(ctx.local.aws.stats().kms.Encrypt).toBeUndefined();
    expect(envelope.iv).toHaveLength(12);
    expect(envelope.tag).toHaveLength(16);
    expect(envelope.ciphertext).toHaveLength(Buffer.byteLength(SECRET));
    const dataKey = await ctx.local.kms.send(
      new DecryptCommand({
        CiphertextBlob: envelope.encryptedDataKey,
        EncryptionContext: { componentAppid: ctx.componentAppid, purpose: 'authorization_event' },
      }),
    );
    expect(dataKey.Plaintext).toHaveLength(32);
    for (const part of Object.values(envelope)) {
      expect(Buffer.from(part).toString('latin1')).not.toContain(SECRET);
    }
  });

  it('binds the encryption context into the GCM tag: the data key alone does not open the value without it', async () => {
    const envelope = await newSealer().seal('authorization_event', SECRET);
    const { Plaintext: dataKey } = await ctx.local.kms.send(
      new DecryptCommand({
        CiphertextBlob: envelope.encryptedDataKey,
        EncryptionContext: { componentAppid: ctx.componentAppid, purpose: 'authorization_event' },
      }),
    );
    const decipher = createDecipheriv('aes-256-gcm', dataKey!, envelope.iv);
    decipher.setAuthTag(envelope.tag);

    const attempt = () => Buffer.concat([decipher.update(envelope.ciphertext), decipher.final()]);

    expect(attempt).toThrow();
  });

  it('uses a fresh data key and IV for every value', async () => {
    const sealer = newSealer();

    const first = await sealer.seal('authorization_event', SECRET);
    const second = await sealer.seal('authorization_event', SECRET);

    expect(Buffer.from(first.encryptedDataKey).equals(Buffer.from(second.encryptedDataKey))).toBe(false);
    expect(Buffer.from(first.iv).equals(Buffer.from(second.iv))).toBe(false);
    expect(Buffer.from(first.ciphertext).equals(Buffer.from(second.ciphertext))).toBe(false);
  });

  it('rejects an envelope sealed for another purpose with DECRYPTION_FAILED', async () => {
    const sealer = newSealer();
    const envelope = await sealer.seal('authorization_event', SECRET);

    const err = await storeErrorOf(sealer.open('component_verify_ticket', envelope));

    expect(err.code).toBe('DECRYPTION_FAILED');
    expect(err.message).not.toContain(SECRET);
  });

  it('rejects an envelope sealed for another component with DECRYPTION_FAILED', async () => {
    const envelope = await newSealer().seal('authorization_event', SECRET);

    const err = await storeErrorOf(newSealer(newComponentAppid()).open('authorization_event', envelope));

    expect(err.code).toBe('DECRYPTION_FAILED');
  });

  it.each<[string, (envelope: SealedEnvelope, other: SealedEnvelope) => SealedEnvelope]>([
    ['a flipped ciphertext byte', (e) => ({ ...e, ciphertext: flipFirstByte(e.ciphertext) })],
    ['a flipped IV byte', (e) => ({ ...e, iv: flipFirstByte(e.iv) })],
    ['a flipped tag byte', (e) => ({ ...e, tag: flipFirstByte(e.tag) })],
    ['a truncated tag', (e) => ({ ...e, tag: e.tag.subarray(0, 12) })],
    ['a flipped data key byte', (e) => ({ ...e, encryptedDataKey: flipFirstByte(e.encryptedDataKey) })],
    ['the data key of another envelope', (e, other) => ({ ...e, encryptedDataKey: other.encryptedDataKey })],
  ])('rejects an envelope with %s with DECRYPTION_FAILED', async (_label, tamper) => {
    const sealer = newSealer();
    const envelope = await sealer.seal('authorization_event', SECRET);
    const other = await sealer.seal('authorization_event', SECRET);

    const err = await storeErrorOf(sealer.open('authorization_event', tamper(envelope, other)));

    expect(err.code).toBe('DECRYPTION_FAILED');
  });

  it('throws StoreError UNAVAILABLE when KMS GenerateDataKey keeps failing, without the value', async () => {
    ctx.local.aws.injectFault({ service: 'kms', operation: 'GenerateDataKey', errorType: 'KMSInternalException', count: 3 });

    const err = await storeErrorOf(newSealer().seal('authorization_event', SECRET));

    expect(err.code).toBe('UNAVAILABLE');
    expect(err.message).toBe('KMS GenerateDataKey failed for authorization_event');
    expect(`${err.message} ${String(err.cause)} ${JSON.stringify(err.cause)}`).not.toContain(SECRET);
  });

  it('throws StoreError UNAVAILABLE, not DECRYPTION_FAILED, when KMS Decrypt is down', async () => {
    const sealer = newSealer();
    const envelope = await sealer.seal('authorization_event', SECRET);
    ctx.local.aws.injectFault({ service: 'kms', operation: 'Decrypt', errorType: 'KMSInternalException', count: 3 });

    const err = await storeErrorOf(sealer.open('authorization_event', envelope));

    expect(err.code).toBe('UNAVAILABLE');
  });
});

describe('createEnvelopeSealer with a data-key cache', () => {
  const ctx = useLocalTable();

  const newCachingSealer = () =>
    createEnvelopeSealer({
      kms: ctx.local.kms,
      keyId: ctx.local.aws.kmsKeyId,
      componentAppid: ctx.componentAppid,
      dataKeyCache: { maxAgeMs: 300_000, maxUses: 1000, now: ctx.clock.now },
    });

  it('seals values of one purpose under one data key: one GenerateDataKey while the key is young and little used', async () => {
    const sealer = newCachingSealer();

    const first = await sealer.seal('authorizer_access_token', SECRET);
    ctx.clock.advance(299_999);
    const second = await sealer.seal('authorizer_access_token', SECRET);

    expect(Buffer.from(second.encryptedDataKey)).toEqual(Buffer.from(first.encryptedDataKey));
    expect(ctx.local.aws.stats().kms.GenerateDataKey).toBe(1);
    expect(await sealer.open('authorizer_access_token', second)).toBe(SECRET);
  });

  it('asks KMS for one data key when many values are sealed at once, as a batch of refreshes does', async () => {
    const sealer = newCachingSealer();

    const envelopes = await Promise.all(Array.from({ length: 10 }, (_, i) => sealer.seal('authorizer_access_token', `${SECRET}-${i}`)));

    expect(ctx.local.aws.stats().kms.GenerateDataKey).toBe(1);
    expect(new Set(envelopes.map((e) => Buffer.from(e.encryptedDataKey).toString('base64'))).size).toBe(1);
  });

  it('asks KMS to decrypt a data key once when many values sealed under it are opened at once, as a batch of refreshes does', async () => {
    const sealer = newCachingSealer();
    const envelopes: SealedEnvelope[] = [];
    for (let i = 0; i < 10; i++) envelopes.push(await sealer.seal('authorizer_refresh_token', `${SECRET}-${i}`));
    const opener = newCachingSealer();

    const opened = await Promise.all(envelopes.map((envelope) => opener.open('authorizer_refresh_token', envelope)));

    expect(opened).toEqual(envelopes.map((_, i) => `${SECRET}-${i}`));
    expect(ctx.local.aws.stats().kms.Decrypt).toBe(1);
  });

  it('does not keep a failed GenerateDataKey: the next seal asks KMS again', async () => {
    const sealer = newCachingSealer();
    ctx.local.aws.injectFault({ service: 'kms', operation: 'GenerateDataKey', errorType: 'KMSInternalException', count: 3 });

    const failures = await Promise.allSettled([
      sealer.seal('authorizer_access_token', SECRET),
      sealer.seal('authorizer_access_token', SECRET),
    ]);
    const envelope = await sealer.seal('authorizer_access_token', SECRET);

    expect(failures.map((f) => f.status)).toEqual(['rejected', 'rejected']);
    expect(await sealer.open('authorizer_access_token', envelope)).toBe(SECRET);
  });
});

describe('readSealedEnvelope', () => {
  const bytes = (n: number) => new Uint8Array(n);

  it('reads the four binary parts of a stored envelope', () => {
    const stored = { encryptedDataKey: bytes(80), iv: bytes(12), tag: bytes(16), ciphertext: bytes(5) };

    expect(readSealedEnvelope(stored, 'authorization_event')).toEqual(stored);
  });

  it.each([
    ['nothing', undefined],
    ['a string', 'sealed'],
    ['a map missing the tag', { encryptedDataKey: bytes(80), iv: bytes(12), ciphertext: bytes(5) }],
    ['a map with a string part', { encryptedDataKey: bytes(80), iv: 'iv', tag: bytes(16), ciphertext: bytes(5) }],
  ])('rejects %s with DECRYPTION_FAILED', (_label, value) => {
    const attempt = () => readSealedEnvelope(value, 'authorization_event');

    expect(attempt).toThrow(expect.objectContaining({ code: 'DECRYPTION_FAILED' }) as Error);
  });
});
