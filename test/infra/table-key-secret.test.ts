import { readFileSync } from 'node:fs';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import type { WechatComponentStack } from '../../infra/wechat-component-stack';
import {
  actionsOf,
  arnOf,
  buildComponentStack,
  CDK_TIMEOUT_MS,
  defaultStack,
  EXISTING_SECRET_ARN,
  functionEnv,
  keyPolicyStatements,
  lambdaEgressStack,
  logicalIdOf,
  onlyResourceOf,
  type PolicyStatement,
  resourcesOf,
  roleIdOf,
  TEST_ACCOUNT,
  TEST_APPID,
  TEST_REGION,
} from './stacks';

// Crypto actions that expose or produce plaintext; any of them without kms:ViaService is direct use of the key.
const CRYPTO_ACTION = /^kms:(\*|Encrypt|Decrypt|ReEncrypt|GenerateDataKey)/;

let stack: WechatComponentStack;
let template: Template;
let destroyTemplate: Template;
let keyArn: object;

beforeAll(() => {
  stack = defaultStack();
  template = Template.fromStack(stack);
  destroyTemplate = Template.fromStack(lambdaEgressStack());
  keyArn = arnOf(logicalIdOf(stack.component.key));
}, CDK_TIMEOUT_MS);

const viaService = (statement: PolicyStatement) => Object.values(statement.Condition ?? {}).some((block) => 'kms:ViaService' in block);

describe('WechatComponent table', { timeout: CDK_TIMEOUT_MS }, () => {
  it('is on-demand with string pk/sk, point-in-time recovery and the ttl attribute', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
    });
  });

  it('has the sparse due and status indexes the authorizer sweep and gauges query, and no other', () => {
    const [, table] = onlyResourceOf(template, 'AWS::DynamoDB::Table');

    expect(table.Properties!.AttributeDefinitions).toEqual(
      expect.arrayContaining([
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
        { AttributeName: 'dueKey', AttributeType: 'S' },
        { AttributeName: 'dueAtMs', AttributeType: 'N' },
        { AttributeName: 'statusKey', AttributeType: 'S' },
      ]),
    );
    expect(table.Properties!.AttributeDefinitions).toHaveLength(5);
    expect(table.Properties!.GlobalSecondaryIndexes).toEqual([
      {
        IndexName: 'due',
        KeySchema: [
          { AttributeName: 'dueKey', KeyType: 'HASH' },
          { AttributeName: 'dueAtMs', KeyType: 'RANGE' },
        ],
        // The gauges read each due authorizer's expiry from the index: no read of the item.
        Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['expiresAtMs'] },
      },
      {
        IndexName: 'status',
        KeySchema: [
          { AttributeName: 'statusKey', KeyType: 'HASH' },
          { AttributeName: 'pk', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'KEYS_ONLY' },
      },
    ]);
  });

  it('takes only the due index with the two overrides the README gives for upgrading an older stack (one index per update)', () => {
    const { stack: upgrading, component } = buildComponentStack();
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const cfnTable = component.table.node.defaultChild as dynamodb.CfnTable;

    for (const [, path] of readme.matchAll(/cfnTable\.addPropertyDeletionOverride\('([^']+)'\)/g))
      cfnTable.addPropertyDeletionOverride(path!);

    const [, table] = onlyResourceOf(Template.fromStack(upgrading), 'AWS::DynamoDB::Table');
    expect((table.Properties!.GlobalSecondaryIndexes as Array<{ IndexName: string }>).map((index) => index.IndexName)).toEqual(['due']);
    expect(table.Properties!.AttributeDefinitions).toEqual([
      { AttributeName: 'pk', AttributeType: 'S' },
      { AttributeName: 'sk', AttributeType: 'S' },
      { AttributeName: 'dueKey', AttributeType: 'S' },
      { AttributeName: 'dueAtMs', AttributeType: 'N' },
    ]);
  });

  it('is encrypted with the stack’s customer-managed key', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: keyArn },
    });
  });

  it('is retained on stack deletion and replacement, with deletion protection, by default', () => {
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: Match.objectLike({ DeletionProtectionEnabled: true }),
    });
  });

  it('is deleted with the stack, without deletion protection, when the removal policy is destroy', () => {
    destroyTemplate.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Delete',
      UpdateReplacePolicy: 'Delete',
      Properties: Match.objectLike({ DeletionProtectionEnabled: false }),
    });
  });
});

describe('WechatComponent key', { timeout: CDK_TIMEOUT_MS }, () => {
  it('rotates and has an alias naming the component and the stack', () => {
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    template.hasResourceProperties('AWS::KMS::Alias', {
      AliasName: `alias/wechat-component/${TEST_APPID}/${stack.stackName}`,
      TargetKeyId: keyArn,
    });
  });

  it('is retained by default and deleted with removal policy destroy', () => {
    template.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    destroyTemplate.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Delete', UpdateReplacePolicy: 'Delete' });
  });

  it('gives the account root administration without any cryptographic action', () => {
    const admin = keyPolicyStatements(template).find((statement) => statement.Sid === 'KeyAdministration');

    expect(admin).toBeDefined();
    expect(JSON.stringify(admin!.Principal)).toContain(`:iam::${TEST_ACCOUNT}:root`);
    expect(admin!.Condition).toBeUndefined();
    expect(actionsOf(admin!).filter((action) => CRYPTO_ACTION.test(action))).toEqual([]);
  });

  it('allows no kms:* and no cryptographic use by the account root except through a service (kms:ViaService)', () => {
    const statements = keyPolicyStatements(template);

    for (const statement of statements) expect(actionsOf(statement)).not.toContain('kms:*');
    const rootCrypto = statements.filter(
      (s) => JSON.stringify(s.Principal).includes(':root') && actionsOf(s).some((action) => CRYPTO_ACTION.test(action)),
    );
    expect(rootCrypto.length).toBeGreaterThan(0);
    for (const statement of rootCrypto) expect(viaService(statement), JSON.stringify(statement)).toBe(true);
    const services = rootCrypto.flatMap((s) => [s.Condition!.StringEquals!['kms:ViaService']].flat());
    expect(new Set(services)).toEqual(new Set([`dynamodb.${TEST_REGION}.amazonaws.com`, `secretsmanager.${TEST_REGION}.amazonaws.com`]));
  });

  it('grants direct kms:Encrypt/Decrypt/GenerateDataKey only to the service roles, each limited to this component and named purposes', () => {
    const receiverRole = arnOf(roleIdOf(stack.component.pushReceiver));
    const refresherRole = arnOf(roleIdOf(stack.component.tokenRefresher));
    const workerRole = arnOf(roleIdOf(stack.component.authorizerWorker));
    const pageRole = arnOf(roleIdOf(stack.component.authorizationPage));
    const componentToken = { actions: ['kms:Decrypt'], componentAppid: TEST_APPID, purposes: ['component_access_token'] };

    const direct = keyPolicyStatements(template).filter((s) => !viaService(s) && actionsOf(s).some((action) => CRYPTO_ACTION.test(action)));

    const summary = direct.map((s) => ({
      principal: (s.Principal as { AWS: unknown }).AWS,
      actions: actionsOf(s),
      componentAppid: s.Condition?.StringEquals?.['kms:EncryptionContext:componentAppid'],
      purposes: s.Condition?.StringEquals?.['kms:EncryptionContext:purpose'],
    }));
    expect(summary).toEqual(
      expect.arrayContaining([
        { principal: receiverRole, actions: ['kms:Encrypt'], componentAppid: TEST_APPID, purposes: ['component_verify_ticket'] },
        {
          principal: receiverRole,
          actions: ['kms:GenerateDataKey'],
          componentAppid: TEST_APPID,
          purposes: ['authorization_event', 'authorization_code'],
        },
        { principal: refresherRole, actions: ['kms:Encrypt'], componentAppid: TEST_APPID, purposes: ['component_access_token'] },
        { principal: refresherRole, actions: ['kms:Decrypt'], componentAppid: TEST_APPID, purposes: ['component_verify_ticket'] },
        { principal: workerRole, ...componentToken },
        {
          principal: workerRole,
          actions: ['kms:GenerateDataKey'],
          componentAppid: TEST_APPID,
          purposes: ['authorizer_access_token', 'authorizer_refresh_token'],
        },
        {
          principal: workerRole,
          actions: ['kms:Decrypt'],
          componentAppid: TEST_APPID,
          purposes: ['authorizer_refresh_token', 'authorization_code'],
        },
        { principal: pageRole, ...componentToken },
        {
          principal: pageRole,
          actions: ['kms:GenerateDataKey'],
          componentAppid: TEST_APPID,
          purposes: ['authorization_code', 'authorizer_access_token', 'authorizer_refresh_token'],
        },
        { principal: pageRole, actions: ['kms:Decrypt'], componentAppid: TEST_APPID, purposes: ['authorization_code'] },
      ]),
    );
    expect(summary).toHaveLength(10);
  });
});

describe('WechatComponent secret', { timeout: CDK_TIMEOUT_MS }, () => {
  it('is created encrypted with the component key, holding a generated EncodingAESKey and empty appsecret and token', () => {
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      KmsKeyId: keyArn,
      GenerateSecretString: {
        SecretStringTemplate: JSON.stringify({ appsecret: '', token: '' }),
        GenerateStringKey: 'encodingAesKey',
        // docs/wechat-protocol.md §2: the EncodingAESKey is 43 characters of [A-Za-z0-9].
        PasswordLength: 43,
        ExcludePunctuation: true,
        IncludeSpace: false,
      },
    });
  });

  it('puts no secret value in the template', () => {
    const text = JSON.stringify(template.toJSON());

    for (const [id, secret] of resourcesOf(template, 'AWS::SecretsManager::Secret'))
      expect(secret.Properties, id).not.toHaveProperty('SecretString');
    expect(text.includes('"SecretString":'), 'a SecretString property').toBe(false);
    // A SecretValue resolved into a property shows up as a dynamic reference.
    expect(text.includes('{{resolve:secretsmanager'), 'a secretsmanager dynamic reference').toBe(false);
  });

  it('is retained by default', () => {
    template.hasResource('AWS::SecretsManager::Secret', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  it('comes with an authorization-link secret of its own: a random 64-character key, encrypted with the component key, retained', () => {
    const link = template.findResources('AWS::SecretsManager::Secret')[logicalIdOf(stack.component.authorizationLinkSecret)]!;

    expect(link).toMatchObject({
      DeletionPolicy: 'Retain',
      Properties: {
        KmsKeyId: keyArn,
        GenerateSecretString: { PasswordLength: 64, ExcludePunctuation: true, IncludeSpace: false },
      },
    });
    expect(link.Properties.GenerateSecretString).not.toHaveProperty('SecretStringTemplate');
  });

  it('is not created when an existing secret ARN is given, and the functions read that one', () => {
    const stackWithSecret = lambdaEgressStack();
    const existing = Template.fromStack(stackWithSecret);

    expect(resourcesOf(existing, 'AWS::SecretsManager::Secret').map(([id]) => id)).toEqual([
      logicalIdOf(stackWithSecret.component.authorizationLinkSecret),
    ]);
    for (const fn of [stackWithSecret.component.pushReceiver, stackWithSecret.component.tokenRefresher]) {
      expect(functionEnv(existing, logicalIdOf(fn)).WECHAT_SECRET_ARN).toBe(EXISTING_SECRET_ARN);
    }
  });
});

describe('WechatComponent function environments', { timeout: CDK_TIMEOUT_MS }, () => {
  const common = [
    'NODE_OPTIONS',
    'WECHAT_COMPONENT_APPID',
    'WECHAT_TABLE_NAME',
    'WECHAT_KMS_KEY_ID',
    'POWERTOOLS_METRICS_NAMESPACE',
    'WECHAT_SECRET_ARN',
  ];

  it('gives the push receiver exactly the names and ARNs it needs', () => {
    const env = functionEnv(template, logicalIdOf(stack.component.pushReceiver));

    expect(Object.keys(env).sort()).toEqual([...common, 'WECHAT_AUTHORIZER_JOBS_QUEUE_URL'].sort());
    expect(env.WECHAT_AUTHORIZER_JOBS_QUEUE_URL).toEqual({ Ref: logicalIdOf(stack.component.authorizerJobs.queue) });
  });

  it('gives the token refresher the same plus its refresh margin', () => {
    const env = functionEnv(template, logicalIdOf(stack.component.tokenRefresher));

    expect(Object.keys(env).sort()).toEqual([...common, 'WECHAT_REFRESH_MARGIN_SEC'].sort());
    expect(env.WECHAT_REFRESH_MARGIN_SEC).toBe('900');
  });

  it('refers to the secret only by its ARN and to the table and key by reference', () => {
    const secretId = logicalIdOf(stack.component.secret);

    for (const fn of [stack.component.pushReceiver, stack.component.tokenRefresher]) {
      const env = functionEnv(template, logicalIdOf(fn));
      expect(env.WECHAT_SECRET_ARN).toEqual({ Ref: secretId });
      expect(env.WECHAT_TABLE_NAME).toEqual({ Ref: logicalIdOf(stack.component.table) });
      expect(env.WECHAT_KMS_KEY_ID).toEqual(keyArn);
      expect(env.WECHAT_COMPONENT_APPID).toBe(TEST_APPID);
      const names = Object.keys(env).filter((name) => /SECRET|TOKEN|AES|PASSWORD|TICKET/i.test(name));
      expect(names).toEqual(['WECHAT_SECRET_ARN']);
    }
  });
});
