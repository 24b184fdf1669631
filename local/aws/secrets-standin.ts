import { randomInt, randomUUID } from 'node:crypto';
import type { AwsJsonOperation, AwsJsonService } from './aws-json-server';
import { AwsServiceError } from './aws-service-error';
import type { JsonInput } from './json-input';
import { optionalString, requireString } from './json-input';

interface StoredSecret {
  readonly name: string;
  readonly arn: string;
  secretString: string;
  versionId: string;
  createdDateSec: number;
}

/** Options for a Secrets Manager stand-in. */
export interface SecretsStandinOptions {
  readonly region: string;
  readonly accountId: string;
  /** @default - Date.now */
  readonly now?: () => number;
}

const CURRENT_STAGE = 'AWSCURRENT';
// Secrets Manager's own name rule: 1..512 of letters, digits and /_+=.@-
const SECRET_NAME = /^[A-Za-z0-9/_+=.@-]{1,512}$/;
const SUFFIX_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
// A full secret ARN ends in "-" and 6 random characters; an ARN without them is a "partial ARN".
const ARN_SUFFIX_LENGTH = 7;

/** Secrets Manager over AWS JSON 1.1 (`secretsmanager`): GetSecretValue of the current version. */
export class SecretsStandin implements AwsJsonService {
  readonly service = 'secretsManager';
  readonly targetPrefix = 'secretsmanager';
  readonly jsonVersion = '1.1';
  readonly operations: Readonly<Record<string, AwsJsonOperation>> = {
    GetSecretValue: (input) => this.getSecretValue(input),
  };

  private readonly secrets = new Map<string, StoredSecret>();
  private readonly region: string;
  private readonly accountId: string;
  private readonly now: () => number;

  constructor(options: SecretsStandinOptions) {
    this.region = options.region;
    this.accountId = options.accountId;
    this.now = options.now ?? Date.now;
  }

  /** Stores `secretString` as the AWSCURRENT version of `name` (replacing any earlier value) and returns its ARN. */
  putSecret(name: string, secretString: string): string {
    if (!SECRET_NAME.test(name)) {
      throw new RangeError('name must be 1-512 characters of letters, digits and /_+=.@-');
    }
    const existing = this.secrets.get(name);
    const secret: StoredSecret = existing ?? {
      name,
      arn: `arn:aws:secretsmanager:${this.region}:${this.accountId}:secret:${name}-${randomSuffix()}`,
      secretString,
      versionId: '',
      createdDateSec: 0,
    };
    secret.secretString = secretString;
    secret.versionId = randomUUID();
    secret.createdDateSec = this.now() / 1000;
    this.secrets.set(name, secret);
    return secret.arn;
  }

  private getSecretValue(input: JsonInput): unknown {
    const secretId = requireString(input, 'SecretId');
    const versionId = optionalString(input, 'VersionId');
    const versionStage = optionalString(input, 'VersionStage');
    const secret = this.findSecret(secretId);
    // Only the current version is kept, so asking for any other one is a miss, as for a deleted version.
    if (
      secret === undefined ||
      (versionId !== undefined && versionId !== secret.versionId) ||
      (versionStage !== undefined && versionStage !== CURRENT_STAGE)
    ) {
      throw new AwsServiceError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
    }
    return {
      ARN: secret.arn,
      Name: secret.name,
      SecretString: secret.secretString,
      VersionId: secret.versionId,
      VersionStages: [CURRENT_STAGE],
      CreatedDate: secret.createdDateSec,
    };
  }

  /** Looks a secret up by name, full ARN or partial ARN (the ARN without its random suffix). */
  private findSecret(secretId: string): StoredSecret | undefined {
    if (!secretId.startsWith('arn:')) {
      return this.secrets.get(secretId);
    }
    for (const secret of this.secrets.values()) {
      if (secret.arn === secretId || secret.arn.slice(0, -ARN_SUFFIX_LENGTH) === secretId) {
        return secret;
      }
    }
    return undefined;
  }
}

function randomSuffix(): string {
  let suffix = '';
  for (let i = 0; i < ARN_SUFFIX_LENGTH - 1; i += 1) {
    suffix += SUFFIX_ALPHABET[randomInt(SUFFIX_ALPHABET.length)];
  }
  return suffix;
}
