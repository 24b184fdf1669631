import { Template } from 'aws-cdk-lib/assertions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { AUTHORIZER_READER_ATTRIBUTES } from '../../infra/component/component-authorizer-worker';
import type { WechatComponentStack } from '../../infra/wechat-component-stack';
import { sha256Hex } from '../../shared/crypto/digests';
import { createAuthorizationCodeStore } from '../../shared/store/authorization-code-store';
import { createAuthorizerStore, READER_ATTRIBUTES } from '../../shared/store/authorizer-store';
import { createDueWork } from '../../shared/store/due-work';
import { createPreAuthCodeRate } from '../../shared/store/pre-auth-code-rate';
import {
  authorizationCodePk,
  authorizerPk,
  eventsPk,
  preAuthCodeRatePk,
  refreshPk,
  ticketPk,
  tokenPk,
} from '../../shared/store/table-keys';
import { createTokenStore } from '../../shared/store/token-store';
import { createAuthorizerTokenReaderFromEnv } from '../../shared/token';
import {
  allowsKeyCall,
  allowsTableCall,
  expectEveryCallAllowed,
  type KeyCall,
  PROBE_ENVELOPE,
  recordingDynamo,
  recordingEnvelopeSealer,
  recordingSealer,
  type TableCall,
} from './runtime-calls';
import {
  actionsByPartition,
  actionsOf,
  arnOf,
  attributeLimitedGetItem,
  authorizerReaderStack,
  CDK_TIMEOUT_MS,
  functionEnv,
  keyPolicyStatements,
  logicalIdOf,
  type PolicyStatement,
  readerKeyStatements,
  resourcesOfStatement,
  roleIdOf,
  roleStatements,
  TEST_APPID,
  viaService,
} from './stacks';

const NOW_MS = Date.UTC(2026, 10, 28, 12, 0, 0);
const OTHER_APPID = 'wx0000000000000000';
const AUTHORIZER_APPID = 'wxaaaaaaaaaaaaaaaa';
const KEYS = ['pk', 'sk'];

let stack: WechatComponentStack;
let template: Template;
let configured: lambda.Function;
let grantOnly: lambda.Function;
let tableArn: object;
let keyArn: object;

beforeAll(() => {
  const built = authorizerReaderStack();
  stack = built.stack;
  configured = built.configured;
  grantOnly = built.grantOnly;
  template = Template.fromStack(stack);
  tableArn = arnOf(logicalIdOf(stack.component.table));
  keyArn = arnOf(logicalIdOf(stack.component.key));
}, CDK_TIMEOUT_MS);

/** A role's statements beyond what every ComponentFunction role has (its logs, X-Ray, network interfaces). */
const grantedStatements = (fn: lambda.IFunction) =>
  roleStatements(template, roleIdOf(fn)).filter((s) => !actionsOf(s).some((a) => /^(logs|xray|ec2):/.test(a)));
const directKeyUse = (statements: PolicyStatement[]) =>
  statements
    .filter((s) => actionsOf(s).some((a) => a.startsWith('kms:')) && !viaService(s))
    .map((s) => [actionsOf(s), s.Condition?.StringEquals?.['kms:EncryptionContext:purpose']]);
const callNames = (calls: TableCall[]) => new Set(calls.map((c) => `${c.action} ${c.pk.split('#')[0]}${c.index ? ` on ${c.index}` : ''}`));
const keyCallNames = (calls: KeyCall[]) => new Set(calls.map((c) => `${c.action} ${c.purpose}`));
/** An authorizer item as the worker finds it: authorized, with a sealed refresh token and access token. */
const storedAuthorizer = {
  authorizerAppid: AUTHORIZER_APPID,
  status: 'authorized',
  version: 3,
  lastEventCreateTime: 1_764_000_000,
  refreshToken: PROBE_ENVELOPE,
  refreshTokenSha256: 'a'.repeat(64),
  accessToken: PROBE_ENVELOPE,
  accessTokenSha256: 'b'.repeat(64),
  expiresAtMs: NOW_MS + 600_000,
  fetchedAtMs: NOW_MS - 6_600_000,
};
const CODE_SHA = sha256Hex('code@@@probe');
const storedCode = { codeSha256: CODE_SHA, status: 'pending', attempts: 0, code: PROBE_ENVELOPE, eventCreateTime: 1_764_000_000 };

/** Records the calls of stores over a table that holds one authorizer and one pending code. */
function recordStores() {
  const tableCalls: TableCall[] = [];
  const keyCalls: KeyCall[] = [];
  const dynamo = recordingDynamo(tableCalls, {
    [authorizerPk(TEST_APPID, AUTHORIZER_APPID)]: storedAuthorizer,
    [authorizationCodePk(TEST_APPID, CODE_SHA)]: storedCode,
  });
  const base = { dynamo, tableName: 'table', componentAppid: TEST_APPID, now: () => NOW_MS };
  const envelopes = recordingEnvelopeSealer(keyCalls);
  const authorizers = createAuthorizerStore({ ...base, envelopes, refreshMarginMs: 900_000, leaseMs: 60_000 });
  const codes = createAuthorizationCodeStore({ ...base, envelopes, leaseMs: 60_000 });
  return { tableCalls, keyCalls, base, authorizers, codes };
}

/** What an exchange writes (the authorizer, its tokens sealed, then its profile) and reads of the component token. */
async function exchangeCalls({ base, keyCalls, authorizers }: ReturnType<typeof recordStores>): Promise<void> {
  await authorizers.applyAuthorization({
    authorizerAppid: AUTHORIZER_APPID,
    eventCreateTime: 1_764_000_001,
    refreshToken: 'exchanged@@@probe',
    accessToken: { token: 'access@@@probe', expiresInSec: 7200, fetchedAtMs: NOW_MS },
    funcInfo: [1],
  });
  await authorizers.setProfile({
    authorizerAppid: AUTHORIZER_APPID,
    profile: { kind: 'official_account', nickname: 'n', userName: 'gh_1', principalName: 'p', serviceTypeId: 2, verifyTypeId: 0 },
  });
  const tokens = createTokenStore({ ...base, sealer: recordingSealer(keyCalls) });
  await tokens.open({ meta: { version: 1, expiresAtMs: NOW_MS, fetchedAtMs: NOW_MS, tokenSha256: '0' }, ciphertext: new Uint8Array([1]) });
  await tokens.loadSealed();
}

describe('WechatComponent authorizer worker role', { timeout: CDK_TIMEOUT_MS }, () => {
  const worker = () => stack.component.authorizerWorker;

  it('reads and updates authorizer and code items, queries the two indexes of its component and reads the component token', () => {
    expect(actionsByPartition(grantedStatements(worker()))).toEqual({
      [`AUTHORIZER#${TEST_APPID}#*`]: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
      [`AUTHCODE#${TEST_APPID}#*`]: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
      [`DUE#${TEST_APPID} on index due`]: ['dynamodb:Query'],
      [`STATUS#${TEST_APPID}#* on index status`]: ['dynamodb:Query'],
      [`TOKEN#${TEST_APPID}`]: ['dynamodb:GetItem'],
    });
  });

  it('allows every table and key call its stores make: refresh, exchange, sweep, gauges, reconcile and import', async () => {
    const recorded = recordStores();
    const { tableCalls, keyCalls, base, authorizers, codes } = recorded;
    const statements = grantedStatements(worker());

    const current = (await authorizers.get(AUTHORIZER_APPID))!;
    for (const reason of ['schedule', 'reader-miss', 'invalidate', 'operator'] as const) {
      await authorizers.acquireLease({ authorizerAppid: AUTHORIZER_APPID, reason, staleTokenSha256: 'b'.repeat(64) });
    }
    await authorizers.openRefreshToken(AUTHORIZER_APPID, current.refreshToken!);
    const lease = { authorizerAppid: AUTHORIZER_APPID, holder: 'holder' };
    await authorizers.storeRefresh({
      ...lease,
      expectedVersion: 3,
      accessToken: 'access@@@probe',
      expiresInSec: 7200,
      fetchedAtMs: NOW_MS,
      refreshToken: 'rotated@@@probe',
      current,
    });
    await authorizers.retryLater({ ...lease, retryAtMs: NOW_MS + 60_000, failures: 1 });
    await authorizers.backOff({ ...lease, untilMs: NOW_MS + 60_000, errcode: 45009 });
    await authorizers.replaceRefreshToken({ ...lease, refreshToken: 'found@@@probe', current });
    await authorizers.markNeedsReauth({ ...lease, reason: 'errcode 61023' });
    await exchangeCalls(recorded);
    await authorizers.importRefreshToken({
      authorizerAppid: AUTHORIZER_APPID,
      refreshToken: 'listed@@@probe',
      authTimeSec: 1_764_000_002,
      firstDueAtMs: NOW_MS,
    });
    await authorizers.countByStatus();
    await authorizers.countValidTokens(NOW_MS);
    await authorizers.tokenExpiries(NOW_MS);
    await authorizers.listAuthorized();
    await codes.get(CODE_SHA);
    await codes.claim(CODE_SHA);
    await codes.noteErrcode({ codeSha256: CODE_SHA, holder: 'holder', errcode: 61009 });
    await codes.retryLater({ codeSha256: CODE_SHA, holder: 'holder', retryAtMs: NOW_MS + 60_000, notSent: true });
    await codes.finish({
      codeSha256: CODE_SHA,
      holder: 'holder',
      status: 'exchanged',
      outcome: 'exchanged',
      authorizerAppid: AUTHORIZER_APPID,
    });
    const due = createDueWork(base);
    await due.page({ nowMs: NOW_MS, limit: 500 });

    expect(callNames(tableCalls)).toEqual(
      new Set([
        'GetItem AUTHORIZER',
        'UpdateItem AUTHORIZER',
        'GetItem AUTHCODE',
        'UpdateItem AUTHCODE',
        'Query DUE on due',
        'Query STATUS on status',
        'GetItem TOKEN',
      ]),
    );
    expect(keyCallNames(keyCalls)).toEqual(
      new Set([
        'kms:Decrypt authorizer_refresh_token',
        'kms:GenerateDataKey authorizer_access_token',
        'kms:GenerateDataKey authorizer_refresh_token',
        'kms:Decrypt authorization_code',
        'kms:Decrypt component_access_token',
      ]),
    );
    expectEveryCallAllowed(statements, { tableArn, keyArn, componentAppid: TEST_APPID }, { tableCalls, keyCalls });
  });

  it('refuses what the worker never does: put or delete items, query the table or another component, touch the component’s own state', () => {
    const statements = grantedStatements(worker());
    const refused: TableCall[] = [
      { action: 'PutItem', pk: authorizerPk(TEST_APPID, AUTHORIZER_APPID) },
      { action: 'DeleteItem', pk: authorizerPk(TEST_APPID, AUTHORIZER_APPID) },
      { action: 'PutItem', pk: authorizationCodePk(TEST_APPID, CODE_SHA) },
      { action: 'Query', pk: authorizerPk(TEST_APPID, AUTHORIZER_APPID) },
      { action: 'Query', pk: `DUE#${OTHER_APPID}`, index: 'due' },
      { action: 'Query', pk: `STATUS#${OTHER_APPID}#authorized`, index: 'status' },
      { action: 'Query', pk: `DUE#${TEST_APPID}`, index: 'status' },
      { action: 'GetItem', pk: authorizerPk(OTHER_APPID, AUTHORIZER_APPID) },
      { action: 'GetItem', pk: ticketPk(TEST_APPID) },
      { action: 'GetItem', pk: refreshPk(TEST_APPID) },
      { action: 'GetItem', pk: eventsPk(TEST_APPID) },
      { action: 'PutItem', pk: tokenPk(TEST_APPID) },
      { action: 'UpdateItem', pk: preAuthCodeRatePk(TEST_APPID, NOW_MS) },
    ];

    for (const call of refused) expect(allowsTableCall(statements, tableArn, call), JSON.stringify(call)).toBe(false);
    expect(statements.flatMap(actionsOf).filter((a) => /^dynamodb:(Scan|BatchWriteItem|BatchGetItem|DeleteItem|PutItem)$/.test(a))).toEqual(
      [],
    );
    for (const purpose of ['authorizer_access_token', 'component_verify_ticket', 'authorization_event', 'user_oauth_tokens'] as const) {
      expect(allowsKeyCall(statements, keyArn, TEST_APPID, { action: 'kms:Decrypt', purpose }), purpose).toBe(false);
    }
    expect(allowsKeyCall(statements, keyArn, TEST_APPID, { action: 'kms:GenerateDataKey', purpose: 'authorization_code' })).toBe(false);
    expect(allowsKeyCall(statements, keyArn, OTHER_APPID, { action: 'kms:Decrypt', purpose: 'authorizer_refresh_token' })).toBe(false);
  });

  it('reads the authorization-link secret only: never the component secret that holds the appsecret', () => {
    const secrets = grantedStatements(worker()).filter((s) => actionsOf(s).some((a) => a.startsWith('secretsmanager:')));

    expect(secrets.map((s) => [actionsOf(s), s.Resource])).toEqual([
      [['secretsmanager:GetSecretValue'], { Ref: logicalIdOf(stack.component.authorizationLinkSecret) }],
    ]);
  });

  it('sends to its jobs queue, consumes it, and invokes only the refresher’s reader alias', () => {
    const statements = grantedStatements(worker());
    const queue = arnOf(logicalIdOf(stack.component.authorizerJobs.queue));
    const sqs = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('sqs:')));
    const lambdaCalls = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('lambda:')));

    expect(sqs.flatMap(resourcesOfStatement).every((resource) => JSON.stringify(resource) === JSON.stringify(queue))).toBe(true);
    expect(sqs.flatMap(actionsOf)).toContain('sqs:SendMessage');
    expect(sqs.flatMap(actionsOf)).toContain('sqs:ReceiveMessage');
    expect(lambdaCalls.map((s) => [actionsOf(s), s.Resource])).toEqual([
      [['lambda:InvokeFunction'], { Ref: logicalIdOf(stack.component.tokenRefresherReaderAlias) }],
    ]);
  });

  it('seals the tokens WeChat answers and opens refresh tokens and codes, nothing else directly', () => {
    expect(directKeyUse(grantedStatements(worker()))).toEqual(
      expect.arrayContaining([
        [['kms:Decrypt'], ['component_access_token']],
        [['kms:GenerateDataKey'], ['authorizer_access_token', 'authorizer_refresh_token']],
        [['kms:Decrypt'], ['authorizer_refresh_token', 'authorization_code']],
      ]),
    );
    expect(directKeyUse(grantedStatements(worker()))).toHaveLength(3);
  });
});

describe('WechatComponent authorization page role', { timeout: CDK_TIMEOUT_MS }, () => {
  const page = () => stack.component.authorizationPage;

  it('counts pre-auth codes, records and exchanges codes, writes the authorizer it exchanged and reads the component token', () => {
    expect(actionsByPartition(grantedStatements(page()))).toEqual({
      [`PREAUTH_RATE#${TEST_APPID}#*`]: ['dynamodb:UpdateItem'],
      [`AUTHCODE#${TEST_APPID}#*`]: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
      [`AUTHORIZER#${TEST_APPID}#*`]: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
      [`TOKEN#${TEST_APPID}`]: ['dynamodb:GetItem'],
    });
  });

  it('allows every table and key call its stores make: rate counters, code arrival, claim and outcome, authorizer write and read', async () => {
    const recorded = recordStores();
    const { tableCalls, keyCalls, base, authorizers, codes } = recorded;
    const statements = grantedStatements(page());

    for (const counter of ['preAuthCodes', 'callbacks'] as const) await createPreAuthCodeRate({ ...base, perMinute: 20, counter }).take();
    for (const code of ['new-code@@@probe', 'code@@@probe'])
      await codes.record({ code, source: 'callback', eventCreateTime: 1_764_000_000, codeExpiresAtMs: NOW_MS + 3_600_000 });
    await codes.claim(CODE_SHA);
    await codes.retryLater({ codeSha256: CODE_SHA, holder: 'holder', retryAtMs: NOW_MS + 60_000, notSent: true });
    await codes.noteErrcode({ codeSha256: CODE_SHA, holder: 'holder', errcode: 61009 });
    await codes.finish({
      codeSha256: CODE_SHA,
      holder: 'holder',
      status: 'exchanged',
      outcome: 'exchanged',
      authorizerAppid: AUTHORIZER_APPID,
    });
    await codes.get(CODE_SHA);
    await exchangeCalls(recorded);
    await authorizers.get(AUTHORIZER_APPID);

    expect(callNames(tableCalls)).toEqual(
      new Set([
        'UpdateItem PREAUTH_RATE',
        'PutItem AUTHCODE',
        'GetItem AUTHCODE',
        'UpdateItem AUTHCODE',
        'GetItem AUTHORIZER',
        'UpdateItem AUTHORIZER',
        'GetItem TOKEN',
      ]),
    );
    expect(keyCallNames(keyCalls)).toEqual(
      new Set([
        'kms:GenerateDataKey authorization_code',
        'kms:Decrypt authorization_code',
        'kms:GenerateDataKey authorizer_access_token',
        'kms:GenerateDataKey authorizer_refresh_token',
        'kms:Decrypt component_access_token',
      ]),
    );
    expectEveryCallAllowed(statements, { tableArn, keyArn, componentAppid: TEST_APPID }, { tableCalls, keyCalls });
  });

  it('refuses what the page never does: open a token, query an index, delete, or read the component secret', () => {
    const statements = grantedStatements(page());

    for (const call of [
      { action: 'Query', pk: `DUE#${TEST_APPID}`, index: 'due' },
      { action: 'DeleteItem', pk: authorizerPk(TEST_APPID, AUTHORIZER_APPID) },
      { action: 'PutItem', pk: authorizerPk(TEST_APPID, AUTHORIZER_APPID) },
      { action: 'GetItem', pk: ticketPk(TEST_APPID) },
      { action: 'GetItem', pk: preAuthCodeRatePk(OTHER_APPID, NOW_MS) },
    ] satisfies TableCall[])
      expect(allowsTableCall(statements, tableArn, call), JSON.stringify(call)).toBe(false);
    for (const purpose of ['authorizer_access_token', 'authorizer_refresh_token', 'component_verify_ticket'] as const) {
      expect(allowsKeyCall(statements, keyArn, TEST_APPID, { action: 'kms:Decrypt', purpose }), purpose).toBe(false);
    }
    const secrets = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('secretsmanager:')));
    expect(secrets.map((s) => s.Resource)).toEqual([{ Ref: logicalIdOf(stack.component.authorizationLinkSecret) }]);
  });

  it('sends to the jobs queue only: it never receives or deletes jobs', () => {
    const sqs = grantedStatements(page()).filter((s) => actionsOf(s).some((a) => a.startsWith('sqs:')));

    expect(sqs.map((s) => [actionsOf(s), s.Resource])).toEqual([
      [['sqs:SendMessage'], arnOf(logicalIdOf(stack.component.authorizerJobs.queue))],
    ]);
  });
});

describe('WechatComponent.grantReadAuthorizerTokens and configureAuthorizerTokenReader', { timeout: CDK_TIMEOUT_MS }, () => {
  const readers = () =>
    [
      ['configureAuthorizerTokenReader', configured],
      ['grantReadAuthorizerTokens', grantOnly],
    ] as const;
  const aliasRef = () => ({ Ref: logicalIdOf(stack.component.authorizerWorkerReaderAlias) });
  const authorizerItem = authorizerPk(TEST_APPID, AUTHORIZER_APPID);

  it('limits the reader to the attributes the reader store reads', () => {
    expect([...AUTHORIZER_READER_ATTRIBUTES].sort()).toEqual([...READER_ATTRIBUTES].sort());
  });

  it('gives exactly GetItem of authorizer status and access tokens, access-token decryption and the worker’s reader alias', () => {
    const expected: PolicyStatement[] = [
      ...attributeLimitedGetItem(tableArn, `AUTHORIZER#${TEST_APPID}#*`, READER_ATTRIBUTES),
      ...readerKeyStatements(keyArn, 'authorizer_access_token'),
      { Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: aliasRef() },
    ];

    for (const [kind, reader] of readers()) {
      const statements = roleStatements(template, roleIdOf(reader));

      expect(statements, kind).toHaveLength(expected.length);
      expect(statements, kind).toEqual(expect.arrayContaining(expected));
    }
  });

  it('allows every call the authorizer token reader makes', async () => {
    const tableCalls: TableCall[] = [];
    const keyCalls: KeyCall[] = [];
    const dynamo = recordingDynamo(tableCalls, { [authorizerItem]: storedAuthorizer });
    const store = createAuthorizerStore({
      dynamo,
      tableName: 'table',
      componentAppid: TEST_APPID,
      envelopes: recordingEnvelopeSealer(keyCalls),
      now: () => NOW_MS,
      refreshMarginMs: 900_000,
      leaseMs: 60_000,
    });

    const view = await store.getReaderView(AUTHORIZER_APPID);
    await store.openAccessToken(AUTHORIZER_APPID, view!.accessToken!);

    expect(tableCalls).toEqual([{ action: 'GetItem', pk: authorizerItem, attributes: [...READER_ATTRIBUTES].sort() }]);
    expect(keyCalls).toEqual([{ action: 'kms:Decrypt', purpose: 'authorizer_access_token' }]);
    for (const [kind, reader] of readers()) {
      const statements = roleStatements(template, roleIdOf(reader));
      expect(allowsTableCall(statements, tableArn, tableCalls[0]!), kind).toBe(true);
      expect(allowsKeyCall(statements, keyArn, TEST_APPID, keyCalls[0]!), kind).toBe(true);
    }
  });

  it('cannot read a refresh token, the lease or the profile, nor the whole item, nor another component’s authorizers', () => {
    const refused: TableCall[] = [
      { action: 'GetItem', pk: authorizerItem, attributes: ['status', 'refreshToken'] },
      { action: 'GetItem', pk: authorizerItem, attributes: ['previousRefreshToken', 'previousRefreshTokenSha256'] },
      { action: 'GetItem', pk: authorizerItem, attributes: ['refreshTokenSha256'] },
      { action: 'GetItem', pk: authorizerItem, attributes: ['leaseHolder', 'profile'] },
      { action: 'GetItem', pk: authorizerItem },
      { action: 'GetItem', pk: authorizerPk(OTHER_APPID, AUTHORIZER_APPID), attributes: ['status'] },
      { action: 'GetItem', pk: tokenPk(TEST_APPID) },
      { action: 'GetItem', pk: authorizationCodePk(TEST_APPID, CODE_SHA), attributes: ['status'] },
      { action: 'UpdateItem', pk: authorizerItem, attributes: [...KEYS, 'status'] },
      { action: 'Query', pk: `DUE#${TEST_APPID}`, index: 'due' },
      { action: 'Query', pk: `STATUS#${TEST_APPID}#authorized`, index: 'status' },
    ];

    for (const [kind, reader] of readers()) {
      const statements = roleStatements(template, roleIdOf(reader));
      for (const call of refused) expect(allowsTableCall(statements, tableArn, call), `${kind} ${JSON.stringify(call)}`).toBe(false);
    }
  });

  it('cannot decrypt a refresh token or an authorization code, nor encrypt anything', () => {
    for (const [kind, reader] of readers()) {
      const statements = roleStatements(template, roleIdOf(reader));

      for (const purpose of ['authorizer_refresh_token', 'authorization_code', 'component_access_token'] as const) {
        expect(allowsKeyCall(statements, keyArn, TEST_APPID, { action: 'kms:Decrypt', purpose }), `${kind} ${purpose}`).toBe(false);
      }
      expect(allowsKeyCall(statements, keyArn, OTHER_APPID, { action: 'kms:Decrypt', purpose: 'authorizer_access_token' })).toBe(false);
      expect(
        statements.flatMap(actionsOf).filter((a) => /^kms:(Encrypt|GenerateDataKey|ReEncrypt)/.test(a)),
        kind,
      ).toEqual([]);
    }
  });

  it('may invoke the worker’s reader alias only: never the unqualified worker, $LATEST or a version, which would skip backoffs', () => {
    const workerArn = arnOf(logicalIdOf(stack.component.authorizerWorker));

    for (const [kind, reader] of readers()) {
      const invoke = roleStatements(template, roleIdOf(reader)).filter((s) => actionsOf(s).some((a) => a.startsWith('lambda:')));

      expect(
        invoke.map((s) => [actionsOf(s), s.Resource]),
        kind,
      ).toEqual([[['lambda:InvokeFunction'], aliasRef()]]);
      expect(JSON.stringify(invoke), kind).not.toContain(JSON.stringify(workerArn));
    }
    const alias = template.findResources('AWS::Lambda::Alias')[logicalIdOf(stack.component.authorizerWorkerReaderAlias)]!;
    expect(alias.Properties).toMatchObject({ Name: 'reader', FunctionName: { Ref: logicalIdOf(stack.component.authorizerWorker) } });
    const [versionId] = alias.Properties.FunctionVersion['Fn::GetAtt'] as [string, string];
    expect(template.findResources('AWS::Lambda::Version')[versionId]!.Properties.FunctionName).toEqual({
      Ref: logicalIdOf(stack.component.authorizerWorker),
    });
  });

  it('names the reader’s role in the key policy for access-token decryption only', () => {
    for (const [kind, reader] of readers()) {
      const role = arnOf(roleIdOf(reader));

      const statements = keyPolicyStatements(template).filter((s) => JSON.stringify(s.Principal) === JSON.stringify({ AWS: role }));

      expect(
        statements.map((s) => [actionsOf(s), s.Condition?.StringEquals?.['kms:EncryptionContext:purpose']]),
        kind,
      ).toEqual([[['kms:Decrypt'], ['authorizer_access_token']]]);
    }
  });

  it('sets exactly the four variables the reader reads with configureAuthorizerTokenReader, and none with the grant alone', () => {
    const env = functionEnv(template, logicalIdOf(configured));

    expect(env).toEqual({
      APP_STAGE: 'test',
      WECHAT_COMPONENT_APPID: TEST_APPID,
      WECHAT_TABLE_NAME: { Ref: logicalIdOf(stack.component.table) },
      WECHAT_KMS_KEY_ID: keyArn,
      WECHAT_AUTHORIZER_WORKER_FUNCTION: aliasRef(),
    });
    expect(functionEnv(template, logicalIdOf(grantOnly))).toEqual({});
    const deployed = Object.fromEntries(
      Object.entries(env).map(([name, value]) => [name, typeof value === 'string' ? value : `resolved-${name}`]),
    );
    expect(() => createAuthorizerTokenReaderFromEnv({ env: deployed })).not.toThrow();
  });
});
