import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * The stand-in's own CiphertextBlob format (real KMS blobs are opaque too; nothing may parse them):
 *
 *   version (1 byte, 0x01) | key id (36 ASCII bytes, a UUID) | IV (12 bytes) | AES-256-GCM ciphertext | tag (16 bytes)
 *
 * The AAD is the version and key id followed by the canonical encryption context, so changing any header byte or any
 * context pair makes GCM authentication fail, which is how real KMS reports both: InvalidCiphertextException.
 */
const VERSION = 0x01;
const KEY_ID_BYTES = 36;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = 1 + KEY_ID_BYTES;
const KEY_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Bytes a blob adds around the plaintext. */
export const CIPHERTEXT_OVERHEAD_BYTES = HEADER_BYTES + IV_BYTES + TAG_BYTES;

/**
 * Canonical encoding of an encryption context: pairs sorted by key (code-unit order), JSON-encoded as `[[k, v], ...]`.
 * JSON quoting keeps it unambiguous, so `{a: 'b,c'}` and `{a: 'b', c: ''}` never encode alike.
 */
export function encodeEncryptionContext(context: Readonly<Record<string, string>>): Buffer {
  const pairs = Object.entries(context).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Buffer.from(JSON.stringify(pairs), 'utf8');
}

/** Encrypts `plaintext` under `keyMaterial` (32 bytes), binding `keyId` and `context`, into a CiphertextBlob. */
export function sealCiphertext(keyMaterial: Buffer, keyId: string, plaintext: Buffer, context: Readonly<Record<string, string>>): Buffer {
  if (!KEY_ID_PATTERN.test(keyId)) {
    throw new RangeError('keyId must be a lowercase UUID');
  }
  const header = Buffer.concat([Buffer.from([VERSION]), Buffer.from(keyId, 'ascii')]);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', keyMaterial, iv);
  cipher.setAAD(Buffer.concat([header, encodeEncryptionContext(context)]));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([header, iv, body, cipher.getAuthTag()]);
}

/** The key id a blob claims to be encrypted under, or undefined when the blob is not in this format. */
export function readCiphertextKeyId(blob: Buffer): string | undefined {
  if (blob.length <= CIPHERTEXT_OVERHEAD_BYTES || blob[0] !== VERSION) {
    return undefined;
  }
  const keyId = blob.subarray(1, HEADER_BYTES).toString('ascii');
  return KEY_ID_PATTERN.test(keyId) ? keyId : undefined;
}

/** Decrypts a blob; undefined when it is malformed, tampered with, or the context differs from the one sealed. */
export function openCiphertext(keyMaterial: Buffer, blob: Buffer, context: Readonly<Record<string, string>>): Buffer | undefined {
  if (readCiphertextKeyId(blob) === undefined) {
    return undefined;
  }
  const header = blob.subarray(0, HEADER_BYTES);
  const iv = blob.subarray(HEADER_BYTES, HEADER_BYTES + IV_BYTES);
  const body = blob.subarray(HEADER_BYTES + IV_BYTES, blob.length - TAG_BYTES);
  const tag = blob.subarray(blob.length - TAG_BYTES);
  try {
    const decipher = createDecipheriv('aes-256-gcm', keyMaterial, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.concat([header, encodeEncryptionContext(context)]));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(body), decipher.final()]);
  } catch {
    return undefined;
  }
}
