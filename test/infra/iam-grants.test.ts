import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import type { WechatComponentStack } from '../../infra/wechat-component-stack';
import { sha256Hex } from '../../shared/crypto/digests';
import { createAuthorizationCodeStore } from '../../shared/store/authorization-code-store';
import { createAuthorizationEventStore } from '../../shared/store/authorization-event-store';
import { createAuthorizerStore } from '../../shared/store/authorizer-store';
import { createH5OAuthStateStore } from '../../shared/store/h5-oauth-state-store';
import { createLoginCodeStore } from '../../shared/store/login-code-store';
import { createPushAuditLog } from '../../shared/store/push-audit-log';
import { createRefreshGuards } from '../../shared/store/refresh-guards';
import { createRefreshLeases } from '../../shared/store/refresh-lease';
import { createSessionRevocationStore } from '../../shared/store/session-revocation-store';
import {
  auditPk,
  authorizationCodePk,
  authorizerPk,
  eventsPk,
  h5OAuthStatePk,
  loginCodePk,
  refreshPk,
  revokedSessionPk,
  ticketPk,
  tokenPk,
  userPk,
} from '../../shared/store/table-keys';
import { createTicketStore } from '../../shared/store/ticket-store';
import { createTokenStore } from '../../shared/store/token-store';
import { createUserStore } from '../../shared/store/user-store';
import { createComponentTokenReaderFromEnv } from '../../shared/token';
import {
  allowsKeyCall,
  allowsTableCall,
  expectEveryCallAllowed,
  type KeyCall,
  recordingDynamo,
  recordingEnvelopeSealer,
  recordingSealer,
  type TableCall,
} from './runtime-calls';
import {
  actionsByPartition,
  actionsOf,
  allIdentityStatements,
  arnOf,
  attributeLimitedGetItem,
  buildComponentStack,
  CDK_TIMEOUT_MS,
  consumerStack,
  dynamoStatements,
  functionEnv,
  h5OAuthStack,
  keyPolicyStatements,
  lambdaEgressStack,
  leadingKeys,
  logicalIdOf,
  type PolicyStatement,
  readerKeyStatements,
  resourcesOfStatement,
  roleIdOf,
  roleStatements,
  TEST_APPID,
  TEST_REGION,
  viaService,
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
let grantOnlyConsumer: lambda.Function;
let lambdaTemplate: Template;
let h5OAuth: WechatComponentStack;
let h5OAuthTemplate: Template;
let tableArn: object;
let keyArn: object;

beforeAll(() => {
  const built = consumerStack();
  stack = built.stack;
  nodejsConsumer = built.nodejsConsumer;
  plainConsumer = built.plainConsumer;
  grantOnlyConsumer = built.grantOnlyConsumer;
  template = Template.fromStack(stack);
  lambdaTemplate = Template.fromStack(lambdaEgressStack());
  h5OAuth = h5OAuthStack();
  h5OAuthTemplate = Template.fromStack(h5OAuth);
  tableArn = arnOf(logicalIdOf(stack.component.table));
  keyArn = arnOf(logicalIdOf(stack.component.key));
}, CDK_TIMEOUT_MS);

const TABLE_ACTIONS = ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem'] as const;
const NOW_MS = Date.UTC(2026, 10, 28, 12, 0, 0);
const OTHER_APPID = 'wx0000000000000000';
const AUTHORIZER_APPID = 'wxaaaaaaaaaaaaaaaa';

/** The four statements grantReadComponentToken gives any consumer, h5-oauth function included. */
const tokenReaderStatements = (readerAliasId: string): PolicyStatement[] => [
  {
    Effect: 'Allow',
    Action: 'dynamodb:GetItem',
    Resource: tableArn,
    Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`TOKEN#${TEST_APPID}`] } },
  },
  ...readerKeyStatements(keyArn, 'component_access_token'),
  // The reader alias only: not the function, $LATEST or any version, which accept the schedule's and operators' requests.
  { Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: { Ref: readerAliasId } },
];

describe('WechatComponent roles', { timeout: CDK_TIMEOUT_MS }, () => {
  it('let the push receiver put tickets, events and audit records, record authorization codes and revoke authorizers, each in its own partition', () => {
    const statements = roleStatements(template, roleIdOf(stack.component.pushReceiver));

    expect(actionsByPartition(statements)).toEqual({
      [`TICKET#${TEST_APPID}`]: ['dynamodb:PutItem'],
      [`EVENTS#${TEST_APPID}`]: ['dynamodb:PutItem'],
      [`AUTHCODE#${TEST_APPID}#*`]: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
      [`AUTHORIZER#${TEST_APPID}#*`]: ['dynamodb:UpdateItem'],
      [`AUDIT#${TEST_APPID}#*`]: ['dynamodb:PutItem'],
    });
    for (const statement of dynamoStatements(statements)) expect(statement.Resource).toEqual(tableArn);
  });

  it('keep the push receiver away from the token, the refresh lease, backoff and start_push_ticket throttle', () => {
    const statements = roleStatements(template, roleIdOf(stack.component.pushReceiver));

    for (const pk of [tokenPk(TEST_APPID), refreshPk(TEST_APPID)]) {
      for (const action of TABLE_ACTIONS) expect(allowsTableCall(statements, tableArn, { action, pk }), `${action} ${pk}`).toBe(false);
    }
    // The ticket may only be put: reading or deleting it is the refresher's business.
    for (const action of ['GetItem', 'UpdateItem', 'DeleteItem'] as const) {
      expect(allowsTableCall(statements, tableArn, { action, pk: ticketPk(TEST_APPID) }), action).toBe(false);
    }
  });

  it('let the push receiver make every call its stores make: ticket, event, unparsed push, code arrivals, revocation, audit record', async () => {
    const tableCalls: TableCall[] = [];
    const keyCalls: KeyCall[] = [];
    // A code already recorded, lost while waiting for its push: the push's arrival updates it and opens it again.
    const lostCodeSha = sha256Hex('lost-code@@@probe');
    const dynamo = recordingDynamo(tableCalls, {
      [authorizationCodePk(TEST_APPID, lostCodeSha)]: { codeSha256: lostCodeSha, status: 'lost', authorizerAppid: AUTHORIZER_APPID },
    });
    const base = { dynamo, tableName: 'table', componentAppid: TEST_APPID };
    const envelopes = recordingEnvelopeSealer(keyCalls);
    const statements = roleStatements(template, roleIdOf(stack.component.pushReceiver));

    await createTicketStore({ ...base, sealer: recordingSealer(keyCalls) }).save({
      componentVerifyTicket: 'ticket@@@probe',
      createTime: 1_764_000_000,
      receivedAtMs: NOW_MS,
    });
    const events = createAuthorizationEventStore({ ...base, envelopes, now: () => NOW_MS });
    for (const infoType of ['authorized', 'unauthorized']) {
      await events.record({ infoType, createTime: 1_764_000_000, authorizerAppid: AUTHORIZER_APPID, fields: { InfoType: infoType } });
    }
    await events.recordUnparsed({ plaintext: '<xml><A>1</A><A>2</A></xml>', reason: 'XML_MALFORMED' });
    const codes = createAuthorizationCodeStore({ ...base, envelopes, now: () => NOW_MS, leaseMs: 60_000 });
    for (const code of ['new-code@@@probe', 'lost-code@@@probe']) {
      await codes.record({
        code,
        source: 'push',
        authorizerAppid: AUTHORIZER_APPID,
        infoType: 'authorized',
        eventCreateTime: 1_764_000_000,
        codeExpiresAtMs: NOW_MS + 3_600_000,
      });
    }
    await createAuthorizerStore({ ...base, envelopes, now: () => NOW_MS, refreshMarginMs: 900_000, leaseMs: 60_000 }).revoke({
      authorizerAppid: AUTHORIZER_APPID,
      eventCreateTime: 1_764_000_000,
    });
    await createPushAuditLog(base).record({ infoType: 'authorized', createTime: 1_764_000_000, receivedAtMs: NOW_MS, outcome: 'recorded' });

    expect(new Set(tableCalls.map((c) => `${c.action} ${c.pk.split('#')[0]}`))).toEqual(
      new Set([
        'PutItem TICKET',
        'PutItem EVENTS',
        'PutItem AUTHCODE',
        'GetItem AUTHCODE',
        'UpdateItem AUTHCODE',
        'UpdateItem AUTHORIZER',
        'PutItem AUDIT',
      ]),
    );
    expect(new Set(keyCalls.map((c) => `${c.action} ${c.purpose}`))).toEqual(
      new Set(['kms:Encrypt component_verify_ticket', 'kms:GenerateDataKey authorization_event', 'kms:GenerateDataKey authorization_code']),
    );
    expectEveryCallAllowed(statements, { tableArn, keyArn, componentAppid: TEST_APPID }, { tableCalls, keyCalls });
  });

  it('let the push receiver revoke an authorizer but never read, replace or blank its refresh token or read its access token', () => {
    const statements = roleStatements(template, roleIdOf(stack.component.pushReceiver));
    const pk = authorizerPk(TEST_APPID, AUTHORIZER_APPID);
    const keys = ['pk', 'sk'];

    const refused: TableCall[] = [
      { action: 'UpdateItem', pk, attributes: [...keys, 'refreshToken', 'refreshTokenSha256'] },
      { action: 'UpdateItem', pk, attributes: [...keys, 'previousRefreshToken'] },
      { action: 'UpdateItem', pk, attributes: [...keys, 'status'], returnValues: 'ALL_OLD' },
      { action: 'UpdateItem', pk },
      { action: 'GetItem', pk },
      { action: 'GetItem', pk, attributes: ['status'] },
      { action: 'PutItem', pk, attributes: [...keys, 'status'] },
      { action: 'DeleteItem', pk },
    ];

    expect(
      allowsTableCall(statements, tableArn, { action: 'UpdateItem', pk, attributes: [...keys, 'status', 'statusKey', 'dueKey'] }),
    ).toBe(true);
    for (const call of refused) expect(allowsTableCall(statements, tableArn, call), JSON.stringify(call)).toBe(false);
    for (const purpose of ['authorizer_access_token', 'authorizer_refresh_token', 'authorization_code'] as const) {
      expect(allowsKeyCall(statements, keyArn, TEST_APPID, { action: 'kms:Decrypt', purpose }), purpose).toBe(false);
    }
  });

  it('let the token refresher read the ticket, read and write the token, and keep its lease, backoff and throttle', () => {
    const statements = roleStatements(template, roleIdOf(stack.component.tokenRefresher));

    expect(actionsByPartition(statements)).toEqual({
      [`TICKET#${TEST_APPID}`]: ['dynamodb:GetItem'],
      [`TOKEN#${TEST_APPID}`]: ['dynamodb:GetItem', 'dynamodb:PutItem'],
      [`REFRESH#${TEST_APPID}`]: ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem'],
    });
    for (const statement of dynamoStatements(statements)) expect(statement.Resource).toEqual(tableArn);
  });

  it('give the token refresher nothing on authorization events, authorizer status or audit records, and no ticket write', () => {
    const statements = roleStatements(template, roleIdOf(stack.component.tokenRefresher));
    const day = auditPk(TEST_APPID, NOW_MS);

    for (const pk of [eventsPk(TEST_APPID), authorizerPk(TEST_APPID, AUTHORIZER_APPID), day]) {
      for (const action of TABLE_ACTIONS) expect(allowsTableCall(statements, tableArn, { action, pk }), `${action} ${pk}`).toBe(false);
    }
    expect(JSON.stringify(dynamoStatements(statements))).not.toMatch(/EVENTS#|AUTHORIZER#|AUDIT#/);
    for (const action of ['PutItem', 'UpdateItem', 'DeleteItem'] as const) {
      expect(allowsTableCall(statements, tableArn, { action, pk: ticketPk(TEST_APPID) }), action).toBe(false);
    }
  });

  it('let the token refresher make every call its stores make: ticket, token, lease, backoff and throttle', async () => {
    const tableCalls: TableCall[] = [];
    const keyCalls: KeyCall[] = [];
    const base = { dynamo: recordingDynamo(tableCalls), tableName: 'table', componentAppid: TEST_APPID, now: () => NOW_MS };
    const sealer = recordingSealer(keyCalls);
    const statements = roleStatements(template, roleIdOf(stack.component.tokenRefresher));

    const tickets = createTicketStore({ ...base, sealer });
    await tickets.load();
    await tickets.loadCreateTime();
    const tokens = createTokenStore({ ...base, sealer });
    await tokens.loadSealed();
    await tokens.save({ componentAccessToken: 'token@@@probe', expiresAtMs: NOW_MS, fetchedAtMs: NOW_MS, expectedVersion: 0 });
    await (await createRefreshLeases({ ...base, leaseDurationMs: 60_000 }).acquire()).release();
    const guards = createRefreshGuards(base);
    await guards.claimStartPushTicket(600_000);
    await guards.setBackoff({ errcode: 45009, untilMs: NOW_MS + 1 });
    await guards.loadBackoff();
    await guards.clearBackoff();

    expect(new Set(tableCalls.map((c) => `${c.action} ${c.pk.split('#')[0]}`))).toEqual(
      new Set(['GetItem TICKET', 'GetItem TOKEN', 'PutItem TOKEN', 'PutItem REFRESH', 'DeleteItem REFRESH', 'GetItem REFRESH']),
    );
    expectEveryCallAllowed(statements, { tableArn, keyArn, componentAppid: TEST_APPID }, { tableCalls, keyCalls });
  });

  it('let the push receiver encrypt tickets, generate data keys for events and authorization codes, and decrypt nothing directly', () => {
    const kms = roleStatements(template, roleIdOf(stack.component.pushReceiver)).filter(
      (s) => actionsOf(s).some((a) => a.startsWith('kms:')) && !viaService(s),
    );

    expect(kms.map((s) => [actionsOf(s), s.Condition?.StringEquals?.['kms:EncryptionContext:purpose']])).toEqual([
      [['kms:Encrypt'], ['component_verify_ticket']],
      [['kms:GenerateDataKey'], ['authorization_event', 'authorization_code']],
    ]);
    for (const statement of kms) expect(statement.Condition!.StringEquals!['kms:EncryptionContext:componentAppid']).toBe(TEST_APPID);
  });

  it('let the token refresher decrypt tickets and encrypt tokens, nothing else directly', () => {
    const kms = roleStatements(template, roleIdOf(stack.component.tokenRefresher)).filter(
      (s) => actionsOf(s).some((a) => a.startsWith('kms:')) && !viaService(s),
    );

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
      expect(secrets.map((s) => [actionsOf(s), s.Resource])).toEqual([
        [['secretsmanager:GetSecretValue'], { Ref: logicalIdOf(stack.component.secret) }],
      ]);
      expect(
        statements.some((s) => viaService(s) === `secretsmanager.${TEST_REGION}.amazonaws.com` && actionsOf(s).includes('kms:Decrypt')),
      ).toBe(true);
    }
  });

  it('confine every DynamoDB grant in the stack to named partitions', () => {
    for (const t of [template, lambdaTemplate, h5OAuthTemplate]) {
      const statements = dynamoStatements(allIdentityStatements(t).map(({ statement }) => statement));

      expect(statements.length).toBeGreaterThan(0);
      for (const statement of statements) expect(leadingKeys(statement), JSON.stringify(statement)).toBeDefined();
    }
  });

  it('grant no service-wide action (dynamodb:*, kms:*, *) and no wildcard action anywhere', () => {
    for (const t of [template, lambdaTemplate, h5OAuthTemplate]) {
      for (const { policy, statement } of allIdentityStatements(t)) {
        for (const action of actionsOf(statement)) expect(action.includes('*'), `${policy}: ${action}`).toBe(false);
      }
    }
  });

  it('grant Resource * only for X-Ray and network-interface actions', () => {
    for (const t of [template, lambdaTemplate, h5OAuthTemplate]) {
      for (const { policy, statement } of allIdentityStatements(t)) {
        if (!resourcesOfStatement(statement).includes('*')) continue;
        for (const action of actionsOf(statement)) expect(RESOURCE_STAR_ALLOWED.has(action), `${policy}: ${action} on *`).toBe(true);
      }
    }
  });

  it('limit every direct kms:Encrypt/Decrypt/GenerateDataKey to this component’s encryption context', () => {
    for (const { policy, statement } of [template, h5OAuthTemplate].flatMap(allIdentityStatements)) {
      const direct =
        actionsOf(statement).some((a) => a === 'kms:Encrypt' || a === 'kms:Decrypt' || a === 'kms:GenerateDataKey') &&
        !viaService(statement);
      if (!direct) continue;

      expect(statement.Condition?.StringEquals?.['kms:EncryptionContext:componentAppid'], policy).toBe(TEST_APPID);
      expect(statement.Condition?.StringEquals?.['kms:EncryptionContext:purpose'], policy).toBeDefined();
      expect(statement.Resource, policy).toEqual(keyArn);
    }
  });

  it('let the scheduler invoke the refresher and the authorizer worker and send to its dead-letter queue, nothing more', () => {
    const schedulerPolicies = allIdentityStatements(template).filter(({ policy }) => policy.startsWith('SchedulerRole'));
    const targets = [stack.component.tokenRefresher, stack.component.authorizerWorker].map((fn) => arnOf(logicalIdOf(fn)));

    const invokes = schedulerPolicies.filter(({ statement }) => actionsOf(statement).includes('lambda:InvokeFunction'));

    expect([...new Set(schedulerPolicies.flatMap(({ statement }) => actionsOf(statement)))].sort()).toEqual([
      'lambda:InvokeFunction',
      'sqs:SendMessage',
    ]);
    const resources = invokes.flatMap(({ statement }) => resourcesOfStatement(statement));
    for (const target of targets) expect(resources).toContainEqual(target);
    // Each resource is one of the two functions, or its versions and aliases (`arn:*`).
    for (const resource of resources)
      expect(targets.some((target) => JSON.stringify(resource).includes(JSON.stringify(target)))).toBe(true);
  });
});

describe('WechatComponent.grantReadComponentToken and configureTokenReader', { timeout: CDK_TIMEOUT_MS }, () => {
  /** Every reader: the two made readers with configureTokenReader, and the one granted permissions alone. */
  const consumers = () =>
    [
      ['a NodejsFunction (configureTokenReader)', nodejsConsumer],
      ['a plain Function (configureTokenReader)', plainConsumer],
      ['a plain Function (grantReadComponentToken)', grantOnlyConsumer],
    ] as const;

  it('gives the consumer exactly GetItem on its component’s token item, token decryption and refresher invocation', () => {
    for (const [kind, consumer] of consumers()) {
      const statements = roleStatements(template, roleIdOf(consumer));

      expect(statements, kind).toEqual(tokenReaderStatements(logicalIdOf(stack.component.tokenRefresherReaderAlias)));
    }
  });

  it('gives the consumer no secret, no DynamoDB write and no kms:Encrypt', () => {
    for (const [kind, consumer] of consumers()) {
      const actions = roleStatements(template, roleIdOf(consumer)).flatMap(actionsOf);

      expect(
        actions.filter((a) => a.startsWith('secretsmanager:')),
        kind,
      ).toEqual([]);
      expect(
        actions.filter((a) => /^dynamodb:(Put|Update|Delete|BatchWrite|Query|Scan)/.test(a)),
        kind,
      ).toEqual([]);
      expect(
        actions.filter((a) => a === 'kms:Encrypt' || a.startsWith('kms:GenerateDataKey') || a.startsWith('kms:ReEncrypt')),
        kind,
      ).toEqual([]);
    }
  });

  it('names the consumer’s role in the key policy for token decryption only', () => {
    for (const [kind, consumer] of consumers()) {
      const role = arnOf(roleIdOf(consumer));

      const statements = keyPolicyStatements(template).filter((s) => JSON.stringify(s.Principal) === JSON.stringify({ AWS: role }));

      expect(
        statements.map((s) => [actionsOf(s), s.Condition]),
        kind,
      ).toEqual([
        [
          ['kms:Decrypt'],
          {
            StringEquals: {
              'kms:EncryptionContext:componentAppid': TEST_APPID,
              'kms:EncryptionContext:purpose': ['component_access_token'],
            },
          },
        ],
      ]);
    }
  });

  it('lets every token reader, h5-oauth included, invoke the refresher’s reader alias and nothing else of it', () => {
    const readers = [
      [template, roleIdOf(nodejsConsumer), stack],
      [template, roleIdOf(plainConsumer), stack],
      [template, roleIdOf(grantOnlyConsumer), stack],
      [h5OAuthTemplate, roleIdOf(h5OAuth.component.h5OAuth!.function), h5OAuth],
    ] as const;

    for (const [t, roleId, owner] of readers) {
      const invoke = roleStatements(t, roleId).filter((s) => actionsOf(s).some((a) => a.startsWith('lambda:')));

      expect(
        invoke.map((s) => [actionsOf(s), s.Resource]),
        roleId,
      ).toEqual([[['lambda:InvokeFunction'], { Ref: logicalIdOf(owner.component.tokenRefresherReaderAlias) }]]);
    }
  });

  it('points the reader alias at a published version of the refresher, not at $LATEST', () => {
    const refresherId = logicalIdOf(stack.component.tokenRefresher);
    const alias = template.findResources('AWS::Lambda::Alias')[logicalIdOf(stack.component.tokenRefresherReaderAlias)]!;
    const [versionId] = alias.Properties.FunctionVersion['Fn::GetAtt'] as [string, string];

    expect(alias.Properties).toMatchObject({ Name: 'reader', FunctionName: { Ref: refresherId } });
    expect(template.findResources('AWS::Lambda::Version')[versionId]!.Properties.FunctionName).toEqual({ Ref: refresherId });
  });

  it('sets no environment variable with the grant alone, as no aws-cdk grant does', () => {
    const env = functionEnv(template, logicalIdOf(grantOnlyConsumer));

    expect(env).toEqual({});
  });

  it('sets exactly the four environment variables the token reader reads with configureTokenReader, and the same grant', () => {
    const env = functionEnv(template, logicalIdOf(plainConsumer));

    expect(env).toEqual({
      WECHAT_COMPONENT_APPID: TEST_APPID,
      WECHAT_TABLE_NAME: { Ref: logicalIdOf(stack.component.table) },
      WECHAT_KMS_KEY_ID: keyArn,
      WECHAT_REFRESHER_FUNCTION: { Ref: logicalIdOf(stack.component.tokenRefresherReaderAlias) },
    });
    expect(roleStatements(template, roleIdOf(plainConsumer))).toEqual(roleStatements(template, roleIdOf(grantOnlyConsumer)));
  });

  it('adds the token reader’s variables to an environment the function already has', () => {
    const env = functionEnv(template, logicalIdOf(nodejsConsumer));

    expect(
      Object.keys(env)
        .filter((name) => name.startsWith('WECHAT_'))
        .sort(),
    ).toEqual(['WECHAT_COMPONENT_APPID', 'WECHAT_KMS_KEY_ID', 'WECHAT_REFRESHER_FUNCTION', 'WECHAT_TABLE_NAME']);
    expect(env.APP_STAGE).toBe('test');
    expect(env).not.toHaveProperty('WECHAT_SECRET_ARN');
  });

  it('returns one grant holding every identity-policy statement it added, for applyBefore and assertions', () => {
    const { stack: built, component } = buildComponentStack();
    const fn = new lambda.Function(built, 'Reader', {
      runtime: lambda.Runtime.NODEJS_24_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => ({});'),
    });

    const grant = component.configureTokenReader(fn);

    expect(grant.success).toBe(true);
    expect(grant.principalStatements.map((statement) => statement.actions)).toEqual([
      ['dynamodb:GetItem'],
      ['kms:Decrypt', 'kms:DescribeKey'],
      ['kms:Decrypt'],
      ['lambda:InvokeFunction'],
    ]);
  });

  it('leaves the consumer an environment the token reader starts from', () => {
    const env = functionEnv(template, logicalIdOf(nodejsConsumer));
    const deployed = Object.fromEntries(
      Object.entries(env).map(([name, value]) => [name, typeof value === 'string' ? value : `resolved-${name}`]),
    );

    expect(() => createComponentTokenReaderFromEnv({ env: deployed })).not.toThrow();
  });
});

describe('WechatComponent h5-oauth role', { timeout: CDK_TIMEOUT_MS }, () => {
  const h5OAuthRoleId = () => roleIdOf(h5OAuth.component.h5OAuth!.function);
  /** The role's statements beyond what every ComponentFunction role has (its logs, X-Ray, network interfaces). */
  const grantedStatements = () =>
    roleStatements(h5OAuthTemplate, h5OAuthRoleId()).filter((s) => !actionsOf(s).some((a) => /^(logs|xray|ec2):/.test(a)));
  const sessionSecretRef = () => ({ Ref: logicalIdOf(h5OAuth.component.h5OAuth!.sessionSecret) });
  const directKmsStatements = () => grantedStatements().filter((s) => actionsOf(s).some((a) => a.startsWith('kms:')) && !viaService(s));

  it('is exactly the token-reader grant, authorizer status, its own partitions, user-token sealing and the session secret', () => {
    const items = (actions: string[], partitions: string[]): PolicyStatement => ({
      Effect: 'Allow',
      Action: actions.length === 1 ? actions[0]! : actions,
      Resource: tableArn,
      Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': partitions } },
    });
    const expected: PolicyStatement[] = [
      ...tokenReaderStatements(logicalIdOf(h5OAuth.component.tokenRefresherReaderAlias)),
      { Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: sessionSecretRef() },
      {
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Resource: keyArn,
        Condition: { StringEquals: { 'kms:ViaService': `secretsmanager.${TEST_REGION}.amazonaws.com` } },
      },
      // An authorizer's status and event time only: never its tokens.
      ...attributeLimitedGetItem(tableArn, `AUTHORIZER#${TEST_APPID}#*`, ['status', 'lastEventCreateTime']),
      items(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], [`H5_OAUTH_STATE#${TEST_APPID}#*`, `USER#${TEST_APPID}#*`]),
      {
        Effect: 'Allow',
        Action: ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey'],
        Resource: keyArn,
        Condition: { StringEquals: { 'kms:ViaService': `dynamodb.${TEST_REGION}.amazonaws.com` } },
      },
      items(['dynamodb:PutItem', 'dynamodb:DeleteItem'], [`LOGIN_CODE#${TEST_APPID}#*`]),
      items(['dynamodb:GetItem', 'dynamodb:PutItem'], [`SESSION_REVOKED#${TEST_APPID}#*`]),
      {
        Effect: 'Allow',
        Action: 'kms:Encrypt',
        Resource: keyArn,
        Condition: {
          StringEquals: { 'kms:EncryptionContext:componentAppid': TEST_APPID, 'kms:EncryptionContext:purpose': ['user_oauth_tokens'] },
        },
      },
    ];

    const statements = grantedStatements();

    expect(statements).toHaveLength(expected.length);
    expect(statements).toEqual(expect.arrayContaining(expected));
  });

  it('reads the session secret only: not the component secret that holds the appsecret', () => {
    const secrets = grantedStatements().filter((s) => actionsOf(s).some((a) => a.startsWith('secretsmanager:')));

    expect(secrets.map((s) => [actionsOf(s), s.Resource])).toEqual([[['secretsmanager:GetSecretValue'], sessionSecretRef()]]);
    expect(JSON.stringify(grantedStatements())).not.toContain(logicalIdOf(h5OAuth.component.secret));
  });

  it('reaches no ticket, refresh, event or audit partition and nothing of another component', () => {
    const partitions = dynamoStatements(grantedStatements()).flatMap((s) => leadingKeys(s) as string[]);

    expect(partitions.filter((p) => /^(TICKET|REFRESH|EVENTS|AUDIT)#/.test(p))).toEqual([]);
    for (const partition of partitions) expect(partition, partition).toMatch(new RegExp(`^[A-Z0-9_]+#${TEST_APPID}(#\\*)?$`));
  });

  it('encrypts directly only user OAuth tokens and decrypts directly only the component token', () => {
    const kms = directKmsStatements();

    expect(kms.map((s) => [actionsOf(s), s.Condition?.StringEquals?.['kms:EncryptionContext:purpose']])).toEqual(
      expect.arrayContaining([
        [['kms:Decrypt'], ['component_access_token']],
        [['kms:Encrypt'], ['user_oauth_tokens']],
      ]),
    );
    expect(kms).toHaveLength(2);
  });

  it('is named in the key policy for token decryption and user-token encryption only', () => {
    const role = arnOf(h5OAuthRoleId());

    const statements = keyPolicyStatements(h5OAuthTemplate).filter((s) => JSON.stringify(s.Principal) === JSON.stringify({ AWS: role }));

    expect(statements.map((s) => [actionsOf(s), s.Condition?.StringEquals?.['kms:EncryptionContext:purpose']])).toEqual(
      expect.arrayContaining([
        [['kms:Decrypt'], ['component_access_token']],
        [['kms:Encrypt'], ['user_oauth_tokens']],
      ]),
    );
    expect(statements).toHaveLength(2);
    for (const statement of statements) expect(statement.Condition!.StringEquals!['kms:EncryptionContext:componentAppid']).toBe(TEST_APPID);
  });

  it('allows every table and key call the sign-in stores and the token reader make', async () => {
    const tableCalls: TableCall[] = [];
    const keyCalls: KeyCall[] = [];
    const base = { dynamo: recordingDynamo(tableCalls), tableName: 'table', componentAppid: TEST_APPID, now: () => NOW_MS };
    const sealer = recordingSealer(keyCalls);
    const statements = grantedStatements();

    const tokens = createTokenStore({ ...base, sealer });
    await tokens.loadSealed();
    await tokens.open({
      meta: { version: 1, expiresAtMs: NOW_MS, fetchedAtMs: NOW_MS, tokenSha256: '0' },
      ciphertext: new Uint8Array([1]),
    });
    await createAuthorizerStore({ ...base, envelopes: recordingEnvelopeSealer(keyCalls), refreshMarginMs: 0, leaseMs: 0 }).getStatus(
      AUTHORIZER_APPID,
    );
    const states = createH5OAuthStateStore(base);
    const state = 's'.repeat(32);
    await states.create(
      {
        state,
        authorizerAppid: AUTHORIZER_APPID,
        scope: 'snsapi_base',
        returnTo: 'https://h5.example.com/app/',
        bindingSha256: null,
        codeChallenge: 'c'.repeat(43),
        createdAtMs: NOW_MS,
        expiresAtMs: NOW_MS + 600_000,
      },
      3_600_000,
    );
    await states.get(state);
    await states.consume(state, 'c'.repeat(64));
    await states.complete(state, { kind: 'signed-in', openid: 'openid-1' });
    const loginCodes = createLoginCodeStore({ ...base, ttlMs: 120_000 });
    const code = await loginCodes.issue({ authorizerAppid: AUTHORIZER_APPID, openid: 'openid-1', codeChallenge: 'c'.repeat(43) });
    await loginCodes.redeem(code);
    const users = createUserStore({ ...base, sealer });
    await users.upsert({
      authorizerAppid: AUTHORIZER_APPID,
      openid: 'openid-1',
      scope: 'snsapi_base',
      tokens: { accessToken: 'a', refreshToken: 'r', accessTokenExpiresAtMs: NOW_MS, scope: 'snsapi_base' },
    });
    await users.get(AUTHORIZER_APPID, 'openid-1');
    const revocations = createSessionRevocationStore(base);
    await revocations.revoke('j'.repeat(32), NOW_MS + 60_000);
    await revocations.isRevoked('j'.repeat(32));

    expect(new Set(tableCalls.map((c) => `${c.action} ${c.pk.split('#')[0]}`))).toEqual(
      new Set([
        'GetItem TOKEN',
        'GetItem AUTHORIZER',
        'PutItem H5_OAUTH_STATE',
        'GetItem H5_OAUTH_STATE',
        'UpdateItem H5_OAUTH_STATE',
        'PutItem LOGIN_CODE',
        'DeleteItem LOGIN_CODE',
        'UpdateItem USER',
        'GetItem USER',
        'PutItem SESSION_REVOKED',
        'GetItem SESSION_REVOKED',
      ]),
    );
    for (const call of tableCalls) expect(allowsTableCall(statements, tableArn, call), JSON.stringify(call)).toBe(true);
    expect(keyCalls).toEqual([
      { action: 'kms:Decrypt', purpose: 'component_access_token' },
      { action: 'kms:Encrypt', purpose: 'user_oauth_tokens' },
    ]);
    for (const call of keyCalls) expect(allowsKeyCall(statements, keyArn, TEST_APPID, call), JSON.stringify(call)).toBe(true);
  });

  it('refuses what sign-in must never do: read the ticket or lease, write the token, reach another component’s users, open user tokens', () => {
    const statements = grantedStatements();
    const refused: TableCall[] = [
      { action: 'GetItem', pk: ticketPk(TEST_APPID) },
      { action: 'GetItem', pk: refreshPk(TEST_APPID) },
      { action: 'GetItem', pk: eventsPk(TEST_APPID) },
      { action: 'PutItem', pk: tokenPk(TEST_APPID) },
      { action: 'UpdateItem', pk: authorizerPk(TEST_APPID, AUTHORIZER_APPID) },
      { action: 'DeleteItem', pk: h5OAuthStatePk(TEST_APPID, 'state') },
      { action: 'DeleteItem', pk: userPk(TEST_APPID, AUTHORIZER_APPID, 'openid-1') },
      { action: 'GetItem', pk: loginCodePk(TEST_APPID, 'c'.repeat(64)) },
      { action: 'DeleteItem', pk: revokedSessionPk(TEST_APPID, 'j'.repeat(32)) },
      { action: 'UpdateItem', pk: revokedSessionPk(TEST_APPID, 'j'.repeat(32)) },
      { action: 'GetItem', pk: revokedSessionPk(OTHER_APPID, 'j'.repeat(32)) },
      { action: 'GetItem', pk: userPk(OTHER_APPID, AUTHORIZER_APPID, 'openid-1') },
      { action: 'GetItem', pk: h5OAuthStatePk(OTHER_APPID, 'state') },
      { action: 'GetItem', pk: tokenPk(OTHER_APPID) },
      // An authorizer's status only: not its tokens, and not the whole item.
      { action: 'GetItem', pk: authorizerPk(TEST_APPID, AUTHORIZER_APPID) },
      { action: 'GetItem', pk: authorizerPk(TEST_APPID, AUTHORIZER_APPID), attributes: ['status', 'refreshToken'] },
      { action: 'GetItem', pk: authorizerPk(TEST_APPID, AUTHORIZER_APPID), attributes: ['accessToken'] },
      { action: 'GetItem', pk: authorizerPk(OTHER_APPID, AUTHORIZER_APPID), attributes: ['status'] },
    ];

    for (const call of refused) expect(allowsTableCall(statements, tableArn, call), JSON.stringify(call)).toBe(false);
    for (const purpose of ['user_oauth_tokens', 'component_verify_ticket', 'authorization_event', 'authorizer_access_token'] as const) {
      expect(allowsKeyCall(statements, keyArn, TEST_APPID, { action: 'kms:Decrypt', purpose }), purpose).toBe(false);
    }
    for (const purpose of ['component_access_token', 'component_verify_ticket', 'authorization_event'] as const) {
      expect(allowsKeyCall(statements, keyArn, TEST_APPID, { action: 'kms:Encrypt', purpose }), purpose).toBe(false);
    }
    expect(allowsKeyCall(statements, keyArn, OTHER_APPID, { action: 'kms:Decrypt', purpose: 'component_access_token' })).toBe(false);
  });
});
