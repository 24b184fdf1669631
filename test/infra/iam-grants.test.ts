import { Template } from 'aws-cdk-lib/assertions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import type { WechatComponentStack } from '../../infra/wechat-component-stack';
import { createComponentTokenReaderFromEnv } from '../../shared/token';
import {
  actionsOf,
  allIdentityStatements,
  arnOf,
  CDK_TIMEOUT_MS,
  consumerStack,
  functionEnv,
  keyPolicyStatements,
  lambdaEgressStack,
  logicalIdOf,
  resourcesOfStatement,
  roleIdOf,
  roleStatements,
  TEST_APPID,
  TEST_REGION,
  type PolicyStatement,
} from './stacks';

// Actions that have no resource-level permissions: the only ones a statement may grant on Resource '*'.
const RESOURCE_STAR_ALLOWED = new Set([
  'xray:PutTraceSegments',
  'xray:PutTelemetryRecords',
  'ec2:CreateNetworkInterface',
  'ec2:DescribeNetworkInterfaces',
  'ec2:DescribeSubnets',
  'ec2:DeleteNetworkInterface',
  'ec2:AssignPrivateIpAddresses',
  'ec2:UnassignPrivateIpAddresses',
]);

let stack: WechatComponentStack;
let template: Template;
let nodejsConsumer: lambda.Function;
let plainConsumer: lambda.Function;
let lambdaTemplate: Template;
let tableArn: object;
let keyArn: object;

beforeAll(() => {
  const built = consumerStack();
  stack = built.stack;
  nodejsConsumer = built.nodejsConsumer;
  plainConsumer = built.plainConsumer;
  template = Template.fromStack(stack);
  lambdaTemplate = Template.fromStack(lambdaEgressStack());
  tableArn = arnOf(logicalIdOf(stack.component.table));
  keyArn = arnOf(logicalIdOf(stack.component.key));
}, CDK_TIMEOUT_MS);

const dynamoStatements = (statements: PolicyStatement[]) => statements.filter((s) => actionsOf(s).some((action) => action.startsWith('dynamodb:')));
const leadingKeys = (statement: PolicyStatement) => statement.Condition?.['ForAllValues:StringLike']?.['dynamodb:LeadingKeys'];
const viaService = (statement: PolicyStatement) => statement.Condition?.StringEquals?.['kms:ViaService'];

describe('WechatComponent roles', { timeout: CDK_TIMEOUT_MS }, () => {
  it('let the push receiver write only the COMPONENT# and AUDIT# partitions of its component', () => {
    const statements = dynamoStatements(roleStatements(template, roleIdOf(stack.component.pushReceiver)));

    expect(statements).toHaveLength(1);
    expect(actionsOf(statements[0]!)).toEqual(['dynamodb:PutItem', 'dynamodb:UpdateItem']);
    expect(statements[0]!.Resource).toEqual(tableArn);
    expect(leadingKeys(statements[0]!)).toEqual([`COMPONENT#${TEST_APPID}`, `AUDIT#${TEST_APPID}#*`]);
  });

  it('let the token refresher read and write only the COMPONENT# and TOKEN# partitions of its component', () => {
    const statements = dynamoStatements(roleStatements(template, roleIdOf(stack.component.tokenRefresher)));

    expect(statements).toHaveLength(1);
    expect(actionsOf(statements[0]!)).toEqual(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem']);
    expect(statements[0]!.Resource).toEqual(tableArn);
    expect(leadingKeys(statements[0]!)).toEqual([`COMPONENT#${TEST_APPID}`, `TOKEN#${TEST_APPID}`]);
  });

  it('let the push receiver encrypt tickets and events but decrypt nothing directly', () => {
    const kms = roleStatements(template, roleIdOf(stack.component.pushReceiver)).filter((s) => actionsOf(s).some((a) => a.startsWith('kms:')) && !viaService(s));

    expect(kms.map((s) => [actionsOf(s), s.Condition?.StringEquals?.['kms:EncryptionContext:purpose']])).toEqual([
      [['kms:Encrypt'], ['component_verify_ticket', 'authorization_event']],
    ]);
  });

  it('let the token refresher decrypt tickets and encrypt tokens, nothing else directly', () => {
    const kms = roleStatements(template, roleIdOf(stack.component.tokenRefresher)).filter((s) => actionsOf(s).some((a) => a.startsWith('kms:')) && !viaService(s));

    expect(kms.map((s) => [actionsOf(s), s.Condition?.StringEquals?.['kms:EncryptionContext:purpose']])).toEqual([
      [['kms:Encrypt'], ['component_access_token']],
      [['kms:Decrypt'], ['component_verify_ticket']],
    ]);
    for (const statement of kms) expect(statement.Condition!.StringEquals!['kms:EncryptionContext:componentAppid']).toBe(TEST_APPID);
  });

  it('let both functions read the secret, and only the secret, through Secrets Manager', () => {
    for (const fn of [stack.component.pushReceiver, stack.component.tokenRefresher]) {
      const statements = roleStatements(template, roleIdOf(fn));

      const secrets = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('secretsmanager:')));
      expect(secrets.map((s) => [actionsOf(s), s.Resource])).toEqual([[['secretsmanager:GetSecretValue'], { Ref: logicalIdOf(stack.component.secret) }]]);
      expect(statements.some((s) => viaService(s) === `secretsmanager.${TEST_REGION}.amazonaws.com` && actionsOf(s).includes('kms:Decrypt'))).toBe(true);
    }
  });

  it('confine every DynamoDB grant in the stack to named partitions', () => {
    for (const t of [template, lambdaTemplate]) {
      const statements = dynamoStatements(allIdentityStatements(t).map(({ statement }) => statement));

      expect(statements.length).toBeGreaterThan(0);
      for (const statement of statements) expect(leadingKeys(statement), JSON.stringify(statement)).toBeDefined();
    }
  });

  it('grant no service-wide action (dynamodb:*, kms:*, *) and no wildcard action anywhere', () => {
    for (const t of [template, lambdaTemplate]) {
      for (const { policy, statement } of allIdentityStatements(t)) {
        for (const action of actionsOf(statement)) expect(action.includes('*'), `${policy}: ${action}`).toBe(false);
      }
    }
  });

  it('grant Resource * only for X-Ray and network-interface actions', () => {
    for (const t of [template, lambdaTemplate]) {
      for (const { policy, statement } of allIdentityStatements(t)) {
        if (!resourcesOfStatement(statement).includes('*')) continue;
        for (const action of actionsOf(statement)) expect(RESOURCE_STAR_ALLOWED.has(action), `${policy}: ${action} on *`).toBe(true);
      }
    }
  });

  it('limit every direct kms:Encrypt/Decrypt to this component’s encryption context', () => {
    for (const { policy, statement } of allIdentityStatements(template)) {
      const direct = actionsOf(statement).some((a) => a === 'kms:Encrypt' || a === 'kms:Decrypt') && !viaService(statement);
      if (!direct) continue;

      expect(statement.Condition?.StringEquals?.['kms:EncryptionContext:componentAppid'], policy).toBe(TEST_APPID);
      expect(statement.Condition?.StringEquals?.['kms:EncryptionContext:purpose'], policy).toBeDefined();
      expect(statement.Resource, policy).toEqual(keyArn);
    }
  });

  it('let the scheduler invoke the refresher and send to its dead-letter queue, nothing more', () => {
    const schedulerPolicies = allIdentityStatements(template).filter(({ policy }) => policy.startsWith('SchedulerRole'));
    const refresherArn = arnOf(logicalIdOf(stack.component.tokenRefresher));

    expect(schedulerPolicies.flatMap(({ statement }) => actionsOf(statement)).sort()).toEqual(['lambda:InvokeFunction', 'sqs:SendMessage']);
    const invoke = schedulerPolicies.find(({ statement }) => actionsOf(statement).includes('lambda:InvokeFunction'))!.statement;
    expect(resourcesOfStatement(invoke)).toContainEqual(refresherArn);
    for (const resource of resourcesOfStatement(invoke)) expect(JSON.stringify(resource)).toContain(JSON.stringify(refresherArn));
  });
});

describe('WechatComponent.grantReadComponentToken', { timeout: CDK_TIMEOUT_MS }, () => {
  const consumers = () => [
    ['a NodejsFunction', nodejsConsumer],
    ['a plain Function', plainConsumer],
  ] as const;

  it('gives the consumer exactly GetItem on its component’s token item, token decryption and refresher invocation', () => {
    for (const [kind, consumer] of consumers()) {
      const statements = roleStatements(template, roleIdOf(consumer));

      expect(statements, kind).toEqual([
        {
          Effect: 'Allow',
          Action: 'dynamodb:GetItem',
          Resource: tableArn,
          Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`TOKEN#${TEST_APPID}`] } },
        },
        {
          Effect: 'Allow',
          Action: ['kms:Decrypt', 'kms:DescribeKey'],
          Resource: keyArn,
          Condition: { StringEquals: { 'kms:ViaService': `dynamodb.${TEST_REGION}.amazonaws.com` } },
        },
        {
          Effect: 'Allow',
          Action: 'kms:Decrypt',
          Resource: keyArn,
          Condition: {
            StringEquals: { 'kms:EncryptionContext:componentAppid': TEST_APPID, 'kms:EncryptionContext:purpose': ['component_access_token'] },
          },
        },
        {
          Effect: 'Allow',
          Action: 'lambda:InvokeFunction',
          Resource: [
            arnOf(logicalIdOf(stack.component.tokenRefresher)),
            { 'Fn::Join': ['', [arnOf(logicalIdOf(stack.component.tokenRefresher)), ':*']] },
          ],
        },
      ]);
    }
  });

  it('gives the consumer no secret, no DynamoDB write and no kms:Encrypt', () => {
    for (const [kind, consumer] of consumers()) {
      const actions = roleStatements(template, roleIdOf(consumer)).flatMap(actionsOf);

      expect(actions.filter((a) => a.startsWith('secretsmanager:')), kind).toEqual([]);
      expect(actions.filter((a) => /^dynamodb:(Put|Update|Delete|BatchWrite|Query|Scan)/.test(a)), kind).toEqual([]);
      expect(actions.filter((a) => a === 'kms:Encrypt' || a.startsWith('kms:GenerateDataKey') || a.startsWith('kms:ReEncrypt')), kind).toEqual([]);
    }
  });

  it('names the consumer’s role in the key policy for token decryption only', () => {
    for (const [kind, consumer] of consumers()) {
      const role = arnOf(roleIdOf(consumer));

      const statements = keyPolicyStatements(template).filter((s) => JSON.stringify(s.Principal) === JSON.stringify({ AWS: role }));

      expect(statements.map((s) => [actionsOf(s), s.Condition]), kind).toEqual([
        [
          ['kms:Decrypt'],
          { StringEquals: { 'kms:EncryptionContext:componentAppid': TEST_APPID, 'kms:EncryptionContext:purpose': ['component_access_token'] } },
        ],
      ]);
    }
  });

  it('sets the four environment variables the token reader reads', () => {
    for (const [kind, consumer] of consumers()) {
      const env = functionEnv(template, logicalIdOf(consumer));

      expect(env, kind).toMatchObject({
        WECHAT_COMPONENT_APPID: TEST_APPID,
        WECHAT_TABLE_NAME: { Ref: logicalIdOf(stack.component.table) },
        WECHAT_KMS_KEY_ID: keyArn,
        WECHAT_REFRESHER_FUNCTION: { Ref: logicalIdOf(stack.component.tokenRefresher) },
      });
      expect(env, kind).not.toHaveProperty('WECHAT_SECRET_ARN');
    }
  });

  it('leaves the consumer an environment the token reader starts from', () => {
    const env = functionEnv(template, logicalIdOf(nodejsConsumer));
    const deployed = Object.fromEntries(Object.entries(env).map(([name, value]) => [name, typeof value === 'string' ? value : `resolved-${name}`]));

    expect(() => createComponentTokenReaderFromEnv({}, deployed)).not.toThrow();
  });
});
