import { createCipheriv, createDecipheriv } from 'node:crypto';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import WXBizMsgCrypt from 'wechat-crypto';
import { WechatMessageError } from '../../../shared/wechat/errors';
import { createMessageCrypto, decodeEncodingAesKey } from '../../../shared/wechat/msg-crypto';
import { catchError } from '../../support/catch-error';

const ENCODING_AES_KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
const OTHER_ENCODING_AES_KEY = 'ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210zyxwvut';
const APPID = 'wx1234567890abcdef';
const RANDOM16 = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
const MESSAGE = '<xml><AppId><![CDATA[wx1234567890abcdef]]></AppId><InfoType>component_verify_ticket</InfoType></xml>';

const crypto = createMessageCrypto({ encodingAesKey: ENCODING_AES_KEY, appid: APPID });
/** npm `wechat-crypto`, an independent implementation of the format: our oracle. */
const oracle = (appid = APPID) => new WXBizMsgCrypt('token', ENCODING_AES_KEY, appid);

/**
 * Runs `fn` with require('crypto').pseudoRandomBytes returning `random16`: wechat-crypto takes no random prefix and
 * draws one from there, so this is how it encrypts with a known one.
 */

/** The same bytes in base64 that is not canonical: the bits after the last byte, which decoders ignore, set. */
function withTrailingBitsSet(base64: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  const at = base64.replace(/=+$/, '').length - 1;
  const changed = alphabet[alphabet.indexOf(base64[at] as string) | 1] as string;
  if (changed === base64[at]) throw new Error('the fixture already has its trailing bits set');
  return `${base64.slice(0, at)}${changed}${base64.slice(at + 1)}`;
}

function withRandomPrefix<T>(random16: Buffer, fn: () => T): T {
  const nodeCrypto = createRequire(import.meta.url)('node:crypto') as { pseudoRandomBytes: (size: number) => Buffer };
  const original = nodeCrypto.pseudoRandomBytes;
  nodeCrypto.pseudoRandomBytes = () => random16;
  try {
    return fn();
  } finally {
    nodeCrypto.pseudoRandomBytes = original;
  }
}

/** AES-256-CBC over an already padded plaintext, to build ciphertexts our encrypt() would never produce. */
function encryptRaw(plaintext: Buffer, encodingAesKey = ENCODING_AES_KEY): string {
  const key = Buffer.from(`${encodingAesKey}=`, 'base64');
  const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16));
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(plaintext), cipher.final()]).toString('base64');
}

function decryptRaw(ciphertextBase64: string): Buffer {
  const key = Buffer.from(`${ENCODING_AES_KEY}=`, 'base64');
  const decipher = createDecipheriv('aes-256-cbc', key, key.subarray(0, 16));
  decipher.setAutoPadding(false);
  return Buffer.concat([decipher.update(Buffer.from(ciphertextBase64, 'base64')), decipher.final()]);
}

/** random16 | uint32 BE length | message | trailer, padded with the given bytes. */
function plaintextOf(message: Buffer, trailer: string, length = message.length): Buffer {
  const lengthField = Buffer.alloc(4);
  lengthField.writeUInt32BE(length, 0);
  return Buffer.concat([RANDOM16, lengthField, message, Buffer.from(trailer)]);
}

function padTo32(unpadded: Buffer): Buffer {
  const padLength = 32 - (unpadded.length % 32);
  return Buffer.concat([unpadded, Buffer.alloc(padLength, padLength)]);
}

describe('decodeEncodingAesKey', () => {
  it('decodes a 43-character EncodingAESKey to the 32-byte AES key', () => {
    const key = decodeEncodingAesKey(ENCODING_AES_KEY);

    expect(key).toHaveLength(32);
    expect(key.equals(Buffer.from(`${ENCODING_AES_KEY}=`, 'base64'))).toBe(true);
  });

  it.each([
    ['empty', ''],
    ['42 characters', ENCODING_AES_KEY.slice(1)],
    ['44 characters', `${ENCODING_AES_KEY}A`],
    ['a plus sign', `+${ENCODING_AES_KEY.slice(1)}`],
    ['a slash', `/${ENCODING_AES_KEY.slice(1)}`],
    ['base64 padding', `${ENCODING_AES_KEY.slice(1)}=`],
    ['surrounding whitespace', ` ${ENCODING_AES_KEY.slice(1)}`],
  ])('throws for a key with %s, naming EncodingAESKey but not the value', (_label, encodingAesKey) => {
    const err = catchError(() => decodeEncodingAesKey(encodingAesKey)) as Error;

    expect(err).toBeInstanceOf(Error);
    expect(err.message).toContain('EncodingAESKey');
    if (encodingAesKey !== '') expect(err.message).not.toContain(encodingAesKey.trim());
  });
});

describe('createMessageCrypto', () => {
  it('throws for an empty appid', () => {
    const act = () => createMessageCrypto({ encodingAesKey: ENCODING_AES_KEY, appid: '' });

    expect(act).toThrow(/appid/);
  });

  it('round-trips a message, including non-ASCII text', () => {
    const message = '<xml><Content><![CDATA[你好, WeChat]]></Content></xml>';

    const decrypted = crypto.decrypt(crypto.encrypt(message));

    expect(decrypted).toBe(message);
  });

  it('uses fresh random bytes for each encryption', () => {
    const first = crypto.encrypt(MESSAGE);

    const second = crypto.encrypt(MESSAGE);

    expect(first).not.toBe(second);
  });

  it('produces exactly the ciphertext of wechat-crypto for the same random prefix', () => {
    const theirs = withRandomPrefix(RANDOM16, () => oracle().encrypt(MESSAGE));

    const ours = crypto.encrypt(MESSAGE, RANDOM16);

    expect(ours).toBe(theirs);
  });

  it('encrypts messages that wechat-crypto decrypts', () => {
    const ciphertext = crypto.encrypt(MESSAGE);

    const opened = oracle().decrypt(ciphertext);

    expect(opened).toEqual({ message: MESSAGE, id: APPID });
  });

  it('decrypts messages that wechat-crypto encrypted', () => {
    const ciphertext = oracle().encrypt(MESSAGE);

    const decrypted = crypto.decrypt(ciphertext);

    expect(decrypted).toBe(MESSAGE);
  });

  it('adds a full 32-byte pad block when the plaintext is already a multiple of 32 bytes', () => {
    const messageLength = 64 - 16 - 4 - APPID.length; // 16 random + 4 length + N + appid = 64
    const message = 'm'.repeat(messageLength);

    const ciphertext = crypto.encrypt(message, RANDOM16);

    const padded = decryptRaw(ciphertext);
    expect(padded).toHaveLength(96);
    expect(padded.subarray(64).equals(Buffer.alloc(32, 32))).toBe(true);
    expect(crypto.decrypt(ciphertext)).toBe(message);
  });

  it('throws when random16 is not 16 bytes', () => {
    const act = () => crypto.encrypt(MESSAGE, Buffer.alloc(15));

    expect(act).toThrow(/random16/);
  });
});

describe('WechatMessageCrypto.decrypt', () => {
  // 16 random + 4 length + 10 message + 18 appid = 48, padded to 64 bytes: four AES blocks.
  const shortMessage = '<xml></xml>'.slice(0, 10);
  const shortCiphertext = crypto.encrypt(shortMessage, RANDOM16);

  it('uses four 16-byte blocks for the tampering fixture', () => {
    expect(Buffer.from(shortCiphertext, 'base64')).toHaveLength(64);
  });

  // CBC alone has no integrity: a flip inside a message-only block could garble text without any check failing,
  // which is why openPushMessage verifies msg_signature before decrypting. Flipping the first byte of each
  // ciphertext block hits, in turn, the length field, the length field again, the appid trailer and the padding.
  it.each([0, 1, 2, 3])('rejects a ciphertext with a flipped byte in block %i', (block) => {
    const bytes = Buffer.from(shortCiphertext, 'base64');
    bytes[block * 16] = (bytes[block * 16] ?? 0) ^ 0x01;

    const err = catchError(() => crypto.decrypt(bytes.toString('base64')));

    expect(err).toBeInstanceOf(WechatMessageError);
    expect(['DECRYPTION_FAILED', 'APPID_MISMATCH']).toContain((err as WechatMessageError).code);
  });

  it.each([
    ['the last 32 bytes', 32],
    ['the last 16 bytes', 16],
  ])('rejects a ciphertext truncated by %s', (_label, cut) => {
    const bytes = Buffer.from(shortCiphertext, 'base64');

    const err = catchError(() => crypto.decrypt(bytes.subarray(0, bytes.length - cut).toString('base64')));

    expect(err).toMatchObject({ code: 'DECRYPTION_FAILED', message: 'message decryption failed' });
  });

  it('rejects a ciphertext made with another EncodingAESKey', () => {
    const ciphertext = encryptRaw(padTo32(plaintextOf(Buffer.from(MESSAGE), APPID)), OTHER_ENCODING_AES_KEY);

    const err = catchError(() => crypto.decrypt(ciphertext));

    expect(err).toMatchObject({ code: 'DECRYPTION_FAILED' });
  });

  it('rejects a message encrypted for another appid', () => {
    const ciphertext = oracle('wxffffffffffffffff').encrypt(MESSAGE);

    const err = catchError(() => crypto.decrypt(ciphertext));

    expect(err).toBeInstanceOf(WechatMessageError);
    expect(err).toMatchObject({ code: 'APPID_MISMATCH' });
  });

  it.each([
    ['empty', ''],
    ['not base64', '!!!! not base64 ????'],
    ['base64 with a line break', `${shortCiphertext.slice(0, 20)}\n${shortCiphertext.slice(20)}`],
    ['base64 without its padding', shortCiphertext.replace(/=+$/, '')],
    ['16 bytes (one AES block)', Buffer.alloc(16, 7).toString('base64')],
    ['48 bytes (AES-aligned, not 32-aligned)', Buffer.alloc(48, 7).toString('base64')],
    ['a cut base64 string', shortCiphertext.slice(0, -5)],
    ['base64 in the URL-safe alphabet', Buffer.from(shortCiphertext, 'base64').toString('base64url')],
    ['base64 whose unused trailing bits are set (decodes to the same bytes)', withTrailingBitsSet(shortCiphertext)],
  ])('rejects a ciphertext that is %s', (_label, input) => {
    const err = catchError(() => crypto.decrypt(input));

    expect(err).toBeInstanceOf(WechatMessageError);
    expect(err).toMatchObject({ code: 'DECRYPTION_FAILED', message: 'message decryption failed' });
  });

  it('decrypts every message right after refusing tampered ones (one block decipher serves every message)', () => {
    const messages = Array.from({ length: 20 }, (_, i) => `<xml><N>${i}</N>${'x'.repeat(i * 7)}</xml>`);
    const tampered = Buffer.from(shortCiphertext, 'base64');
    tampered[tampered.length - 20] = (tampered[tampered.length - 20] as number) ^ 1;

    const results = messages.map((message) => {
      const refused = catchError(() => crypto.decrypt(tampered.toString('base64')));
      return [refused instanceof WechatMessageError, crypto.decrypt(crypto.encrypt(message))];
    });

    expect(results).toEqual(messages.map((message) => [true, message]));
  });

  const body = Buffer.from(MESSAGE);
  it.each([
    ['pad byte 0', Buffer.concat([plaintextOf(body, APPID), Buffer.alloc(32 - ((20 + body.length + APPID.length) % 32), 0)])],
    [
      'pad byte 33',
      (() => {
        const p = padTo32(plaintextOf(body, APPID));
        p[p.length - 1] = 33;
        return p;
      })(),
    ],
    [
      'pad bytes that are not all equal',
      (() => {
        const p = padTo32(plaintextOf(body, APPID));
        p[p.length - 2] = 0;
        return p;
      })(),
    ],
    ['a length field beyond the plaintext', padTo32(plaintextOf(body, APPID, body.length + APPID.length + 1))],
    ['a length field of 2^32 - 1', padTo32(plaintextOf(body, APPID, 0xffffffff))],
    ['no room for the length field', Buffer.concat([RANDOM16, Buffer.alloc(16, 16)])],
    ['a message that is not UTF-8', padTo32(plaintextOf(Buffer.from([0xc3, 0x28, 0xff]), APPID))],
  ])('rejects a plaintext with %s', (_label, plaintext) => {
    const ciphertext = encryptRaw(plaintext);

    const err = catchError(() => crypto.decrypt(ciphertext));

    expect(err).toMatchObject({ code: 'DECRYPTION_FAILED', message: 'message decryption failed' });
  });

  it('rejects unequal pad bytes that wechat-crypto silently accepts (why we do not use it)', () => {
    const plaintext = padTo32(plaintextOf(body, APPID));
    plaintext[plaintext.length - 2] = 0;
    const ciphertext = encryptRaw(plaintext);

    const theirs = oracle().decrypt(ciphertext);
    const err = catchError(() => crypto.decrypt(ciphertext));

    expect(theirs).toEqual({ message: MESSAGE, id: APPID });
    expect(err).toMatchObject({ code: 'DECRYPTION_FAILED' });
  });

  it('accepts an empty message', () => {
    const ciphertext = encryptRaw(padTo32(plaintextOf(Buffer.alloc(0), APPID)));

    const decrypted = crypto.decrypt(ciphertext);

    expect(decrypted).toBe('');
  });
});
