import { type App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { beforeAll, describe, expect, it } from 'vitest';
import { WechatComponent, WechatEgress } from '../../infra/wechat-component';
import type { WechatComponentStack } from '../../infra/wechat-component-stack';
import {
  actionsOf,
  allIdentityStatements,
  arnOf,
  bringYourOwnStack,
  buildComponentStack,
  CDK_TIMEOUT_MS,
  EXISTING_SECRET_ARN,
  functionEnv,
  h5OAuthStack,
  logicalIdOf,
  newTestApp,
  OWN_KEY_ARN,
  OWN_SUBNET_IDS,
  OWN_TABLE_ARN,
  ownKeyInStack,
  type PolicyStatement,
  resourcesOf,
  roleIdOf,
  roleStatements,
  TEST_ACCOUNT,
  TEST_APPID,
  TEST_REGION,
  viaService,
} from './stacks';

const directKeyUse = (statements: PolicyStatement[]) =>
  statements.filter((s) => actionsOf(s).some((a) => ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey'].includes(a)) && !viaService(s));

let own: ReturnType<typeof bringYourOwnStack>;
let ownTemplate: Template;
/** The same construct on its own table and key, h5-oauth on: what the grants must match but for the ARNs. */
let reference: WechatComponentStack;
let referenceTemplate: Template;

beforeAll(() => {
  own = bringYourOwnStack();
  ownTemplate = Template.fromStack(own.stack);
  reference = h5OAuthStack();
  referenceTemplate = Template.fromStack(reference);
}, CDK_TIMEOUT_MS);

describe('WechatComponent with your own imported table and key', { timeout: CDK_TIMEOUT_MS }, () => {
  it('creates no table, key or key alias of its own', () => {
    for (const type of ['AWS::DynamoDB::Table', 'AWS::KMS::Key', 'AWS::KMS::Alias']) ownTemplate.resourceCountIs(type, 0);
    expect(own.component.table.tableArn).toBe(OWN_TABLE_ARN);
    expect(own.component.key.keyArn).toBe(OWN_KEY_ARN);
  });

  it('grants every role what it has on the construct’s own table and key, naming the given ARNs instead', () => {
    const functionsOf = (c: WechatComponent) => [
      c.pushReceiver,
      c.tokenRefresher,
      c.authorizerWorker,
      c.authorizationPage,
      c.h5OAuth!.function,
    ];
    const roles = () => functionsOf(own.component);
    const referenceRoles = functionsOf(reference.component);
    const ownArns = (statements: PolicyStatement[]) =>
      JSON.parse(
        JSON.stringify(statements)
          .replaceAll(
            JSON.stringify({ 'Fn::Join': ['', [arnOf(logicalIdOf(reference.component.table)), '/index/due']] }),
            JSON.stringify(`${OWN_TABLE_ARN}/index/due`),
          )
          .replaceAll(
            JSON.stringify({ 'Fn::Join': ['', [arnOf(logicalIdOf(reference.component.table)), '/index/status']] }),
            JSON.stringify(`${OWN_TABLE_ARN}/index/status`),
          )
          .replaceAll(JSON.stringify(arnOf(logicalIdOf(reference.component.table))), JSON.stringify(OWN_TABLE_ARN))
          .replaceAll(JSON.stringify(arnOf(logicalIdOf(reference.component.key))), JSON.stringify(OWN_KEY_ARN)),
      ) as PolicyStatement[];

    roles().forEach((fn, i) => {
      const statements = roleStatements(ownTemplate, roleIdOf(fn));

      expect(statements, fn.node.path).toEqual(ownArns(roleStatements(referenceTemplate, roleIdOf(referenceRoles[i]!))));
      expect(directKeyUse(statements).length, fn.node.path).toBeGreaterThan(0);
    });
  });

  it('names only the given table (and its indexes) and key in DynamoDB and KMS statements', () => {
    const statements = allIdentityStatements(ownTemplate).map(({ statement }) => statement);

    const dynamo = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('dynamodb:')));
    const keyUse = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('kms:')));

    expect(dynamo.length).toBeGreaterThan(0);
    for (const statement of dynamo) {
      const onIndex = actionsOf(statement).includes('dynamodb:Query');
      expect(statement.Resource).toEqual(
        onIndex ? expect.stringMatching(new RegExp(`^${OWN_TABLE_ARN}/index/(due|status)$`)) : OWN_TABLE_ARN,
      );
    }
    expect(keyUse.length).toBeGreaterThan(0);
    for (const statement of keyUse) expect(statement.Resource).toBe(OWN_KEY_ARN);
  });

  it('makes a token reader of the given table and key, with the same grant', () => {
    const env = functionEnv(ownTemplate, logicalIdOf(own.reader));

    expect(env).toEqual({
      WECHAT_COMPONENT_APPID: TEST_APPID,
      WECHAT_TABLE_NAME: 'wechat-component',
      WECHAT_KMS_KEY_ID: OWN_KEY_ARN,
      WECHAT_REFRESHER_FUNCTION: { Ref: logicalIdOf(own.component.tokenRefresherReaderAlias) },
    });
    expect(directKeyUse(roleStatements(ownTemplate, roleIdOf(own.reader))).map((s) => [actionsOf(s), s.Resource])).toEqual([
      [['kms:Decrypt'], OWN_KEY_ARN],
    ]);
  });

  it('encrypts the secrets it creates with the given key', () => {
    const secrets = resourcesOf(ownTemplate, 'AWS::SecretsManager::Secret');

    // The component secret, the authorization-link secret and the session secret.
    expect(secrets).toHaveLength(3);
    for (const [id, secret] of secrets) expect(secret.Properties!.KmsKeyId, id).toBe(OWN_KEY_ARN);
  });
});

describe('WechatComponent with your own key defined in the same stack', { timeout: CDK_TIMEOUT_MS }, () => {
  it('encrypts its new table with that key and names its roles in that key’s policy for direct use', () => {
    const { stack, component, key } = ownKeyInStack();
    const template = Template.fromStack(stack);
    const [, userKey] = resourcesOf(template, 'AWS::KMS::Key').find(([id]) => id === logicalIdOf(key))!;
    const keyPolicy = (userKey.Properties!.KeyPolicy as { Statement: PolicyStatement[] }).Statement;

    const named = (fnRoleId: string) =>
      directKeyUse(keyPolicy).filter((s) => JSON.stringify(s.Principal) === JSON.stringify({ AWS: arnOf(fnRoleId) }));

    template.resourceCountIs('AWS::KMS::Key', 1);
    template.resourceCountIs('AWS::KMS::Alias', 0);
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: arnOf(logicalIdOf(key)) },
    });
    expect(named(roleIdOf(component.pushReceiver)).map(actionsOf)).toEqual([['kms:Encrypt'], ['kms:GenerateDataKey']]);
    expect(named(roleIdOf(component.tokenRefresher)).map(actionsOf)).toEqual([['kms:Encrypt'], ['kms:Decrypt']]);
  });
});

describe('WechatComponent with a key from another stack', { timeout: CDK_TIMEOUT_MS }, () => {
  it('grants direct use in its roles’ policies only, so the two stacks do not reference each other', () => {
    const app = newTestApp();
    const env = { region: TEST_REGION, account: TEST_ACCOUNT };
    const keyStack = new Stack(app, 'KeyStack', { env });
    const key = new kms.Key(keyStack, 'SharedKey', { enableKeyRotation: true });
    const stack = new Stack(app, 'ComponentStack', { env });
    const component = new WechatComponent(stack, 'Component', { componentAppid: TEST_APPID, key });

    const synthesize = () => (app as App).synth();

    expect(synthesize).not.toThrow();
    expect(JSON.stringify(Template.fromStack(keyStack).toJSON())).not.toContain('Role');
    const direct = directKeyUse(roleStatements(Template.fromStack(stack), roleIdOf(component.tokenRefresher)));
    expect(direct.map(actionsOf)).toEqual([['kms:Encrypt'], ['kms:Decrypt']]);
    for (const statement of direct) expect(JSON.stringify(statement.Resource)).toContain('Fn::ImportValue');
  });
});

describe('WechatComponent with your own table encrypted by DynamoDB (no customer-managed key)', { timeout: CDK_TIMEOUT_MS }, () => {
  it('creates its key for sealing and the secrets, and grants no key use through DynamoDB, which needs none', () => {
    const { stack, component } = buildComponentStack((s) => ({ table: dynamodb.Table.fromTableArn(s, 'OwnTable', OWN_TABLE_ARN) }));
    const template = Template.fromStack(stack);

    const statements = roleStatements(template, roleIdOf(component.tokenRefresher));

    template.resourceCountIs('AWS::DynamoDB::Table', 0);
    template.resourceCountIs('AWS::KMS::Key', 1);
    expect(statements.filter((s) => viaService(s) === `dynamodb.${TEST_REGION}.amazonaws.com`)).toEqual([]);
    expect(directKeyUse(statements).map((s) => s.Resource)).toEqual([arnOf(logicalIdOf(component.key)), arnOf(logicalIdOf(component.key))]);
  });
});

describe('WechatComponent with your own secret', { timeout: CDK_TIMEOUT_MS }, () => {
  const secretKeyStatements = (secret: (stack: Stack) => secretsmanager.ISecret) => {
    const { stack, component } = buildComponentStack((s) => ({ secret: secret(s) }));
    const statements = roleStatements(Template.fromStack(stack), roleIdOf(component.pushReceiver));
    return statements.filter((s) => viaService(s) === `secretsmanager.${TEST_REGION}.amazonaws.com`).map((s) => [actionsOf(s), s.Resource]);
  };

  it('lets the functions decrypt it through Secrets Manager with the key it was imported with', () => {
    const statements = secretKeyStatements((s) =>
      secretsmanager.Secret.fromSecretAttributes(s, 'OwnSecret', {
        secretCompleteArn: EXISTING_SECRET_ARN,
        encryptionKey: kms.Key.fromKeyArn(s, 'SecretKey', OWN_KEY_ARN),
      }),
    );

    expect(statements).toEqual([[['kms:Decrypt'], OWN_KEY_ARN]]);
  });

  it('grants no key use for a secret imported without a key (encrypted with aws/secretsmanager)', () => {
    const statements = secretKeyStatements((s) => secretsmanager.Secret.fromSecretCompleteArn(s, 'OwnSecret', EXISTING_SECRET_ARN));

    expect(statements).toEqual([]);
  });
});

describe('WechatEgress.existingVpc with an imported VPC', { timeout: CDK_TIMEOUT_MS }, () => {
  it('puts every function that calls WeChat in its private subnets, in a security group of the construct in that VPC', () => {
    const functions = ownTemplate.findResources('AWS::Lambda::Function');
    const c = own.component;

    for (const fn of [c.tokenRefresher, c.h5OAuth!.function, c.authorizerWorker, c.authorizationPage]) {
      expect(functions[logicalIdOf(fn)]!.Properties.VpcConfig.SubnetIds, fn.node.path).toEqual(OWN_SUBNET_IDS);
    }
    expect(functions[logicalIdOf(own.component.pushReceiver)]!.Properties.VpcConfig).toBeUndefined();
    ownTemplate.hasResourceProperties('AWS::EC2::SecurityGroup', { VpcId: 'vpc-0bbbbbbbbbbbbbbbb' });
    ownTemplate.resourceCountIs('AWS::EC2::VPC', 0);
    expect(own.component.egressIp).toBeDefined();
  });

  it('uses the subnets it is given', () => {
    const { stack, component } = buildComponentStack((s) => {
      const vpc = ec2.Vpc.fromVpcAttributes(s, 'OwnVpc', {
        vpcId: 'vpc-0bbbbbbbbbbbbbbbb',
        availabilityZones: [`${TEST_REGION}a`, `${TEST_REGION}b`],
        privateSubnetIds: OWN_SUBNET_IDS,
      });
      return { egress: WechatEgress.existingVpc(vpc, { subnets: { subnets: [vpc.privateSubnets[1]!] } }) };
    });

    const refresher = Template.fromStack(stack).findResources('AWS::Lambda::Function')[logicalIdOf(component.tokenRefresher)]!;

    expect(refresher.Properties.VpcConfig.SubnetIds).toEqual([OWN_SUBNET_IDS[1]]);
    expect(component.egressIp).toBeUndefined();
  });
});
