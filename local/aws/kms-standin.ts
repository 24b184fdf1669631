import { randomBytes, randomUUID } from 'node:crypto';
import type { AwsJsonOperation, AwsJsonService } from './aws-json-server';
import { AwsServiceError, validationError } from './aws-service-error';
import type { JsonInput } from './json-input';
import { optionalInteger, optionalString, optionalStringMap, requireBlob, requireString } from './json-input';
import { openCiphertext, readCiphertextKeyId, sealCiphertext } from './kms-ciphertext';

/** A key the stand-in holds. Its 256-bit material is random per process and never leaves this module. */
export interface KmsKeyInfo {
  readonly keyId: string;
  readonly keyArn: string;
}

interface KmsKey extends KmsKeyInfo {
  readonly material: Buffer;
  readonly description: string;
  readonly creationDateSec: number;
}

/** Options for a KMS stand-in. */
export interface KmsStandinOptions {
  readonly region: string;
  readonly accountId: string;
  /** @default - Date.now */
  readonly now?: () => number;
}

const SYMMETRIC_DEFAULT = 'SYMMETRIC_DEFAULT';
// Limits from the KMS API reference: Encrypt takes 1..4096 plaintext bytes, Decrypt 1..6144 ciphertext bytes.
const MAX_PLAINTEXT_BYTES = 4096;
const MAX_CIPHERTEXT_BYTES = 6144;
// GenerateDataKey: KeySpec AES_256 / AES_128, or NumberOfBytes 1..1024, exactly one of them.
const DATA_KEY_SPEC_BYTES: Readonly<Record<string, number>> = { AES_256: 32, AES_128: 16 };
const MAX_DATA_KEY_BYTES = 1024;

/** KMS over AWS JSON 1.1 (`TrentService`): symmetric Encrypt, Decrypt, GenerateDataKey and DescribeKey. */
export class KmsStandin implements AwsJsonService {
  readonly service = 'kms';
  readonly targetPrefix = 'TrentService';
  readonly jsonVersion = '1.1';
  readonly operations: Readonly<Record<string, AwsJsonOperation>> = {
    Encrypt: (input) => this.encrypt(input),
    Decrypt: (input) => this.decrypt(input),
    GenerateDataKey: (input) => this.generateDataKey(input),
    DescribeKey: (input) => this.describeKey(input),
  };

  private readonly keys = new Map<string, KmsKey>();
  private readonly aliases = new Map<string, string>();
  private readonly region: string;
  private readonly accountId: string;
  private readonly now: () => number;

  constructor(options: KmsStandinOptions) {
    this.region = options.region;
    this.accountId = options.accountId;
    this.now = options.now ?? Date.now;
  }

  /** Creates a symmetric key, optionally with an alias (`alias/...`), and returns its id and ARN. */
  createKey(options: { alias?: string; description?: string } = {}): KmsKeyInfo {
    const { alias } = options;
    if (alias !== undefined) {
      if (!/^alias\/[A-Za-z0-9/_-]{1,250}$/.test(alias) || alias.startsWith('alias/aws/')) {
        throw new RangeError('alias must look like alias/<name> and must not start with alias/aws/');
      }
      if (this.aliases.has(alias)) {
        throw new RangeError(`alias ${alias} already exists`);
      }
    }
    const keyId = randomUUID();
    const key: KmsKey = {
      keyId,
      keyArn: `${this.arnPrefix()}:key/${keyId}`,
      material: randomBytes(32),
      description: options.description ?? '',
      creationDateSec: this.now() / 1000,
    };
    this.keys.set(keyId, key);
    if (alias !== undefined) {
      this.aliases.set(alias, keyId);
    }
    return { keyId: key.keyId, keyArn: key.keyArn };
  }

  private encrypt(input: JsonInput): unknown {
    const key = this.resolveKey(requireString(input, 'KeyId'));
    const plaintext = requireBlob(input, 'Plaintext', 1, MAX_PLAINTEXT_BYTES);
    const context = optionalStringMap(input, 'EncryptionContext');
    requireSymmetricAlgorithm(input);
    const blob = sealCiphertext(key.material, key.keyId, plaintext, context);
    return { CiphertextBlob: blob.toString('base64'), KeyId: key.keyArn, EncryptionAlgorithm: SYMMETRIC_DEFAULT };
  }

  /** A fresh random data key, in clear and sealed exactly as Encrypt would seal it, so Decrypt opens it under the same context. */
  private generateDataKey(input: JsonInput): unknown {
    const key = this.resolveKey(requireString(input, 'KeyId'));
    const bytes = dataKeyBytes(input);
    const context = optionalStringMap(input, 'EncryptionContext');
    const dataKey = randomBytes(bytes);
    const blob = sealCiphertext(key.material, key.keyId, dataKey, context);
    return { CiphertextBlob: blob.toString('base64'), Plaintext: dataKey.toString('base64'), KeyId: key.keyArn };
  }

  private decrypt(input: JsonInput): unknown {
    const blob = requireBlob(input, 'CiphertextBlob', 1, MAX_CIPHERTEXT_BYTES);
    const context = optionalStringMap(input, 'EncryptionContext');
    const requestedKeyId = optionalString(input, 'KeyId');
    requireSymmetricAlgorithm(input);
    // As in KMS: a KeyId that names no key is NotFound, one that names another key is IncorrectKey, both before
    // the blob is authenticated.
    const requestedKey = requestedKeyId === undefined ? undefined : this.resolveKey(requestedKeyId);
    const blobKeyId = readCiphertextKeyId(blob);
    const blobKey = blobKeyId === undefined ? undefined : this.keys.get(blobKeyId);
    if (requestedKey !== undefined && blobKey !== undefined && requestedKey.keyId !== blobKey.keyId) {
      throw new AwsServiceError(
        'IncorrectKeyException',
        'The key ID in the request does not identify the KMS key used to encrypt the ciphertext.',
      );
    }
    const plaintext = blobKey === undefined ? undefined : openCiphertext(blobKey.material, blob, context);
    if (blobKey === undefined || plaintext === undefined) {
      throw invalidCiphertext();
    }
    return { Plaintext: plaintext.toString('base64'), KeyId: blobKey.keyArn, EncryptionAlgorithm: SYMMETRIC_DEFAULT };
  }

  private describeKey(input: JsonInput): unknown {
    const key = this.resolveKey(requireString(input, 'KeyId'));
    return {
      KeyMetadata: {
        AWSAccountId: this.accountId,
        KeyId: key.keyId,
        Arn: key.keyArn,
        CreationDate: key.creationDateSec,
        Enabled: true,
        Description: key.description,
        KeyUsage: 'ENCRYPT_DECRYPT',
        KeyState: 'Enabled',
        Origin: 'AWS_KMS',
        KeyManager: 'CUSTOMER',
        CustomerMasterKeySpec: SYMMETRIC_DEFAULT,
        KeySpec: SYMMETRIC_DEFAULT,
        EncryptionAlgorithms: [SYMMETRIC_DEFAULT],
        MultiRegion: false,
      },
    };
  }

  /** Accepts a key id, key ARN, alias name or alias ARN, as KMS does. */
  private resolveKey(keyIdInput: string): KmsKey {
    const prefix = `${this.arnPrefix()}:`;
    const local = keyIdInput.startsWith(prefix) ? keyIdInput.slice(prefix.length) : keyIdInput;
    let keyId: string | undefined;
    if (local.startsWith('alias/')) {
      keyId = this.aliases.get(local);
    } else if (local.startsWith('key/') && local !== keyIdInput) {
      keyId = local.slice('key/'.length);
    } else if (local === keyIdInput) {
      keyId = local;
    }
    const key = keyId === undefined ? undefined : this.keys.get(keyId);
    if (key === undefined) {
      // Key ids and aliases name a key; they grant nothing, so echoing them helps without exposing a secret.
      throw new AwsServiceError('NotFoundException', `Key '${keyIdInput}' does not exist`);
    }
    return key;
  }

  private arnPrefix(): string {
    return `arn:aws:kms:${this.region}:${this.accountId}`;
  }
}

function requireSymmetricAlgorithm(input: JsonInput): void {
  const algorithm = optionalString(input, 'EncryptionAlgorithm');
  if (algorithm !== undefined && algorithm !== SYMMETRIC_DEFAULT) {
    throw new AwsServiceError('InvalidKeyUsageException', 'Only SYMMETRIC_DEFAULT is supported by this key');
  }
}

function dataKeyBytes(input: JsonInput): number {
  const keySpec = optionalString(input, 'KeySpec');
  const numberOfBytes = optionalInteger(input, 'NumberOfBytes');
  if ((keySpec === undefined) === (numberOfBytes === undefined)) {
    throw new AwsServiceError('ValidationException', 'Specify either KeySpec or NumberOfBytes, but not both');
  }
  if (keySpec !== undefined) {
    const bytes = Object.hasOwn(DATA_KEY_SPEC_BYTES, keySpec) ? DATA_KEY_SPEC_BYTES[keySpec] : undefined;
    if (bytes === undefined) throw validationError('keySpec', 'Member must satisfy enum value set: [AES_256, AES_128]');
    return bytes;
  }
  if (numberOfBytes === undefined || numberOfBytes < 1 || numberOfBytes > MAX_DATA_KEY_BYTES) {
    throw validationError('numberOfBytes', `Member must have value between 1 and ${MAX_DATA_KEY_BYTES}`);
  }
  return numberOfBytes;
}

function invalidCiphertext(): AwsServiceError {
  // Fixed, uninformative message, as KMS gives: it must not say which check failed.
  return new AwsServiceError('InvalidCiphertextException', 'The ciphertext is invalid or the encryption context does not match');
}
