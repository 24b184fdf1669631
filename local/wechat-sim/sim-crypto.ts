/**
 * The simulator's own push signing and encryption, written from docs/wechat-protocol.md §2 with node:crypto.
 * It deliberately imports nothing from the project's shared/ folder: if both sides shared one implementation,
 * a bug in it would pass every test. Tests check this module against the npm package `wechat-crypto`.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/** WXBizMsgCrypt pads to 32-byte blocks, not AES's 16 (section 2), so Node's auto-padding cannot be used. */
const PAD_BLOCK_BYTES = 32;
const RANDOM_PREFIX_BYTES = 16;
const LENGTH_FIELD_BYTES = 4;

/** Thrown for any malformed key or ciphertext; the message never includes key, plaintext or ciphertext. */
export class SimCryptoError extends Error {
  constructor(
    readonly code: 'INVALID_ENCODING_AES_KEY' | 'DECRYPTION_FAILED',
    message: string,
  ) {
    super(message);
    this.name = 'SimCryptoError';
  }
}

/** Turns the 43-character EncodingAESKey into the 32-byte AES key (base64 of key + "="). */
export function decodeEncodingAesKey(encodingAesKey: string): Buffer {
  // Node's base64 decoder skips invalid characters silently, so check the alphabet first.
  if (!/^[A-Za-z0-9]{43}$/.test(encodingAesKey)) {
    throw new SimCryptoError('INVALID_ENCODING_AES_KEY', 'encodingAesKey must be 43 letters and digits');
  }
  return Buffer.from(`${encodingAesKey}=`, 'base64');
}

/** sha1 hex of the sorted, concatenated parts: the shape of both push signatures. */
function sha1OfSorted(parts: string[]): string {
  return createHash('sha1')
    .update([...parts].sort().join(''))
    .digest('hex');
}

/** The push's plain `signature` query parameter: sha1(sorted [token, timestamp, nonce]); it does not cover the body. */
export function computeSignature(token: string, timestamp: string, nonce: string): string {
  return sha1OfSorted([token, timestamp, nonce]);
}

/** The push's `msg_signature`: sha1(sorted [token, timestamp, nonce, Encrypt]). */
export function computeMsgSignature(token: string, timestamp: string, nonce: string, encrypt: string): string {
  return sha1OfSorted([token, timestamp, nonce, encrypt]);
}

/** Encrypts a message as WeChat does: base64(AES-256-CBC(random16 | len32be | xml | appid | pad32)). */
export function encryptMessage(input: {
  encodingAesKey: string;
  appid: string;
  xml: string;
  /** Fixed 16-byte prefix for reproducible output in tests; random when absent. */
  randomPrefix?: Buffer;
}): string {
  const key = decodeEncodingAesKey(input.encodingAesKey);
  const prefix = input.randomPrefix ?? randomBytes(RANDOM_PREFIX_BYTES);
  if (prefix.length !== RANDOM_PREFIX_BYTES) {
    throw new RangeError('randomPrefix must be 16 bytes');
  }
  const message = Buffer.from(input.xml, 'utf8');
  const length = Buffer.alloc(LENGTH_FIELD_BYTES);
  length.writeUInt32BE(message.length, 0);
  const plain = Buffer.concat([prefix, length, message, Buffer.from(input.appid, 'utf8')]);
  const padLength = PAD_BLOCK_BYTES - (plain.length % PAD_BLOCK_BYTES);
  const padded = Buffer.concat([plain, Buffer.alloc(padLength, padLength)]);

  const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16));
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(padded), cipher.final()]).toString('base64');
}

/** Decrypts and checks padding and length; returns the XML and the trailing appid (the caller compares it). */
export function decryptMessage(input: { encodingAesKey: string; encrypt: string }): { xml: string; appid: string } {
  const key = decodeEncodingAesKey(input.encodingAesKey);
  const failed = () => new SimCryptoError('DECRYPTION_FAILED', 'message decryption failed');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(input.encrypt)) throw failed();
  const cipherBytes = Buffer.from(input.encrypt, 'base64');
  if (cipherBytes.length === 0 || cipherBytes.length % PAD_BLOCK_BYTES !== 0) throw failed();

  let padded: Buffer;
  try {
    const decipher = createDecipheriv('aes-256-cbc', key, key.subarray(0, 16));
    decipher.setAutoPadding(false);
    padded = Buffer.concat([decipher.update(cipherBytes), decipher.final()]);
  } catch {
    throw failed();
  }

  const padLength = padded[padded.length - 1] ?? 0;
  if (padLength < 1 || padLength > PAD_BLOCK_BYTES) throw failed();
  for (let i = padded.length - padLength; i < padded.length; i += 1) {
    if (padded[i] !== padLength) throw failed();
  }
  const plain = padded.subarray(0, padded.length - padLength);
  const headerBytes = RANDOM_PREFIX_BYTES + LENGTH_FIELD_BYTES;
  if (plain.length < headerBytes) throw failed();
  const messageLength = plain.readUInt32BE(RANDOM_PREFIX_BYTES);
  if (messageLength > plain.length - headerBytes) throw failed();

  const messageEnd = headerBytes + messageLength;
  return {
    xml: plain.subarray(headerBytes, messageEnd).toString('utf8'),
    appid: plain.subarray(messageEnd).toString('utf8'),
  };
}
