import {
  DecryptCommand,
  DescribeKeyCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  IncorrectKeyException,
  InvalidCiphertextException,
  KMSClient,
  NotFoundException,
} from '@aws-sdk/client-kms';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalAws, startLocalAws } from '../../../local/aws/local-aws';

const CANARY = 'canary-appsecret-5f0c1d9e';
const CONTEXT = { purpose: 'component_access_token', componentAppid: 'wx0000000000000001' };

describe('KMS stand-in', () => {
  let aws: LocalAws;
  let kms: KMSClient;

  beforeAll(async () => {
    aws = await startLocalAws();
    kms = new KMSClient(aws.clientConfig('kms'));
  });

  afterAll(async () => {
    kms.destroy();
    await aws.close();
  });

  async function encrypt(plaintext: string, context: Record<string, string> = CONTEXT): Promise<Uint8Array> {
    const { CiphertextBlob } = await kms.send(
      new EncryptCommand({ KeyId: aws.kmsAlias, Plaintext: Buffer.from(plaintext), EncryptionContext: context }),
    );
    if (CiphertextBlob === undefined) {
      throw new Error('Encrypt returned no CiphertextBlob');
    }
    return CiphertextBlob;
  }

  it('decrypts what it encrypted when the encryption context matches', async () => {
    const blob = await encrypt(CANARY);

    const result = await kms.send(new DecryptCommand({ CiphertextBlob: blob, EncryptionContext: { ...CONTEXT } }));

    expect(Buffer.from(result.Plaintext ?? new Uint8Array()).toString('utf8')).toBe(CANARY);
    expect(result.KeyId).toBe(aws.kmsKeyArn);
    expect(result.EncryptionAlgorithm).toBe('SYMMETRIC_DEFAULT');
  });

  it('returns the key ARN and a ciphertext that does not contain the plaintext', async () => {
    const result = await kms.send(new EncryptCommand({ KeyId: aws.kmsKeyId, Plaintext: Buffer.from(CANARY) }));

    expect(result.KeyId).toBe(aws.kmsKeyArn);
    expect(result.EncryptionAlgorithm).toBe('SYMMETRIC_DEFAULT');
    expect(Buffer.from(result.CiphertextBlob ?? new Uint8Array()).includes(CANARY)).toBe(false);
  });

  it('encrypts the same plaintext to different blobs each time', async () => {
    const first = await encrypt(CANARY);

    const second = await encrypt(CANARY);

    expect(Buffer.from(first).equals(Buffer.from(second))).toBe(false);
  });

  it('decrypts regardless of the order of encryption context keys', async () => {
    const blob = await encrypt('value', { b: '2', a: '1' });

    const result = await kms.send(new DecryptCommand({ CiphertextBlob: blob, EncryptionContext: { a: '1', b: '2' } }));

    expect(Buffer.from(result.Plaintext ?? new Uint8Array()).toString('utf8')).toBe('value');
  });

  const contextMismatches: [string, Record<string, string> | undefined][] = [
    ['a missing context', undefined],
    ['a context with a pair missing', { purpose: CONTEXT.purpose }],
    ['a context with an extra pair', { ...CONTEXT, extra: 'x' }],
    ['a context with a different value', { ...CONTEXT, componentAppid: 'wx0000000000000002' }],
    ['a context with a renamed key', { purpose: CONTEXT.purpose, componentAppId: CONTEXT.componentAppid }],
  ];
  it.each(contextMismatches)('rejects a Decrypt with %s as InvalidCiphertextException', async (_label, context) => {
    const blob = await encrypt(CANARY);

    const attempt = kms.send(new DecryptCommand({ CiphertextBlob: blob, EncryptionContext: context }));

    await expect(attempt).rejects.toBeInstanceOf(InvalidCiphertextException);
  });

  it('rejects a Decrypt whose context was given at Decrypt but not at Encrypt', async () => {
    const blob = await encrypt(CANARY, {});

    const attempt = kms.send(new DecryptCommand({ CiphertextBlob: blob, EncryptionContext: CONTEXT }));

    await expect(attempt).rejects.toMatchObject({ name: 'InvalidCiphertextException' });
  });

  // Offsets cover every part of the blob: version, key id, IV, ciphertext body and tag.
  const tamperings: [string, (blob: Buffer) => Buffer][] = [
    ['a flipped version byte', (b) => flip(b, 0)],
    ['a flipped key id byte', (b) => flip(b, 5)],
    ['a flipped IV byte', (b) => flip(b, 40)],
    ['a flipped ciphertext byte', (b) => flip(b, 50)],
    ['a flipped tag byte', (b) => flip(b, b.length - 1)],
    ['a truncated tag', (b) => b.subarray(0, b.length - 1)],
    ['only the header', (b) => b.subarray(0, 37)],
    ['a single byte', () => Buffer.from([1])],
    ['random bytes', () => Buffer.alloc(80, 7)],
  ];
  it.each(tamperings)('rejects a blob with %s as InvalidCiphertextException', async (_label, tamper) => {
    const blob = Buffer.from(await encrypt('x'.repeat(32)));

    const attempt = kms.send(new DecryptCommand({ CiphertextBlob: tamper(blob), EncryptionContext: CONTEXT }));

    await expect(attempt).rejects.toBeInstanceOf(InvalidCiphertextException);
  });

  it('does not echo the plaintext or ciphertext in a decryption error', async () => {
    const blob = await encrypt(CANARY);

    const error: unknown = await kms.send(new DecryptCommand({ CiphertextBlob: blob })).catch((err: unknown) => err);

    expect(error).toBeInstanceOf(InvalidCiphertextException);
    const serialized = JSON.stringify(error) + String((error as Error).message);
    expect(serialized).not.toContain(CANARY);
    expect(serialized).not.toContain(Buffer.from(blob).toString('base64'));
  });

  it.each([
    ['key id', () => aws.kmsKeyId],
    ['key ARN', () => aws.kmsKeyArn],
    ['alias name', () => aws.kmsAlias],
    ['alias ARN', () => `arn:aws:kms:${aws.region}:${aws.accountId}:${aws.kmsAlias}`],
  ])('accepts the %s as KeyId for Encrypt, Decrypt and DescribeKey', async (_label, keyId) => {
    const encrypted = await kms.send(new EncryptCommand({ KeyId: keyId(), Plaintext: Buffer.from('v') }));

    const decrypted = await kms.send(new DecryptCommand({ KeyId: keyId(), CiphertextBlob: encrypted.CiphertextBlob }));
    const described = await kms.send(new DescribeKeyCommand({ KeyId: keyId() }));

    expect(encrypted.KeyId).toBe(aws.kmsKeyArn);
    expect(Buffer.from(decrypted.Plaintext ?? new Uint8Array()).toString('utf8')).toBe('v');
    expect(described.KeyMetadata).toMatchObject({
      KeyId: aws.kmsKeyId,
      Arn: aws.kmsKeyArn,
      KeyState: 'Enabled',
      KeyUsage: 'ENCRYPT_DECRYPT',
      KeySpec: 'SYMMETRIC_DEFAULT',
    });
  });

  it.each([
    ['an unknown key id', '11111111-2222-3333-4444-555555555555'],
    ['an unknown alias', 'alias/does-not-exist'],
    ['a key ARN from another account', 'arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555'],
  ])('rejects Encrypt with %s as NotFoundException', async (_label, keyId) => {
    const attempt = kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('v') }));

    await expect(attempt).rejects.toBeInstanceOf(NotFoundException);
  });

  it('rejects DescribeKey of an unknown key as NotFoundException', async () => {
    const attempt = kms.send(new DescribeKeyCommand({ KeyId: 'alias/nope' }));

    await expect(attempt).rejects.toBeInstanceOf(NotFoundException);
  });

  it('rejects a Decrypt whose KeyId names another key as IncorrectKeyException', async () => {
    const other = aws.createKmsKey();
    const blob = await encrypt('v');

    const attempt = kms.send(new DecryptCommand({ KeyId: other.keyArn, CiphertextBlob: blob, EncryptionContext: CONTEXT }));

    await expect(attempt).rejects.toBeInstanceOf(IncorrectKeyException);
  });

  it('rejects a Decrypt whose KeyId names no key as NotFoundException', async () => {
    const blob = await encrypt('v');

    const attempt = kms.send(new DecryptCommand({ KeyId: 'alias/nope', CiphertextBlob: blob, EncryptionContext: CONTEXT }));

    await expect(attempt).rejects.toBeInstanceOf(NotFoundException);
  });

  it.each([
    ['empty', 0],
    ['over 4096 bytes', 4097],
  ])('rejects an %s plaintext as ValidationException', async (_label, size) => {
    const attempt = kms.send(new EncryptCommand({ KeyId: aws.kmsAlias, Plaintext: Buffer.alloc(size, 1) }));

    await expect(attempt).rejects.toMatchObject({ name: 'ValidationException', $metadata: { httpStatusCode: 400 } });
  });

  it('accepts a plaintext of exactly 4096 bytes', async () => {
    const result = await kms.send(new EncryptCommand({ KeyId: aws.kmsAlias, Plaintext: Buffer.alloc(4096, 1) }));

    expect(result.CiphertextBlob?.length).toBeGreaterThan(4096);
  });

  it('counts calls per operation', async () => {
    const before = aws.stats().kms;
    const blob = await encrypt('v');

    await kms.send(new DecryptCommand({ CiphertextBlob: blob, EncryptionContext: CONTEXT }));
    await kms.send(new DecryptCommand({ CiphertextBlob: blob })).catch(() => undefined);

    const after = aws.stats().kms;
    expect((after.Encrypt ?? 0) - (before.Encrypt ?? 0)).toBe(1);
    expect((after.Decrypt ?? 0) - (before.Decrypt ?? 0)).toBe(2);
  });

  describe('GenerateDataKey', () => {
    async function generate(
      input: { KeySpec?: 'AES_256' | 'AES_128'; NumberOfBytes?: number; EncryptionContext?: Record<string, string> } = {
        KeySpec: 'AES_256',
      },
    ) {
      const out = await kms.send(new GenerateDataKeyCommand({ KeyId: aws.kmsAlias, EncryptionContext: CONTEXT, ...input }));
      if (!out.Plaintext || !out.CiphertextBlob) throw new Error('GenerateDataKey returned no key');
      return { plaintext: Buffer.from(out.Plaintext), blob: out.CiphertextBlob, keyId: out.KeyId };
    }

    it('returns a 256-bit key and its blob, which Decrypt opens to the same key under the same context', async () => {
      const key = await generate();

      const opened = await kms.send(new DecryptCommand({ CiphertextBlob: key.blob, EncryptionContext: { ...CONTEXT } }));

      expect(key.plaintext).toHaveLength(32);
      expect(key.keyId).toBe(aws.kmsKeyArn);
      expect(Buffer.from(opened.Plaintext ?? new Uint8Array()).equals(key.plaintext)).toBe(true);
      expect(Buffer.from(key.blob).includes(key.plaintext)).toBe(false);
    });

    it.each([
      ['KeySpec AES_128', { KeySpec: 'AES_128' as const }, 16],
      ['NumberOfBytes 64', { NumberOfBytes: 64 }, 64],
      ['NumberOfBytes 1', { NumberOfBytes: 1 }, 1],
      ['NumberOfBytes 1024', { NumberOfBytes: 1024 }, 1024],
    ])('returns a key of the requested size for %s', async (_label, input, bytes) => {
      const key = await generate(input);

      expect(key.plaintext).toHaveLength(bytes);
    });

    it('returns a different key each time', async () => {
      const first = await generate();

      const second = await generate();

      expect(first.plaintext.equals(second.plaintext)).toBe(false);
    });

    it.each(contextMismatchesFor(CONTEXT))(
      'refuses to Decrypt a data key blob with %s as InvalidCiphertextException',
      async (_label, context) => {
        const key = await generate();

        const attempt = kms.send(new DecryptCommand({ CiphertextBlob: key.blob, EncryptionContext: context }));

        await expect(attempt).rejects.toBeInstanceOf(InvalidCiphertextException);
      },
    );

    it.each([
      ['neither KeySpec nor NumberOfBytes', {}],
      ['both KeySpec and NumberOfBytes', { KeySpec: 'AES_256', NumberOfBytes: 32 }],
      ['an unknown KeySpec', { KeySpec: 'AES_512' }],
      ['an inherited property name as KeySpec', { KeySpec: 'toString' }],
      ['NumberOfBytes 0', { NumberOfBytes: 0 }],
      ['NumberOfBytes 1025', { NumberOfBytes: 1025 }],
      ['a fractional NumberOfBytes', { NumberOfBytes: 1.5 }],
    ])('rejects a request with %s as ValidationException', async (_label, input) => {
      const attempt = kms.send(new GenerateDataKeyCommand({ KeyId: aws.kmsAlias, ...(input as object) }));

      await expect(attempt).rejects.toMatchObject({ name: 'ValidationException', $metadata: { httpStatusCode: 400 } });
    });

    it('rejects an unknown key as NotFoundException', async () => {
      const attempt = kms.send(new GenerateDataKeyCommand({ KeyId: 'alias/does-not-exist', KeySpec: 'AES_256' }));

      await expect(attempt).rejects.toBeInstanceOf(NotFoundException);
    });

    it('counts GenerateDataKey calls', async () => {
      const before = aws.stats().kms.GenerateDataKey ?? 0;

      await generate();

      expect((aws.stats().kms.GenerateDataKey ?? 0) - before).toBe(1);
    });
  });
});

function contextMismatchesFor(context: Record<string, string>): [string, Record<string, string> | undefined][] {
  return [
    ['no context', undefined],
    ['another purpose', { ...context, purpose: 'component_access_token_other' }],
    ['another component', { ...context, componentAppid: 'wx0000000000000002' }],
    ['an extra pair', { ...context, extra: 'x' }],
  ];
}

function flip(blob: Buffer, offset: number): Buffer {
  const copy = Buffer.from(blob);
  copy[offset] = (copy[offset] ?? 0) ^ 0x01;
  return copy;
}
