import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as v from 'valibot';
import { secretRegistry } from '../log/redaction';

/** The component's three secrets, kept together in one Secrets Manager secret as JSON. */
export interface ComponentSecrets {
  appsecret: string;
  /** The message token used for msg_signature (docs/wechat-protocol.md §2). */
  token: string;
  /** 43 letters or digits; the AES key is base64(encodingAesKey + "="). */
  encodingAesKey: string;
}

export const ENCODING_AES_KEY_PATTERN = /^[A-Za-z0-9]{43}$/;

// Every schema and check names its message (an absent field is "missing"): valibot's own quote the received value.
const MISSING = 'is missing';
const secretsSchema = v.object(
  {
    appsecret: v.pipe(v.string(MISSING), v.trim(), v.minLength(1, 'must be set')),
    token: v.pipe(v.string(MISSING), v.minLength(1, 'must be set'), v.maxLength(128, 'must be at most 128 characters')),
    encodingAesKey: v.pipe(v.string(MISSING), v.regex(ENCODING_AES_KEY_PATTERN, 'must be exactly 43 letters or digits')),
  },
  MISSING,
);

/** Problems in a secrets object, each naming the field (or the name the caller gives it), never its value. */
export function findSecretProblems(
  values: Record<string, unknown>,
  fieldNames: Record<keyof ComponentSecrets, string> = { appsecret: 'appsecret', token: 'token', encodingAesKey: 'encodingAesKey' },
): string[] {
  const result = v.safeParse(secretsSchema, values);
  if (result.success) return [];
  return result.issues.map((issue) => {
    const field = issue.path?.[0]?.key as keyof ComponentSecrets;
    return `${fieldNames[field] ?? String(field)} ${issue.message}`;
  });
}

export class SecretsError extends Error {
  readonly code = 'INVALID_SECRET' as const;
  constructor(message: string) {
    super(message);
    this.name = 'SecretsError';
  }
}

export interface SecretsManagerSourceOptions {
  secretArn: string;
  client?: SecretsManagerClient;
  /** Re-read after this long so a rotated value reaches warm containers. @default 300000 */
  maxAgeMs?: number;
  now?: () => number;
}

/**
 * A cached getter for a value parsed from one Secrets Manager secret: concurrent first calls share one request, the
 * value is re-read after `maxAgeMs`, and a failed read or parse is not cached.
 *
 * Why not Powertools' SecretsProvider (@aws-lambda-powertools/parameters 2.35.0, the newest published): tried and
 * measured. Size is not the reason: +6.3 KB per minified handler bundle (+0.5%, +2.1 KB gzip, a second copy of
 * commons included), cold require() time unchanged within noise (20-30 fresh processes per bundle). Fit is:
 * - its cache reads Date.now(), not the injected clock: the integration test that rotates the secret on the fake
 *   clock failed with it;
 * - its JSON transform's error quotes the start of the value (Node's JSON.parse message), so we must parse ourselves;
 * - it caches the raw string, so an invalid value stayed cached unless cleared by hand;
 * - ten concurrent first calls made ten requests.
 * The adapter working round those was as long as this function.
 */
export function createCachedSecret<T>(options: SecretsManagerSourceOptions, parse: (secretString: string) => T): () => Promise<T> {
  const client = options.client ?? new SecretsManagerClient({});
  const maxAgeMs = options.maxAgeMs ?? 300_000;
  const now = options.now ?? Date.now;
  let cached: { value: Promise<T>; loadedAtMs: number } | undefined;

  const load = async (): Promise<T> => {
    const out = await client.send(new GetSecretValueCommand({ SecretId: options.secretArn }));
    return parse(out.SecretString ?? '');
  };

  return () => {
    if (!cached || now() - cached.loadedAtMs > maxAgeMs) {
      const value = load();
      cached = { value, loadedAtMs: now() };
      value.catch(() => {
        if (cached?.value === value) cached = undefined;
      });
    }
    return cached.value;
  };
}

/** A cached getter for the component secrets stored as JSON in Secrets Manager; loaded values are pinned for redaction. */
export function createSecretsManagerSource(options: SecretsManagerSourceOptions): () => Promise<ComponentSecrets> {
  return createCachedSecret(options, (secretString) => {
    const secrets = parseComponentSecrets(secretString);
    // Pinned before anyone can use them, for the life of the container (and the previous values after a rotation).
    secretRegistry.pin('appsecret', secrets.appsecret);
    secretRegistry.pin('message_token', secrets.token);
    secretRegistry.pin('encoding_aes_key', secrets.encodingAesKey);
    return secrets;
  });
}

function parseComponentSecrets(secretString: string): ComponentSecrets {
  const notAnObject = () => new SecretsError('the component secret is not a JSON object with appsecret, token and encodingAesKey');
  let parsed: unknown;
  try {
    parsed = JSON.parse(secretString);
  } catch {
    throw notAnObject();
  }
  // A bare JSON value (a number-only appsecret pasted as plaintext, an array) has no fields to name.
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw notAnObject();
  const problems = findSecretProblems(parsed as Record<string, unknown>);
  if (problems.length > 0) throw new SecretsError(`the component secret is invalid: ${problems.join('; ')}`);
  return v.parse(secretsSchema, parsed);
}
