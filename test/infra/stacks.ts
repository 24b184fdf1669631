/**
 * Builds the stack variants the infra tests assert on, and reads IAM and key policies out of their templates.
 * Each variant is built once per test file (aws-cdk-lib's first synthesis costs seconds; later ones are cheap).
 */
import path from 'node:path';
import { App, CfnElement, Stack } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { IConstruct } from 'constructs';
import { readAppSettings } from '../../infra/app-settings';
import { WechatComponent, type WechatComponentProps, WechatEgress } from '../../infra/wechat-component';
import { WechatComponentStack } from '../../infra/wechat-component-stack';

export const TEST_APPID = 'wx1234567890abcdef';
export const TEST_ACCOUNT = '123456789012';
export const TEST_REGION = 'ap-east-1';
/** Template tests load aws-cdk-lib and synthesize: seconds, not milliseconds. */
export const CDK_TIMEOUT_MS = 120_000;

export const EXISTING_SECRET_ARN = `arn:aws:secretsmanager:${TEST_REGION}:${TEST_ACCOUNT}:secret:wechat-component-AbCdEf`;
export const EXISTING_TOPIC_ARN = `arn:aws:sns:${TEST_REGION}:${TEST_ACCOUNT}:wechat-ops`;
export const CERTIFICATE_ARN = `arn:aws:acm:${TEST_REGION}:${TEST_ACCOUNT}:certificate/0f0e0d0c-1111-2222-3333-444455556666`;
export const DOMAIN_NAME = 'wechat.example.com';
export const EXISTING_EGRESS_IP = '203.0.113.7';
/** The pages h5-oauth may return to: a path prefix on one origin and a whole second origin. */
export const ALLOWED_RETURN_TO = ['https://h5.example.com/app/', 'https://m.example.com'];
/** An official account allowed to use sign-in by configuration, before any authorization event about it. */
export const CONFIGURED_AUTHORIZER_APPID = 'wxfedcba9876543210';
/** CDK context that turns h5-oauth on, as `cdk deploy -c h5OAuthAllowedReturnTo=… -c authorizerAppids=…` does. */
export const H5_OAUTH_CONTEXT = {
  h5OAuthAllowedReturnTo: ALLOWED_RETURN_TO.join(','),
  authorizerAppids: CONFIGURED_AUTHORIZER_APPID,
};

export interface TestAppOptions {
  /** Run esbuild for NodejsFunction assets instead of skipping bundling. */
  bundle?: boolean;
  /** Run CDK's built-in CloudFormation schema validation at synthesis (seconds per stack, so off unless asked). */
  cfnValidation?: boolean;
  outdir?: string;
}

/** An app whose stacks skip NodejsFunction bundling and schema validation (fast) unless the options ask for them. */
export function newTestApp(options: TestAppOptions = {}): App {
  return new App({
    ...(options.outdir ? { outdir: options.outdir } : {}),
    builtinCloudFormationValidation: options.cfnValidation ?? false,
    context: options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] },
  });
}

/** The deployable stack, built from CDK context the way infra/app.ts builds it. */
export function buildAppStack(context: Record<string, string> = {}, options: TestAppOptions = {}): WechatComponentStack {
  const app = newTestApp(options);
  const values: Record<string, string> = { componentAppid: TEST_APPID, region: TEST_REGION, ...context };
  const settings = readAppSettings((key) => values[key], {});
  return new WechatComponentStack(app, settings.stackName, { env: { region: settings.region, account: TEST_ACCOUNT }, settings });
}

/** The construct alone in a plain stack, for props the app settings cannot express. */
export function buildComponentStack(props: (stack: Stack) => Partial<WechatComponentProps> = () => ({})): {
  stack: Stack;
  component: WechatComponent;
} {
  const app = newTestApp();
  const stack = new Stack(app, 'ComponentTest', { env: { region: TEST_REGION, account: TEST_ACCOUNT } });
  const component = new WechatComponent(stack, 'Component', { componentAppid: TEST_APPID, ...props(stack) });
  return { stack, component };
}

/** Default settings: NAT egress, retained data, a new secret, no alarm topic. */
export const defaultStack = () => buildAppStack();

/** Lambda egress, removal policy destroy, an existing secret and an existing alarm topic. */
export const lambdaEgressStack = () =>
  buildAppStack({ egress: 'lambda', removalPolicy: 'destroy', secretArn: EXISTING_SECRET_ARN, alarmTopicArn: EXISTING_TOPIC_ARN });

/** A custom domain with its certificate, and alarms mailed to a new topic; `context` adds settings (e.g. sign-in). */
export const customDomainStack = (context: Record<string, string> = {}) =>
  buildAppStack({ domainName: DOMAIN_NAME, certificateArn: CERTIFICATE_ARN, alarmEmail: 'ops@example.com', ...context });

/** The default settings plus h5-oauth (NAT egress, cookie binding on by default, one configured authorizer). */
export const h5OAuthStack = (context: Record<string, string> = {}) => buildAppStack({ ...H5_OAUTH_CONTEXT, ...context });

/** The construct in a VPC the user already has, with the IP they allow-listed. */
export function existingVpcStack(): { stack: Stack; component: WechatComponent; vpc: ec2.Vpc } {
  let vpc: ec2.Vpc | undefined;
  const built = buildComponentStack((stack) => {
    vpc = new ec2.Vpc(stack, 'UserVpc', { maxAzs: 2, natGateways: 1 });
    return { egress: WechatEgress.existingVpc(vpc, { egressIp: EXISTING_EGRESS_IP }) };
  });
  return { ...built, vpc: vpc! };
}

/** The user's own resources for the bring-your-own variants, imported by ARN or id as they would be. */
export const OWN_TABLE_ARN = `arn:aws:dynamodb:${TEST_REGION}:${TEST_ACCOUNT}:table/wechat-component`;
export const OWN_KEY_ARN = `arn:aws:kms:${TEST_REGION}:${TEST_ACCOUNT}:key/11111111-2222-3333-4444-555555555555`;
export const OWN_SUBNET_IDS = ['subnet-0aaaaaaaaaaaaaaa1', 'subnet-0aaaaaaaaaaaaaaa2'];

/**
 * The construct on the user's own imported table (encrypted with their key), imported key and imported VPC, with
 * h5-oauth on and a token reader configured: nothing of its data layer or network is its own.
 */
export function bringYourOwnStack(): { stack: Stack; component: WechatComponent; reader: lambda.Function } {
  const built = buildComponentStack((stack) => {
    const key = kms.Key.fromKeyArn(stack, 'OwnKey', OWN_KEY_ARN);
    const vpc = ec2.Vpc.fromVpcAttributes(stack, 'OwnVpc', {
      vpcId: 'vpc-0bbbbbbbbbbbbbbbb',
      availabilityZones: [`${TEST_REGION}a`, `${TEST_REGION}b`],
      privateSubnetIds: OWN_SUBNET_IDS,
    });
    return {
      table: dynamodb.Table.fromTableAttributes(stack, 'OwnTable', { tableArn: OWN_TABLE_ARN, encryptionKey: key }),
      key,
      egress: WechatEgress.existingVpc(vpc, { egressIp: EXISTING_EGRESS_IP }),
      h5OAuth: { allowedReturnTo: ALLOWED_RETURN_TO },
    };
  });
  const reader = new lambda.Function(built.stack, 'Reader', {
    runtime: lambda.Runtime.NODEJS_24_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => ({});'),
    // A role without the managed basic-execution policy, so that cdk-nag's findings here are the construct's alone.
    role: new iam.Role(built.stack, 'ReaderRole', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') }),
  });
  built.component.configureTokenReader(reader);
  return { ...built, reader };
}

/** The construct on a key the user defines in the same stack (so its key policy is the app's to extend). */
export function ownKeyInStack(): { stack: Stack; component: WechatComponent; key: kms.Key } {
  let key: kms.Key | undefined;
  const built = buildComponentStack((stack) => {
    key = new kms.Key(stack, 'OwnKey', { enableKeyRotation: true, description: 'the user’s key' });
    return { key };
  });
  return { ...built, key: key! };
}

/**
 * The default stack plus three token readers: a NodejsFunction (with an environment of its own) and a plain Function
 * made readers with configureTokenReader, and a plain Function given grantReadComponentToken alone (permissions, no environment).
 */
export function consumerStack(): {
  stack: WechatComponentStack;
  nodejsConsumer: NodejsFunction;
  plainConsumer: lambda.Function;
  grantOnlyConsumer: lambda.Function;
} {
  const stack = defaultStack();
  const nodejsConsumer = new NodejsFunction(stack, 'NodejsConsumer', {
    entry: path.join(import.meta.dirname, 'fixtures/consumer-handler.ts'),
    runtime: lambda.Runtime.NODEJS_24_X,
    environment: { APP_STAGE: 'test' },
  });
  const plainFunction = (id: string) =>
    new lambda.Function(stack, id, {
      runtime: lambda.Runtime.NODEJS_24_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => ({});'),
    });
  const plainConsumer = plainFunction('PlainConsumer');
  const grantOnlyConsumer = plainFunction('GrantOnlyConsumer');
  stack.component.configureTokenReader(nodejsConsumer);
  stack.component.configureTokenReader(plainConsumer);
  stack.component.grantReadComponentToken(grantOnlyConsumer);
  return { stack, nodejsConsumer, plainConsumer, grantOnlyConsumer };
}

/**
 * The default stack plus two authorizer token readers: a plain Function made a reader with
 * configureAuthorizerTokenReader (with an environment of its own), and one given grantReadAuthorizerTokens alone.
 */
export function authorizerReaderStack(): { stack: WechatComponentStack; configured: lambda.Function; grantOnly: lambda.Function } {
  const stack = defaultStack();
  const plainFunction = (id: string, environment: Record<string, string> = {}) =>
    new lambda.Function(stack, id, {
      runtime: lambda.Runtime.NODEJS_24_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => ({});'),
      environment,
    });
  const configured = plainFunction('AuthorizerTokenConsumer', { APP_STAGE: 'test' });
  const grantOnly = plainFunction('AuthorizerTokenGrantOnly');
  stack.component.configureAuthorizerTokenReader(configured);
  stack.component.grantReadAuthorizerTokens(grantOnly);
  return { stack, configured, grantOnly };
}

/** The CloudFormation logical id of a construct's resource (its default child for L2s). */
export function logicalIdOf(construct: IConstruct): string {
  const element = construct.node.defaultChild ?? construct;
  if (!(element instanceof CfnElement)) throw new Error(`no CloudFormation element under ${construct.node.path}`);
  const stack = Stack.of(element);
  return stack.resolve(stack.getLogicalId(element)) as string;
}

/** The logical id of a function's execution role. */
export function roleIdOf(fn: lambda.IFunction): string {
  if (!fn.role) throw new Error(`${fn.node.path} has no role`);
  return logicalIdOf(fn.role);
}

export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource?: unknown;
  Principal?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

type Resource = { Type: string; Properties?: Record<string, unknown>; DeletionPolicy?: string; UpdateReplacePolicy?: string };

export function resourcesOf(template: Template, type: string): Array<[string, Resource]> {
  return Object.entries(template.findResources(type) as Record<string, Resource>);
}

export function onlyResourceOf(template: Template, type: string): [string, Resource] {
  const found = resourcesOf(template, type);
  if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
  return found[0]!;
}

export const actionsOf = (statement: PolicyStatement): string[] =>
  Array.isArray(statement.Action) ? statement.Action : [statement.Action];

export const resourcesOfStatement = (statement: PolicyStatement): unknown[] =>
  statement.Resource === undefined ? [] : Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];

/** Every identity-policy statement attached to the role: AWS::IAM::Policy resources naming it, and its inline policies. */
export function roleStatements(template: Template, roleLogicalId: string): PolicyStatement[] {
  const statements: PolicyStatement[] = [];
  for (const [, policy] of resourcesOf(template, 'AWS::IAM::Policy')) {
    const roles = (policy.Properties?.Roles ?? []) as unknown[];
    if (roles.some((role) => JSON.stringify(role) === JSON.stringify({ Ref: roleLogicalId }))) {
      statements.push(...(policy.Properties!.PolicyDocument as { Statement: PolicyStatement[] }).Statement);
    }
  }
  const role = template.findResources('AWS::IAM::Role')[roleLogicalId] as Resource | undefined;
  if (!role) throw new Error(`no role ${roleLogicalId}`);
  for (const inline of (role.Properties?.Policies ?? []) as Array<{ PolicyDocument: { Statement: PolicyStatement[] } }>) {
    statements.push(...inline.PolicyDocument.Statement);
  }
  return statements;
}

/** Every identity-policy statement in the template, with the policy it belongs to. */
export function allIdentityStatements(template: Template): Array<{ policy: string; statement: PolicyStatement }> {
  const out: Array<{ policy: string; statement: PolicyStatement }> = [];
  for (const [id, policy] of resourcesOf(template, 'AWS::IAM::Policy')) {
    for (const statement of (policy.Properties!.PolicyDocument as { Statement: PolicyStatement[] }).Statement)
      out.push({ policy: id, statement });
  }
  for (const [id, role] of resourcesOf(template, 'AWS::IAM::Role')) {
    for (const inline of (role.Properties?.Policies ?? []) as Array<{ PolicyDocument: { Statement: PolicyStatement[] } }>) {
      for (const statement of inline.PolicyDocument.Statement) out.push({ policy: id, statement });
    }
  }
  return out;
}

/** The statements of the template's one KMS key policy. */
export function keyPolicyStatements(template: Template): PolicyStatement[] {
  const [, key] = onlyResourceOf(template, 'AWS::KMS::Key');
  return (key.Properties!.KeyPolicy as { Statement: PolicyStatement[] }).Statement;
}

/** A function's environment variables as they appear in the template (strings or intrinsics). */
export function functionEnv(template: Template, functionLogicalId: string): Record<string, unknown> {
  const fn = template.findResources('AWS::Lambda::Function')[functionLogicalId] as Resource | undefined;
  if (!fn) throw new Error(`no function ${functionLogicalId}`);
  return ((fn.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {}) as Record<string, unknown>;
}

/** `{ "Fn::GetAtt": [id, "Arn"] }`, how a template refers to a resource's ARN. */
export const arnOf = (logicalId: string) => ({ 'Fn::GetAtt': [logicalId, 'Arn'] });

/** The DynamoDB statements that allow something (Deny statements only narrow them). */
export const dynamoStatements = (statements: PolicyStatement[]) =>
  statements.filter((s) => s.Effect === 'Allow' && actionsOf(s).some((action) => action.startsWith('dynamodb:')));
export const leadingKeys = (statement: PolicyStatement) => statement.Condition?.['ForAllValues:StringLike']?.['dynamodb:LeadingKeys'];
export const viaService = (statement: PolicyStatement) => statement.Condition?.StringEquals?.['kms:ViaService'];

/**
 * Each LeadingKeys pattern a role's DynamoDB statements name, with every action granted on it (sorted); a grant on
 * one of the table's indexes is keyed `{pattern} on index {name}`.
 */
export function actionsByPartition(statements: PolicyStatement[]): Record<string, string[]> {
  const byPartition: Record<string, Set<string>> = {};
  for (const statement of dynamoStatements(statements)) {
    const index = /\/index\/([A-Za-z0-9_.-]+)/.exec(JSON.stringify(statement.Resource))?.[1];
    for (const pattern of (leadingKeys(statement) ?? ['(any)']) as string[]) {
      const key = index ? `${pattern} on index ${index}` : pattern;
      byPartition[key] ??= new Set();
      for (const action of actionsOf(statement)) byPartition[key].add(action);
    }
  }
  return Object.fromEntries(Object.entries(byPartition).map(([pattern, actions]) => [pattern, [...actions].sort()]));
}

/** What the API's execute-api endpoint is on deploy, in tests. */
export const DEPLOYED_API_BASE = 'https://abc123defg.execute-api.ap-east-1.amazonaws.com';

/** Plausible deployed values of the environment variables the template gives as intrinsics (ARNs, names, URLs). */
const DEPLOYED_VALUES: Record<string, string> = {
  WECHAT_TABLE_NAME: 'WechatComponent-ComponentTable-ABC123',
  WECHAT_KMS_KEY_ID: `arn:aws:kms:${TEST_REGION}:${TEST_ACCOUNT}:key/00000000-0000-0000-0000-000000000000`,
  WECHAT_SECRET_ARN: `arn:aws:secretsmanager:${TEST_REGION}:${TEST_ACCOUNT}:secret:wechat-AbCdEf`,
  WECHAT_H5_OAUTH_SESSION_SECRET_ARN: `arn:aws:secretsmanager:${TEST_REGION}:${TEST_ACCOUNT}:secret:SessionSecret-AbCdEf`,
  WECHAT_AUTHORIZATION_LINK_SECRET_ARN: `arn:aws:secretsmanager:${TEST_REGION}:${TEST_ACCOUNT}:secret:LinkSecret-AbCdEf`,
  WECHAT_REFRESHER_FUNCTION: `arn:aws:lambda:${TEST_REGION}:${TEST_ACCOUNT}:function:WechatComponent-TokenRefresher-ABC123:reader`,
  WECHAT_AUTHORIZER_WORKER_FUNCTION: `arn:aws:lambda:${TEST_REGION}:${TEST_ACCOUNT}:function:WechatComponent-AuthorizerWorker-ABC123:reader`,
  WECHAT_AUTHORIZER_JOBS_QUEUE_URL: `https://sqs.${TEST_REGION}.amazonaws.com/${TEST_ACCOUNT}/WechatComponent-AuthorizerJobsQueue-ABC123`,
};

/** A template value on deploy: a string as it is, an `Fn::Join` of strings and the API endpoint joined. */
function deployedValue(name: string, value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  const join = (value as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (join) {
    const parts = join[1].map((part) =>
      typeof part === 'string' ? part : JSON.stringify(part).includes('"ApiEndpoint"') ? DEPLOYED_API_BASE : undefined,
    );
    if (parts.every((part) => part !== undefined)) return parts.join(join[0]);
  }
  return DEPLOYED_VALUES[name];
}

/** A function's template environment as it is on deploy; throws for an intrinsic this has no deployed value for. */
export function deployedEnv(env: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).map(([name, value]) => {
      const deployed = deployedValue(name, value);
      if (deployed === undefined) throw new Error(`no deployed value for ${name}`);
      return [name, deployed];
    }),
  );
}

/**
 * The two statements of a GetItem grant limited to attributes: the Allow naming them (with the table's keys), and the
 * Deny of a request that names none, which the Allow's ForAllValues test alone would let through.
 */
export function attributeLimitedGetItem(tableArn: unknown, partition: string, attributes: readonly string[]): PolicyStatement[] {
  return [
    {
      Effect: 'Allow',
      Action: 'dynamodb:GetItem',
      Resource: tableArn,
      Condition: {
        'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [partition] },
        'ForAllValues:StringEquals': { 'dynamodb:Attributes': ['pk', 'sk', ...attributes] },
        StringEqualsIfExists: { 'dynamodb:Select': 'SPECIFIC_ATTRIBUTES', 'dynamodb:ReturnValues': 'NONE' },
      },
    },
    {
      Effect: 'Deny',
      Action: 'dynamodb:GetItem',
      Resource: tableArn,
      Condition: { 'ForAnyValue:StringLike': { 'dynamodb:LeadingKeys': [partition] }, Null: { 'dynamodb:Attributes': 'true' } },
    },
  ];
}

/** What a token reader's role holds of the key: DynamoDB's use for the table's encryption, and direct decryption of a purpose. */
export function readerKeyStatements(keyArn: unknown, purpose: string): PolicyStatement[] {
  return [
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
      Condition: { StringEquals: { 'kms:EncryptionContext:componentAppid': TEST_APPID, 'kms:EncryptionContext:purpose': [purpose] } },
    },
  ];
}
