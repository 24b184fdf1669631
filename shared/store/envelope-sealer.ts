import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { DecryptCommand, GenerateDataKeyCommand, type KMSClient } from '@aws-sdk/client-kms';
import type { SealPurpose } from '../contract';
import { secretRegistry } from '../log/redaction';
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

/** Seals values of any size (KMS Encrypt stops at 4 KiB) and opens them again. */
export interface EnvelopeSealer {
  seal(purpose: SealPurpose, plaintext: string): Promise<SealedEnvelope>;
  open(purpose: SealPurpose, envelope: SealedEnvelope): Promise<string>;
}

const IV_BYTES = 12;
const TAG_BYTES = 16;
const DATA_KEY_BYTES = 32;

/**
 * Envelope encryption with a KMS data key per value: one GenerateDataKey call to seal, one Decrypt to open, and
 * AES-256-GCM from node:crypto in between. The EncryptionContext is what IAM conditions check (so a role can be
 * allowed to seal events and nothing else) and it is also bound into the GCM tag, so an envelope moved to another
 * purpose or component fails even if its data key were opened.
 */
export function createEnvelopeSealer(input: { kms: KMSClient; keyId: string; componentAppid: string }): EnvelopeSealer {
  const context = (purpose: SealPurpose) => ({ componentAppid: input.componentAppid, purpose });
  // Fixed key order: the same bytes whenever the same context is bound.
  const aad = (purpose: SealPurpose) =>
    Buffer.from(
      JSON.stringify([
        ['componentAppid', input.componentAppid],
        ['purpose', purpose],
      ]),
      'utf8',
    );

  return {
    async seal(purpose, plaintext) {
      secretRegistry.add(plaintext);
      const out = await input.kms
        .send(new GenerateDataKeyCommand({ KeyId: input.keyId, KeySpec: 'AES_256', EncryptionContext: context(purpose) }))
        .catch((err: unknown) => {
          throw new StoreError('UNAVAILABLE', `KMS GenerateDataKey failed for ${purpose}`, { cause: err });
        });
      if (!out.Plaintext || out.Plaintext.length !== DATA_KEY_BYTES || !out.CiphertextBlob) {
        throw new StoreError('UNAVAILABLE', `KMS GenerateDataKey returned no AES-256 data key for ${purpose}`);
      }
      const dataKey = Buffer.from(out.Plaintext);
      try {
        const iv = randomBytes(IV_BYTES);
        const cipher = createCipheriv('aes-256-gcm', dataKey, iv, { authTagLength: TAG_BYTES });
        cipher.setAAD(aad(purpose));
        const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
        return { encryptedDataKey: out.CiphertextBlob, iv, tag: cipher.getAuthTag(), ciphertext };
      } finally {
        // The plaintext key is not needed once the value is sealed; do not leave it in memory for the process's life.
        dataKey.fill(0);
        out.Plaintext.fill(0);
      }
    },

    async open(purpose, envelope) {
      if (envelope.iv.length !== IV_BYTES || envelope.tag.length !== TAG_BYTES) throw openFailed(purpose);
      const out = await input.kms
        .send(new DecryptCommand({ KeyId: input.keyId, CiphertextBlob: envelope.encryptedDataKey, EncryptionContext: context(purpose) }))
        .catch((err: unknown) => {
          const code = err instanceof Error && err.name === 'InvalidCiphertextException' ? 'DECRYPTION_FAILED' : 'UNAVAILABLE';
          throw new StoreError(code, `KMS Decrypt of the data key failed for ${purpose}`, { cause: err });
        });
      if (!out.Plaintext) throw new StoreError('UNAVAILABLE', `KMS Decrypt returned no data key for ${purpose}`);
      const dataKey = Buffer.from(out.Plaintext);
      try {
        const decipher = createDecipheriv('aes-256-gcm', dataKey, envelope.iv, { authTagLength: TAG_BYTES });
        decipher.setAAD(aad(purpose));
        decipher.setAuthTag(envelope.tag);
        const plaintext = Buffer.concat([decipher.update(envelope.ciphertext), decipher.final()]).toString('utf8');
        secretRegistry.add(plaintext);
        return plaintext;
      } catch {
        // No cause: which check failed is not worth telling, and node's message says nothing useful here.
        throw openFailed(purpose);
      } finally {
        dataKey.fill(0);
        out.Plaintext.fill(0);
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
