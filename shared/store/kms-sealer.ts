import { DecryptCommand, EncryptCommand, type KMSClient } from '@aws-sdk/client-kms';
import type { SealPurpose } from '../contract';
import { secretRegistry } from '../log/redaction';
import { StoreError } from './store-errors';

export interface Sealer {
  seal(purpose: SealPurpose, plaintext: string): Promise<Uint8Array>;
  open(purpose: SealPurpose, ciphertext: Uint8Array): Promise<string>;
}

/**
 * The component token and ticket live for hours and are read by every invocation: pinned by purpose (the newest and
 * the previous one). Anything else sealed (user tokens, event payloads) belongs to the invocation that handles it.
 */
function registerPlaintext(purpose: SealPurpose, plaintext: string): void {
  if (purpose === 'component_access_token' || purpose === 'component_verify_ticket') secretRegistry.pin(purpose, plaintext);
  else secretRegistry.add(plaintext);
}

/** KMS Encrypt's plaintext limit; callers with larger values must not seal them directly. */
export const KMS_MAX_PLAINTEXT_BYTES = 4096;

/**
 * Encrypts small values with KMS directly (tickets, tokens and user tokens are all under 4 KiB; push payloads, which
 * can be larger, go through envelope-sealer.ts), binding each ciphertext to
 * the component appid and its purpose through the EncryptionContext. The context also shows in CloudTrail, and IAM
 * conditions on `kms:EncryptionContext:purpose` keep a token reader from decrypting anything but tokens.
 */
export function createKmsSealer(input: { kms: KMSClient; keyId: string; componentAppid: string }): Sealer {
  const context = (purpose: SealPurpose) => ({ componentAppid: input.componentAppid, purpose });
  return {
    async seal(purpose, plaintext) {
      // Whatever is worth sealing is worth keeping out of logs.
      registerPlaintext(purpose, plaintext);
      const out = await input.kms
        .send(new EncryptCommand({ KeyId: input.keyId, Plaintext: Buffer.from(plaintext, 'utf8'), EncryptionContext: context(purpose) }))
        .catch((err: unknown) => {
          throw new StoreError('UNAVAILABLE', `KMS Encrypt failed for ${purpose}`, { cause: err });
        });
      if (!out.CiphertextBlob) throw new StoreError('UNAVAILABLE', `KMS Encrypt returned no ciphertext for ${purpose}`);
      return out.CiphertextBlob;
    },
    async open(purpose, ciphertext) {
      const out = await input.kms
        .send(new DecryptCommand({ KeyId: input.keyId, CiphertextBlob: ciphertext, EncryptionContext: context(purpose) }))
        .catch((err: unknown) => {
          const code = err instanceof Error && err.name === 'InvalidCiphertextException' ? 'DECRYPTION_FAILED' : 'UNAVAILABLE';
          throw new StoreError(code, `KMS Decrypt failed for ${purpose}`, { cause: err });
        });
      if (!out.Plaintext) throw new StoreError('UNAVAILABLE', `KMS Decrypt returned no plaintext for ${purpose}`);
      const plaintext = Buffer.from(out.Plaintext).toString('utf8');
      registerPlaintext(purpose, plaintext);
      return plaintext;
    },
  };
}
