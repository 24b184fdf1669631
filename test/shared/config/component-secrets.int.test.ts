import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type LocalAws, startLocalAws } from '../../../local/aws/local-aws';
import {
  type ComponentSecrets,
  createSecretsManagerSource,
  findSecretProblems,
  SecretsError,
} from '../../../shared/config/component-secrets';
import { FakeClock } from '../../support/fake-clock';

const CANARY = 'CANARYsec7e21b0';

const VALID: ComponentSecrets = {
  appsecret: `${CANARY}appsecret`,
  token: `${CANARY}token`,
  encodingAesKey: 'Abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
};

const ENV_NAMES = {
  appsecret: 'WECHAT_COMPONENT_APPSECRET',
  token: 'WECHAT_COMPONENT_TOKEN',
  encodingAesKey: 'WECHAT_COMPONENT_ENCODING_AES_KEY',
};

describe('findSecretProblems', () => {
  it('finds nothing wrong with a complete, well-formed set', () => {
    const problems = findSecretProblems({ ...VALID });

    expect(problems).toEqual([]);
  });

  it('names each bad field by the name the caller gives it, never by its value', () => {
    const values = { appsecret: '   ', token: `${CANARY}${'t'.repeat(128)}`, encodingAesKey: `${CANARY}-not-43` };

    const problems = findSecretProblems(values, ENV_NAMES);

    expect(problems).toEqual([
      'WECHAT_COMPONENT_APPSECRET must be set',
      'WECHAT_COMPONENT_TOKEN must be at most 128 characters',
      'WECHAT_COMPONENT_ENCODING_AES_KEY must be exactly 43 letters or digits',
    ]);
    expect(problems.join('\n')).not.toContain(CANARY);
  });

  it('reports missing fields as missing under their default names', () => {
    const problems = findSecretProblems({ token: VALID.token });

    expect(problems).toEqual(['appsecret is missing', 'encodingAesKey is missing']);
  });

  it('rejects EncodingAESKeys of the wrong length or alphabet', () => {
    const malformed = [
      '',
      VALID.encodingAesKey.slice(0, 42),
      `${VALID.encodingAesKey}A`,
      `${VALID.encodingAesKey.slice(0, 42)}=`,
      `${VALID.encodingAesKey.slice(0, 42)}+`,
      ` ${VALID.encodingAesKey.slice(1)}`,
    ];
    for (const encodingAesKey of malformed) {
      const problems = findSecretProblems({ ...VALID, encodingAesKey });

      expect(problems, JSON.stringify(encodingAesKey)).toEqual(['encodingAesKey must be exactly 43 letters or digits']);
    }
  });
});

describe('createSecretsManagerSource', () => {
  let aws: LocalAws;
  let client: SecretsManagerClient;
  let clock: FakeClock;
  let secretCount = 0;

  // A new secret per test, so one test's rotation or bad value cannot leak into another.
  const putSecret = (value: unknown): string =>
    aws.putSecret(`wechat-component-${++secretCount}`, typeof value === 'string' ? value : JSON.stringify(value));
  const getSecretValueCalls = () => aws.stats().secretsManager.GetSecretValue ?? 0;

  beforeAll(async () => {
    aws = await startLocalAws();
    client = new SecretsManagerClient(aws.clientConfig('secretsManager'));
  });
  afterAll(async () => {
    client.destroy();
    await aws.close();
  });
  beforeEach(() => {
    clock = new FakeClock();
    aws.clearFaults();
    aws.resetStats();
  });

  it('reads and validates the secret JSON', async () => {
    const getSecrets = createSecretsManagerSource({ secretArn: putSecret(VALID), client, now: clock.now });

    const secrets = await getSecrets();

    expect(secrets).toEqual(VALID);
  });

  it('trims whitespace around the appsecret, as pasted values often carry it', async () => {
    const getSecrets = createSecretsManagerSource({
      secretArn: putSecret({ ...VALID, appsecret: ` ${VALID.appsecret}\n` }),
      client,
      now: clock.now,
    });

    const secrets = await getSecrets();

    expect(secrets.appsecret).toBe(VALID.appsecret);
  });

  it('serves later calls from its cache', async () => {
    const getSecrets = createSecretsManagerSource({ secretArn: putSecret(VALID), client, now: clock.now });
    await getSecrets();

    clock.advance(60_000);
    const again = await getSecrets();

    expect(again).toEqual(VALID);
    expect(getSecretValueCalls()).toBe(1);
  });

  it('shares one request among concurrent first calls', async () => {
    const getSecrets = createSecretsManagerSource({ secretArn: putSecret(VALID), client, now: clock.now });

    const results = await Promise.all(Array.from({ length: 10 }, () => getSecrets()));

    expect(results.every((secrets) => secrets.appsecret === VALID.appsecret)).toBe(true);
    expect(getSecretValueCalls()).toBe(1);
  });

  it('re-reads once maxAgeMs has passed, so a rotated value reaches a warm container', async () => {
    const secretName = `wechat-component-${++secretCount}`;
    const secretArn = aws.putSecret(secretName, JSON.stringify(VALID));
    const getSecrets = createSecretsManagerSource({ secretArn, client, now: clock.now, maxAgeMs: 300_000 });
    await getSecrets();
    const rotated = { ...VALID, appsecret: `${CANARY}rotated` };
    aws.putSecret(secretName, JSON.stringify(rotated));

    clock.advance(300_000);
    const atMaxAge = await getSecrets();
    clock.advance(1);
    const afterMaxAge = await getSecrets();

    expect(atMaxAge.appsecret).toBe(VALID.appsecret);
    expect(afterMaxAge.appsecret).toBe(rotated.appsecret);
    expect(getSecretValueCalls()).toBe(2);
  });

  it('does not cache a failed read: the next call asks again', async () => {
    const getSecrets = createSecretsManagerSource({ secretArn: putSecret(VALID), client, now: clock.now });
    aws.injectFault({ service: 'secretsManager', operation: 'GetSecretValue', errorType: 'AccessDeniedException', count: 1 });
    await expect(getSecrets()).rejects.toMatchObject({ name: 'AccessDeniedException' });

    const secrets = await getSecrets();

    expect(secrets).toEqual(VALID);
    expect(getSecretValueCalls()).toBe(2);
  });

  it('does not cache an invalid value either: a fixed secret is picked up on the next call', async () => {
    const secretName = `wechat-component-${++secretCount}`;
    const secretArn = aws.putSecret(secretName, JSON.stringify({ ...VALID, token: '' }));
    const getSecrets = createSecretsManagerSource({ secretArn, client, now: clock.now });
    await expect(getSecrets()).rejects.toBeInstanceOf(SecretsError);
    aws.putSecret(secretName, JSON.stringify(VALID));

    const secrets = await getSecrets();

    expect(secrets).toEqual(VALID);
  });

  it('throws SecretsError INVALID_SECRET for a value that is not JSON, without quoting it', async () => {
    const getSecrets = createSecretsManagerSource({ secretArn: putSecret(`appsecret=${CANARY}`), client, now: clock.now });

    const err = await getSecrets().catch((e: unknown) => e);

    expect(err).toBeInstanceOf(SecretsError);
    expect(err).toMatchObject({ code: 'INVALID_SECRET', name: 'SecretsError' });
    expect(String((err as Error).message)).not.toContain(CANARY);
    expect((err as Error).cause).toBeUndefined();
  });

  it('throws SecretsError INVALID_SECRET for JSON that is not an object, naming no phantom field', async () => {
    for (const value of ['12345678', `"${CANARY}"`, `["${CANARY}"]`, 'null']) {
      const getSecrets = createSecretsManagerSource({ secretArn: putSecret(value), client, now: clock.now });

      const err = await getSecrets().catch((e: unknown) => e);

      expect(err, value).toBeInstanceOf(SecretsError);
      expect((err as SecretsError).code).toBe('INVALID_SECRET');
      expect((err as Error).message, value).toBe('the component secret is not a JSON object with appsecret, token and encodingAesKey');
    }
  });

  it('throws SecretsError INVALID_SECRET naming every invalid field and none of the values', async () => {
    const bad = { appsecret: VALID.appsecret, token: `${CANARY}${'x'.repeat(200)}`, encodingAesKey: `${CANARY}short` };
    const getSecrets = createSecretsManagerSource({ secretArn: putSecret(bad), client, now: clock.now });

    const err = await getSecrets().catch((e: unknown) => e);

    expect(err).toBeInstanceOf(SecretsError);
    expect((err as SecretsError).code).toBe('INVALID_SECRET');
    const message = (err as Error).message;
    expect(message).toContain('token must be at most 128 characters');
    expect(message).toContain('encodingAesKey must be exactly 43 letters or digits');
    expect(message).not.toContain('appsecret');
    expect(message).not.toContain(CANARY);
  });
});
