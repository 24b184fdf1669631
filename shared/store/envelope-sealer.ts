import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { DecryptCommand, GenerateDataKeyCommand, type KMSClient } from '@aws-sdk/client-kms';
import type { SealPurpose } from '../contract';
import { secretRegistry } from '../log/redaction';
import { shareInFlight } from '../token/share-in-flight';
import { StoreError } from './store-errors';

/**
 * A value sealed with envelope encryption, as stored (a DynamoDB map of four binary attributes):
 * `encryptedDataKey` is the KMS CiphertextBlob of a fresh AES-256 data key (GenerateDataKey), bound to the
 * EncryptionContext `{componentAppid, purpose}`; `ciphertext` is the value under AES-256-GCM with that key, a random
 * 12-byte `iv`, the same context as additional authenticated data, and the 16-byte `tag`.
 */
export interface SealedEnvelope {
  encryptedDataKey: Uint8Array;
  iv: Uint8Array;
  tag: Uint8Array;
  ciphertext: Uint8Array;
}

/**
 * Seals values of any size (KMS Encrypt stops at 4 KiB) and opens them again. `binding` (e.g. the item's key) is
 * bound into the GCM tag as well, so a sealed value copied into another item does not open there.
 */
export interface EnvelopeSealer {
  seal(purpose: SealPurpose, plaintext: string, binding?: string): Promise<SealedEnvelope>;
  open(purpose: SealPurpose, envelope: SealedEnvelope, binding?: string): Promise<string>;
}

/**
 * Reuse of data keys, for values sealed and opened at a high rate (thousands of authorizer tokens): a data key seals
 * values for at most `maxAgeMs` and `maxUses`, and an opened data key is kept for `maxAgeMs`, so KMS sees about one
 * GenerateDataKey and one Decrypt per key period instead of one per value. What the AWS Encryption SDK's caching
 * materials manager does, without its weight in a Lambda bundle.
 */
export interface DataKeyCacheOptions {
  maxAgeMs: number;
  maxUses: number;
  /** How many opened data keys to keep. @default 64 */
  maxOpenKeys?: number;
  now?: () => number;
}

const IV_BYTES = 12;
const TAG_BYTES = 16;
const DATA_KEY_BYTES = 32;

interface SealingKey {
  plaintext: Buffer;
  encryptedDataKey: Uint8Array;
  createdAtMs: number;
  uses: number;
}

/**
 * Envelope encryption with KMS data keys: GenerateDataKey to seal, Decrypt to open, and AES-256-GCM from node:crypto
 * in between. The EncryptionContext is what IAM conditions check (so a role can be allowed to seal events and nothing
 * else) and it is also bound into the GCM tag, so an envelope moved to another purpose or component fails even if its
 * data key were opened. Without `dataKeyCache` every value gets a fresh data key that is wiped right after use.
 */
export function createEnvelopeSealer(input: {
  kms: KMSClient;
  keyId: string;
  componentAppid: string;
  dataKeyCache?: DataKeyCacheOptions;
}): EnvelopeSealer {
  const context = (purpose: SealPurpose) => ({ componentAppid: input.componentAppid, purpose });
  // Fixed key order: the same bytes whenever the same context is bound.
  const aad = (purpose: SealPurpose, binding: string | undefined) =>
    Buffer.from(
      JSON.stringify([
        ['componentAppid', input.componentAppid],
        ['purpose', purpose],
        ...(binding === undefined ? [] : [['binding', binding]]),
      ]),
      'utf8',
    );
  const cache = input.dataKeyCache;
  const now = cache?.now ?? Date.now;
  const sealingKeys = new Map<SealPurpose, SealingKey>();
  const openedKeys = new Map<string, { plaintext: Buffer; openedAtMs: number }>();
  // A batch of refreshes seals and opens side by side: callers that miss the cache together share one KMS call.
  const generating = new Map<SealPurpose, Promise<SealingKey>>();
  const opening = new Map<string, Promise<Buffer>>();

  const newDataKey = async (purpose: SealPurpose): Promise<SealingKey> => {
    const out = await input.kms
      .send(new GenerateDataKeyCommand({ KeyId: input.keyId, KeySpec: 'AES_256', EncryptionContext: context(purpose) }))
      .catch((err: unknown) => {
        throw new StoreError('UNAVAILABLE', `KMS GenerateDataKey failed for ${purpose}`, { cause: err });
      });
    if (!out.Plaintext || out.Plaintext.length !== DATA_KEY_BYTES || !out.CiphertextBlob) {
      throw new StoreError('UNAVAILABLE', `KMS GenerateDataKey returned no AES-256 data key for ${purpose}`);
    }
    const plaintext = Buffer.from(out.Plaintext);
    out.Plaintext.fill(0);
    return { plaintext, encryptedDataKey: out.CiphertextBlob, createdAtMs: now(), uses: 0 };
  };

  const sealingKeyFor = async (purpose: SealPurpose): Promise<SealingKey> => {
    if (!cache) return newDataKey(purpose);
    const current = sealingKeys.get(purpose);
    if (current && current.uses < cache.maxUses && now() - current.createdAtMs < cache.maxAgeMs) return current;
    return shareInFlight(generating, purpose, async () => {
      const fresh = await newDataKey(purpose);
      // The key it replaces may still be sealing a value that started before; it is dropped, not wiped.
      sealingKeys.set(purpose, fresh);
      return fresh;
    });
  };

  const decryptDataKey = async (purpose: SealPurpose, encryptedDataKey: Uint8Array): Promise<Buffer> => {
    const out = await input.kms
      .send(new DecryptCommand({ KeyId: input.keyId, CiphertextBlob: encryptedDataKey, EncryptionContext: context(purpose) }))
      .catch((err: unknown) => {
        const code = err instanceof Error && err.name === 'InvalidCiphertextException' ? 'DECRYPTION_FAILED' : 'UNAVAILABLE';
        throw new StoreError(code, `KMS Decrypt of the data key failed for ${purpose}`, { cause: err });
      });
    if (!out.Plaintext) throw new StoreError('UNAVAILABLE', `KMS Decrypt returned no data key for ${purpose}`);
    const plaintext = Buffer.from(out.Plaintext);
    out.Plaintext.fill(0);
    return plaintext;
  };

  const openedKeyFor = async (purpose: SealPurpose, encryptedDataKey: Uint8Array): Promise<{ plaintext: Buffer; cached: boolean }> => {
    if (!cache) return { plaintext: await decryptDataKey(purpose, encryptedDataKey), cached: false };
    const cacheKey = `${purpose}:${Buffer.from(encryptedDataKey).toString('base64')}`;
    const hit = openedKeys.get(cacheKey);
    if (hit && now() - hit.openedAtMs < cache.maxAgeMs) return { plaintext: hit.plaintext, cached: true };
    const plaintext = await shareInFlight(opening, cacheKey, async () => {
      const opened = await decryptDataKey(purpose, encryptedDataKey);
      openedKeys.delete(cacheKey);
      openedKeys.set(cacheKey, { plaintext: opened, openedAtMs: now() });
      // Oldest first out: a Map iterates in insertion order.
      while (openedKeys.size > (cache.maxOpenKeys ?? 64)) openedKeys.delete(openedKeys.keys().next().value as string);
      return opened;
    });
    return { plaintext, cached: true };
  };

  return {
    async seal(purpose, plaintext, binding) {
      secretRegistry.add(plaintext);
      const key = await sealingKeyFor(purpose);
      key.uses += 1;
      try {
        const iv = randomBytes(IV_BYTES);
        const cipher = createCipheriv('aes-256-gcm', key.plaintext, iv, { authTagLength: TAG_BYTES });
        cipher.setAAD(aad(purpose, binding));
        const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
        return { encryptedDataKey: key.encryptedDataKey, iv, tag: cipher.getAuthTag(), ciphertext };
      } finally {
        // A key that is not cached is not needed once the value is sealed; do not leave it in memory for the process's life.
        if (!cache) key.plaintext.fill(0);
      }
    },

    async open(purpose, envelope, binding) {
      if (envelope.iv.length !== IV_BYTES || envelope.tag.length !== TAG_BYTES) throw openFailed(purpose);
      const key = await openedKeyFor(purpose, envelope.encryptedDataKey);
      try {
        const decipher = createDecipheriv('aes-256-gcm', key.plaintext, envelope.iv, { authTagLength: TAG_BYTES });
        decipher.setAAD(aad(purpose, binding));
        decipher.setAuthTag(envelope.tag);
        const plaintext = Buffer.concat([decipher.update(envelope.ciphertext), decipher.final()]).toString('utf8');
        secretRegistry.add(plaintext);
        return plaintext;
      } catch {
        // No cause: which check failed is not worth telling, and node's message says nothing useful here.
        throw openFailed(purpose);
      } finally {
        if (!key.cached) key.plaintext.fill(0);
      }
    },
  };
}

/** The envelope stored in an item attribute, or a DECRYPTION_FAILED StoreError when the attribute is not one. */
export function readSealedEnvelope(value: unknown, purpose: SealPurpose): SealedEnvelope {
  const map = typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  const { encryptedDataKey, iv, tag, ciphertext } = map;
  if (
    !(encryptedDataKey instanceof Uint8Array && iv instanceof Uint8Array && tag instanceof Uint8Array && ciphertext instanceof Uint8Array)
  ) {
    throw openFailed(purpose);
  }
  return { encryptedDataKey, iv, tag, ciphertext };
}

function openFailed(purpose: SealPurpose): StoreError {
  return new StoreError('DECRYPTION_FAILED', `sealed envelope for ${purpose} could not be opened`);
}
