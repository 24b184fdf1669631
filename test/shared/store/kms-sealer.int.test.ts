import { EncryptCommand } from '@aws-sdk/client-kms';
import { describe, expect, it } from 'vitest';
import { secretRegistry } from '../../../shared/log/redaction';
import { createKmsSealer } from '../../../shared/store/kms-sealer';
import { newComponentAppid, storeErrorOf, useLocalTable } from './local-table';

const SECRET = 'CANARY-sealed-token-2c7d90e1';

describe('createKmsSealer', () => {
  const ctx = useLocalTable();

  const newSealer = (componentAppid = newComponentAppid()) =>
    createKmsSealer({ kms: ctx.local.kms, keyId: ctx.local.aws.kmsKeyId, componentAppid });

  it('opens what it sealed', async () => {
    const sealer = newSealer();

    const ciphertext = await sealer.seal('component_access_token', SECRET);
    const plaintext = await sealer.open('component_access_token', ciphertext);

    expect(plaintext).toBe(SECRET);
  });

  it('keeps non-ASCII text intact', async () => {
    const sealer = newSealer();
    const value = JSON.stringify({ AuthorizationCode: 'queryauthcode@@@令牌✓' });

    const plaintext = await sealer.open('authorization_event', await sealer.seal('authorization_event', value));

    expect(plaintext).toBe(value);
  });

  it('produces a ciphertext that does not contain the plaintext', async () => {
    const sealer = newSealer();

    const ciphertext = await sealer.seal('component_verify_ticket', SECRET);

    expect(Buffer.from(ciphertext).toString('latin1')).not.toContain(SECRET);
    expect(Buffer.from(ciphertext).toString('base64')).not.toContain(Buffer.from(SECRET).toString('base64'));
  });

  it('rejects a ciphertext sealed for another purpose with DECRYPTION_FAILED', async () => {
    const sealer = newSealer();
    const ticketCiphertext = await sealer.seal('component_verify_ticket', SECRET);

    const err = await storeErrorOf(sealer.open('component_access_token', ticketCiphertext));

    expect(err.code).toBe('DECRYPTION_FAILED');
    expect(err.message).not.toContain(SECRET);
  });

  it('rejects a ciphertext sealed for another component with DECRYPTION_FAILED', async () => {
    const ciphertext = await newSealer().seal('component_access_token', SECRET);

    const err = await storeErrorOf(newSealer().open('component_access_token', ciphertext));

    expect(err.code).toBe('DECRYPTION_FAILED');
  });

  it('rejects a tampered ciphertext with DECRYPTION_FAILED', async () => {
    const sealer = newSealer();
    const ciphertext = Buffer.from(await sealer.seal('component_access_token', SECRET));
    ciphertext[ciphertext.length - 1]! ^= 0x01;

    const err = await storeErrorOf(sealer.open('component_access_token', ciphertext));

    expect(err.code).toBe('DECRYPTION_FAILED');
  });

  it('throws StoreError UNAVAILABLE when KMS Encrypt keeps failing, without the plaintext', async () => {
    const sealer = newSealer();
    // Three faults: the SDK's standard retry makes three attempts in all.
    ctx.local.aws.injectFault({ service: 'kms', operation: 'Encrypt', errorType: 'KMSInternalException', count: 3 });

    const err = await storeErrorOf(sealer.seal('component_access_token', SECRET));

    expect(err.code).toBe('UNAVAILABLE');
    expect(err.message).toBe('KMS Encrypt failed for component_access_token');
    expect(err.cause).toMatchObject({ name: 'KMSInternalException' });
    expect(`${err.message} ${String(err.cause)} ${JSON.stringify(err.cause)}`).not.toContain(SECRET);
    expect(ctx.local.aws.stats().kms.Encrypt).toBe(3);
  });

  it('throws StoreError UNAVAILABLE, not DECRYPTION_FAILED, when KMS Decrypt is down: an outage is no bad ciphertext', async () => {
    const sealer = newSealer();
    const ciphertext = await sealer.seal('component_access_token', SECRET);
    ctx.local.aws.injectFault({ service: 'kms', operation: 'Decrypt', errorType: 'KMSInternalException', count: 3 });

    const err = await storeErrorOf(sealer.open('component_access_token', ciphertext));

    expect(err.code).toBe('UNAVAILABLE');
    expect(err.cause).toMatchObject({ name: 'KMSInternalException' });
  });

  it('throws StoreError UNAVAILABLE when access to the key is denied', async () => {
    const sealer = newSealer();
    const ciphertext = await sealer.seal('component_access_token', SECRET);
    ctx.local.aws.injectFault({ service: 'kms', operation: 'Decrypt', errorType: 'AccessDeniedException', count: 1 });

    const err = await storeErrorOf(sealer.open('component_access_token', ciphertext));

    expect(err.code).toBe('UNAVAILABLE');
  });

  it('registers what it seals with the log redactor', async () => {
    const value = `CANARY-sealed-${newComponentAppid()}`;

    await newSealer().seal('component_verify_ticket', value);

    expect(secretRegistry.redact(`ticket ${value}`)).toBe('ticket [REDACTED]');
  });

  it('registers what it opens with the log redactor, even a value this process never sealed', async () => {
    const componentAppid = newComponentAppid();
    const value = `CANARY-opened-${componentAppid}`;
    const { CiphertextBlob } = await ctx.local.kms.send(
      new EncryptCommand({
        KeyId: ctx.local.aws.kmsKeyId,
        Plaintext: Buffer.from(value),
        EncryptionContext: { componentAppid, purpose: 'component_access_token' },
      }),
    );
    expect(secretRegistry.redact(value)).toBe(value);

    await newSealer(componentAppid).open('component_access_token', CiphertextBlob!);

    expect(secretRegistry.redact(value)).toBe('[REDACTED]');
  });

  it.each(['component_access_token', 'component_verify_ticket'] as const)(
    'pins a %s it seals: still masked after 1,000 other values',
    async (purpose) => {
      const value = `CANARY-pinned-${newComponentAppid()}`;
      await newSealer().seal(purpose, value);

      secretRegistry.add(...Array.from({ length: 1_000 }, (_, i) => `CANARY-filler-${purpose}-${i}`));

      expect(secretRegistry.redact(value)).toBe('[REDACTED]');
    },
  );

  it.each(['user_oauth_tokens', 'authorization_event'] as const)(
    'registers a %s payload for the current invocation only',
    async (purpose) => {
      const value = `CANARY-per-request-${newComponentAppid()}`;
      const sealer = newSealer();

      const inside = await secretRegistry.runInScope(async () => {
        await sealer.seal(purpose, value);
        return secretRegistry.redact(value);
      });

      expect(inside).toBe('[REDACTED]');
      expect(secretRegistry.redact(value)).toBe(value);
    },
  );
});
