/**
 * WXBizMsgCrypt message encryption ("安全模式", docs/wechat-protocol.md §2), written by hand on purpose:
 * the npm packages that implement the same format (`wechat-crypto`, `@wecom/crypto`) check no bounds (they
 * silently accept bad padding and length fields pointing past the plaintext), so a tampered or truncated
 * ciphertext yields garbage instead of an error. `wechat-crypto` serves only as an independent oracle in the tests.
 */
import { createCipheriv, createDecipheriv, createSecretKey, type Decipheriv, type KeyObject, randomBytes } from 'node:crypto';
import { WechatMessageError } from './errors';

/** Decrypts pushes and encrypts replies for one EncodingAESKey and one appid. */
export interface WechatMessageCrypto {
  /** base64 ciphertext -> message string (UTF-8); DECRYPTION_FAILED on any malformed input, APPID_MISMATCH on another appid. */
  decrypt(encryptBase64: string): string;
  /** message -> base64 ciphertext, fresh 16 random bytes unless `random16` is given (tests). */
  encrypt(message: string, random16?: Buffer): string;
}

const ENCODING_AES_KEY = /^[A-Za-z0-9]{43}$/;
// WeChat pads to 32 bytes although AES blocks are 16 (PKCS#7 with block size 32, pad value 1..32).
const PAD_BLOCK = 32;
const AES_BLOCK = 16;
const RANDOM_BYTES = 16;
const LENGTH_BYTES = 4;
const HEADER_BYTES = RANDOM_BYTES + LENGTH_BYTES;
// Stateless between calls (no `stream: true`), so one instance serves every message.
const UTF8 = new TextDecoder('utf-8', { fatal: true });

// One fixed message for every crypto failure (as jose's JWEDecryptionFailed): telling which check failed would be a
// padding oracle. openPushMessage also verifies msg_signature first, so forged ciphertexts never get here.
const decryptionFailed = (): WechatMessageError => new WechatMessageError('DECRYPTION_FAILED', 'message decryption failed');

/**
 * Decodes and validates a 43-char EncodingAESKey ([A-Za-z0-9]{43}) to 32 bytes; throws a plain Error naming
 * "EncodingAESKey" (never its value).
 */
export function decodeEncodingAesKey(encodingAesKey: string): Buffer {
  if (!ENCODING_AES_KEY.test(encodingAesKey)) {
    throw new Error('EncodingAESKey must be exactly 43 letters and digits, as shown on the Open Platform console');
  }
  const key = Buffer.from(`${encodingAesKey}=`, 'base64');
  if (key.length !== 32) {
    throw new Error('EncodingAESKey does not decode to a 32-byte AES key');
  }
  return key;
}

/** Builds the message crypto for a component: key from the EncodingAESKey, the component appid as trailer. */
export function createMessageCrypto(input: { encodingAesKey: string; appid: string }): WechatMessageCrypto {
  const rawKey = decodeEncodingAesKey(input.encodingAesKey);
  // A KeyObject made once spares every message the key import createDecipheriv would otherwise do.
  const key = createSecretKey(rawKey);
  const iv = rawKey.subarray(0, 16);
  if (input.appid.length === 0) {
    throw new Error('appid must not be empty: it is the trailer that binds a message to our component');
  }
  const appid = Buffer.from(input.appid, 'utf8');
  const blocks = createBlockDecipher(key);

  return {
    decrypt(encryptBase64) {
      return decryptMessage(blocks, iv, appid, encryptBase64);
    },
    encrypt(message, random16) {
      return encryptMessage(key, iv, appid, message, random16);
    },
  };
}

/**
 * AES-256 in ECB mode with padding off, made once per key: it keeps no state between whole blocks, so one instance
 * decrypts every message. CBC decryption is then each block's ECB decryption XOR the previous ciphertext block (the IV
 * for the first): the same result as a fresh aes-256-cbc decipher per message, without paying for one (the setup cost
 * more than the AES of a push).
 */
function createBlockDecipher(key: KeyObject): Decipheriv {
  const ecb = createDecipheriv('aes-256-ecb', key, null);
  ecb.setAutoPadding(false);
  return ecb;
}

function decryptCbc(blocks: Decipheriv, iv: Buffer, ciphertext: Buffer): Buffer {
  // Whole blocks in, the same number of bytes out at once (ECB buffers nothing when the input is whole blocks).
  const plain = blocks.update(ciphertext);
  if (plain.length !== ciphertext.length) throw decryptionFailed();
  for (let i = plain.length - 1; i >= AES_BLOCK; i--) plain[i] = (plain[i] as number) ^ (ciphertext[i - AES_BLOCK] as number);
  for (let i = 0; i < AES_BLOCK; i++) plain[i] = (plain[i] as number) ^ (iv[i] as number);
  return plain;
}

function decryptMessage(blocks: Decipheriv, iv: Buffer, appid: Buffer, encryptBase64: string): string {
  const ciphertext = Buffer.from(encryptBase64, 'base64');
  // A multiple of 16 that is not a multiple of 32 is a valid AES length but can never carry WeChat's padding.
  if (ciphertext.length === 0 || ciphertext.length % PAD_BLOCK !== 0) throw decryptionFailed();
  // Strict base64: Buffer.from skips characters it does not know and takes URL-safe letters and missing padding, so
  // only canonical base64 survives decoding and re-encoding unchanged. Two native passes; a regular expression over
  // the whole ciphertext cost more than the AES itself.
  if (ciphertext.toString('base64') !== encryptBase64) throw decryptionFailed();

  const padded = decryptCbc(blocks, iv, ciphertext);

  const plaintext = removePadding(padded);
  if (plaintext.length < HEADER_BYTES) throw decryptionFailed();
  const messageLength = plaintext.readUInt32BE(RANDOM_BYTES);
  if (messageLength > plaintext.length - HEADER_BYTES) throw decryptionFailed();
  const messageEnd = HEADER_BYTES + messageLength;

  // The trailer is checked after the bounds: it only means something once the length field is trustworthy.
  if (!plaintext.subarray(messageEnd).equals(appid)) {
    throw new WechatMessageError('APPID_MISMATCH', 'the decrypted message was encrypted for another appid');
  }
  try {
    return UTF8.decode(plaintext.subarray(HEADER_BYTES, messageEnd));
  } catch {
    throw decryptionFailed();
  }
}

function removePadding(padded: Buffer): Buffer {
  const padLength = padded[padded.length - 1] ?? 0;
  if (padLength < 1 || padLength > PAD_BLOCK) throw decryptionFailed();
  // Every pad byte must carry the pad value; accumulate instead of returning early so that the loop's running
  // time does not reveal where the first wrong byte is.
  let mismatch = 0;
  for (let i = padded.length - padLength; i < padded.length; i++) {
    mismatch |= (padded[i] ?? 0) ^ padLength;
  }
  if (mismatch !== 0) throw decryptionFailed();
  return padded.subarray(0, padded.length - padLength);
}

function encryptMessage(key: KeyObject, iv: Buffer, appid: Buffer, message: string, random16?: Buffer): string {
  const random = random16 ?? randomBytes(RANDOM_BYTES);
  if (random.length !== RANDOM_BYTES) throw new Error('random16 must be exactly 16 bytes');
  const body = Buffer.from(message, 'utf8');
  const length = Buffer.alloc(LENGTH_BYTES);
  length.writeUInt32BE(body.length, 0);

  const unpadded = Buffer.concat([random, length, body, appid]);
  // Always 1..32 bytes: a plaintext that is already a multiple of 32 gets a full block of 32s.
  const padLength = PAD_BLOCK - (unpadded.length % PAD_BLOCK);
  const plaintext = Buffer.concat([unpadded, Buffer.alloc(padLength, padLength)]);

  const cipher = createCipheriv('aes-256-cbc', key, iv);
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(plaintext), cipher.final()]).toString('base64');
}
