import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  CIPHERTEXT_OVERHEAD_BYTES,
  encodeEncryptionContext,
  openCiphertext,
  readCiphertextKeyId,
  sealCiphertext,
} from '../../../local/aws/kms-ciphertext';

const KEY_ID = '0f8fad5b-d9cb-469f-a165-70867728950e';

describe('encodeEncryptionContext', () => {
  it('encodes the same pairs identically whatever their insertion order', () => {
    const first = encodeEncryptionContext({ b: '2', a: '1' });

    const second = encodeEncryptionContext({ a: '1', b: '2' });

    expect(first.equals(second)).toBe(true);
  });

  it('keeps values containing separators distinct from extra pairs', () => {
    const joined = encodeEncryptionContext({ a: 'b","c' });

    const split = encodeEncryptionContext({ a: 'b', c: '' });

    expect(joined.equals(split)).toBe(false);
  });
});

describe('sealCiphertext and openCiphertext', () => {
  const material = randomBytes(32);

  it('lays out version, key id, IV, ciphertext and tag', () => {
    const plaintext = Buffer.from('hello');

    const blob = sealCiphertext(material, KEY_ID, plaintext, {});

    expect(blob[0]).toBe(1);
    expect(blob.length).toBe(plaintext.length + CIPHERTEXT_OVERHEAD_BYTES);
    expect(readCiphertextKeyId(blob)).toBe(KEY_ID);
  });

  it('opens a blob with the same material and context', () => {
    const blob = sealCiphertext(material, KEY_ID, Buffer.from('hello'), { k: 'v' });

    const opened = openCiphertext(material, blob, { k: 'v' });

    expect(opened?.toString('utf8')).toBe('hello');
  });

  it('rejects a blob opened with other key material', () => {
    const blob = sealCiphertext(material, KEY_ID, Buffer.from('hello'), {});

    const opened = openCiphertext(randomBytes(32), blob, {});

    expect(opened).toBeUndefined();
  });

  it('rejects a blob whose key id was rewritten to another valid id', () => {
    const blob = sealCiphertext(material, KEY_ID, Buffer.from('hello'), {});
    const rewritten = Buffer.from(blob);
    rewritten.write('1f8fad5b', 1, 'ascii');

    const opened = openCiphertext(material, rewritten, {});

    expect(readCiphertextKeyId(rewritten)).toBe('1f8fad5b-d9cb-469f-a165-70867728950e');
    expect(opened).toBeUndefined();
  });

  it('throws when asked to seal under a key id that is not a UUID', () => {
    const act = () => sealCiphertext(material, 'alias/x', Buffer.from('hello'), {});

    expect(act).toThrow(RangeError);
  });
});
