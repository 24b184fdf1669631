import { GetSecretValueCommand, ResourceNotFoundException, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalAws, startLocalAws } from '../../../local/aws/local-aws';

const FIXED_NOW_MS = Date.UTC(2025, 0, 2, 3, 4, 5);
const CANARY = 'canary-appsecret-5f0c1d9e';

describe('Secrets Manager stand-in', () => {
  let aws: LocalAws;
  let secrets: SecretsManagerClient;

  beforeAll(async () => {
    aws = await startLocalAws({ now: () => FIXED_NOW_MS });
    secrets = new SecretsManagerClient(aws.clientConfig('secretsManager'));
  });

  afterAll(async () => {
    secrets.destroy();
    await aws.close();
  });

  it('returns the current value by name with its ARN, version and creation date', async () => {
    const arn = aws.putSecret('wechat/component', JSON.stringify({ appsecret: CANARY }));

    const result = await secrets.send(new GetSecretValueCommand({ SecretId: 'wechat/component' }));

    expect(result).toMatchObject({
      ARN: arn,
      Name: 'wechat/component',
      SecretString: JSON.stringify({ appsecret: CANARY }),
      VersionStages: ['AWSCURRENT'],
    });
    expect(result.VersionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(result.CreatedDate?.getTime()).toBe(FIXED_NOW_MS);
  });

  it('returns an ARN in the Secrets Manager format with a six-character suffix', () => {
    const arn = aws.putSecret('format-check', 'v');

    expect(arn).toMatch(/^arn:aws:secretsmanager:us-east-1:000000000000:secret:format-check-[A-Za-z]{6}$/);
  });

  it('finds a secret by full ARN and by partial ARN', async () => {
    const arn = aws.putSecret('by-arn', 'value');

    const byFull = await secrets.send(new GetSecretValueCommand({ SecretId: arn }));
    const byPartial = await secrets.send(new GetSecretValueCommand({ SecretId: arn.slice(0, -7) }));

    expect(byFull.SecretString).toBe('value');
    expect(byPartial.SecretString).toBe('value');
  });

  it('replaces the value and version on a re-put while keeping the ARN', async () => {
    const firstArn = aws.putSecret('rotating', 'old');
    const first = await secrets.send(new GetSecretValueCommand({ SecretId: 'rotating' }));

    const secondArn = aws.putSecret('rotating', 'new');
    const second = await secrets.send(new GetSecretValueCommand({ SecretId: firstArn }));

    expect(secondArn).toBe(firstArn);
    expect(second.SecretString).toBe('new');
    expect(second.VersionId).not.toBe(first.VersionId);
  });

  it.each([
    ['an unknown name', 'no-such-secret'],
    ['an unknown ARN', 'arn:aws:secretsmanager:us-east-1:000000000000:secret:no-such-secret-AbCdEf'],
  ])('rejects %s as ResourceNotFoundException', async (_label, secretId) => {
    const attempt = secrets.send(new GetSecretValueCommand({ SecretId: secretId }));

    await expect(attempt).rejects.toBeInstanceOf(ResourceNotFoundException);
  });

  it('rejects a request for a version stage other than AWSCURRENT', async () => {
    aws.putSecret('staged', 'v');

    const attempt = secrets.send(new GetSecretValueCommand({ SecretId: 'staged', VersionStage: 'AWSPREVIOUS' }));

    await expect(attempt).rejects.toBeInstanceOf(ResourceNotFoundException);
  });

  it('throws when putting a secret under a name Secrets Manager would refuse', () => {
    const act = () => aws.putSecret('bad name!', 'v');

    expect(act).toThrow(RangeError);
  });
});
