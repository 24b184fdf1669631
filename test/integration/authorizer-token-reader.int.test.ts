import { setImmediate as yieldToIo } from 'node:timers/promises';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import type { Context } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeAuthorizerWorkerHandler } from '../../functions/authorizer-worker/app';
import { createAuthorizerWorkerDepsFromEnv } from '../../functions/authorizer-worker/deps';
import { makeTokenRefresherHandler } from '../../functions/token-refresher/app';
import { createRefresherDepsFromEnv } from '../../functions/token-refresher/deps';
import { type LocalAws, startLocalAws } from '../../local/aws/local-aws';
import { localAwsClients } from '../../local/aws/local-aws-clients';
import { SERVICE_TABLE } from '../../local/runtime/service-table';
import { startWechatSim, type WechatSim } from '../../local/wechat-sim/server';
import { ENV, type EnvKey, REFRESHER_READER_ALIAS } from '../../shared/contract';
import { sha256Hex } from '../../shared/crypto/digests';
import { invocationQualifier } from '../../shared/runtime/invocation-qualifier';
import type { RuntimeOptions } from '../../shared/runtime/runtime-options';
import { type ComponentStores, createComponentStores } from '../../shared/store/component-stores';
import { createDocumentClient } from '../../shared/store/document-client';
import { type AuthorizerTokenReader, createAuthorizerTokenReaderFromEnv } from '../../shared/token';
import { createAuthorizerApi } from '../../shared/wechat/authorizer-api';
import { createWechatHttp } from '../../shared/wechat/component-api';
import { WechatApiError } from '../../shared/wechat/errors';
import { useCapturedOutput } from '../support/captured-output';
import { FakeClock } from '../support/fake-clock';

const COMPONENT = {
  componentAppid: 'wx1234567890abcdef',
  appsecret: 'canary-appsecret-7d41e85f0c2e9a3b',
  token: 'canaryMessageToken77',
  encodingAesKey: 'Canary0EncodingAesKey0For0Tests0Only0123456',
};
const TABLE_NAME = 'wechat-component-authorizer-reader';
const WORKER = 'authorizer-worker';
const REFRESHER = 'token-refresher';
/** What readers invoke, as the construct's grant sets it: the worker's reader alias. */
const WORKER_READER = `${WORKER}:${REFRESHER_READER_ALIAS}`;
const REVALIDATE_MS = 60_000;

/** What WeChat answers an API call made with a token it no longer accepts. */
const staleAnswer = () =>
  new WechatApiError({ code: 'ERRCODE', api: 'api_test', message: 'errcode 40001', retryable: false, errcode: 40001 });

describe('authorizer token reader against the worker, the store and the simulator', () => {
  let clock: FakeClock;
  let aws: LocalAws;
  let sim: WechatSim;
  let stores: ComponentStores;
  let runtime: RuntimeOptions & { env: Record<string, string> };
  let authorizerAppid: string;
  /** Every request the worker received, with the qualifier it was invoked through. */
  let workerCalls: Array<{ via: string | null; event: unknown }>;
  const output = useCapturedOutput();

  const tokenCalls = () => sim.stats().calls.api_authorizer_token ?? 0;
  const newReader = (): AuthorizerTokenReader =>
    createAuthorizerTokenReaderFromEnv({
      env: runtime.env,
      clients: runtime.clients,
      now: clock.now,
      revalidateAfterMs: REVALIDATE_MS,
      pollIntervalMs: 20,
      // Waiting moves the fake clock, so bounded waits are bounded in simulated time too.
      sleep: async (ms) => {
        clock.advance(ms);
        await yieldToIo();
      },
    });
  const invoke = async (functionName: string, payload: unknown) => {
    const out = await new LambdaClient(aws.clientConfig('lambda')).send(
      new InvokeCommand({ FunctionName: functionName, Payload: JSON.stringify(payload) }),
    );
    return {
      functionError: out.FunctionError,
      body: JSON.parse(Buffer.from(out.Payload ?? new Uint8Array()).toString('utf8')) as Record<string, unknown>,
    };
  };

  beforeEach(async () => {
    clock = new FakeClock();
    aws = await startLocalAws({ now: clock.now });
    await aws.createTable(TABLE_NAME, SERVICE_TABLE);
    const secretArn = aws.putSecret(
      'wechat-component',
      JSON.stringify({ appsecret: COMPONENT.appsecret, token: COMPONENT.token, encodingAesKey: COMPONENT.encodingAesKey }),
    );
    sim = await startWechatSim({
      componentAppid: COMPONENT.componentAppid,
      componentAppsecret: COMPONENT.appsecret,
      token: COMPONENT.token,
      encodingAesKey: COMPONENT.encodingAesKey,
      autoPush: false,
      now: clock.now,
    });
    [authorizerAppid] = sim.addAuthorizedAccounts(1) as [string];

    const settings: Partial<Record<EnvKey, string>> = {
      componentAppid: COMPONENT.componentAppid,
      secretArn,
      tableName: TABLE_NAME,
      kmsKeyId: aws.kmsKeyId,
      apiBase: sim.url,
      refresherFunction: `${REFRESHER}:${REFRESHER_READER_ALIAS}`,
      authorizerJobsQueueUrl: aws.createQueue('authorizer-jobs').url,
      authorizerWorkerFunction: WORKER_READER,
      // The worker also makes authorization links; this test never asks for one.
      authorizationPageUrl: 'https://wechat.example.com/authorize',
      authorizationLinkSecretArn: aws.putSecret('wechat-authorization-link', 'authorization-link-secret-of-this-test-0123456789'),
    };
    const clients = localAwsClients(aws);
    runtime = {
      env: Object.fromEntries(Object.entries(settings).map(([key, value]) => [ENV[key as EnvKey], value])),
      clients,
      now: clock.now,
      sleep: async () => {},
    };

    const refresher = makeTokenRefresherHandler(createRefresherDepsFromEnv(runtime));
    aws.registerFunction(REFRESHER, (event, context) => refresher(event, context));
    const worker = makeAuthorizerWorkerHandler(createAuthorizerWorkerDepsFromEnv(runtime));
    workerCalls = [];
    aws.registerFunction(WORKER, (event, context: Context) => {
      workerCalls.push({ via: invocationQualifier(context.invokedFunctionArn), event });
      return worker(event, context);
    });

    // The component's ticket, as the push receiver stores it; the component token follows on first use.
    stores = createComponentStores({
      dynamo: createDocumentClient(clients.dynamo),
      kms: clients.kms,
      tableName: TABLE_NAME,
      kmsKeyId: aws.kmsKeyId,
      componentAppid: COMPONENT.componentAppid,
      now: clock.now,
    });
    await sim.pushTicketNow();
    const ticket = sim.latestTicket()!;
    await stores.tickets.save({ componentVerifyTicket: ticket.ticket, createTime: ticket.createTime, receivedAtMs: clock.now() });
    // The account's refresh token, imported from api_get_authorizer_list by an operator (the unqualified function).
    const imported = await invoke(WORKER, { action: 'import' });
    expect(imported.body).toMatchObject({ listed: 1, imported: 1 });
    workerCalls = [];
  });
  afterEach(async () => {
    await sim.close();
    await aws.close();
  });

  it('answers a miss by asking the worker through its reader alias, with a token WeChat accepts, then serves it from memory', async () => {
    const reader = newReader();

    const token = await reader.getAuthorizerAccessToken(authorizerAppid);
    aws.resetStats();
    aws.resetDynamoStats();
    const again = await reader.getAuthorizerAccessToken(authorizerAppid);

    expect(sim.checkAuthorizerAccessToken(authorizerAppid, token)).toBe('ok');
    expect(workerCalls).toEqual([{ via: REFRESHER_READER_ALIAS, event: { action: 'refresh', authorizerAppid, reason: 'reader-miss' } }]);
    expect(output.logs('authorizer_access_token refreshed')).toEqual([expect.objectContaining({ authorizerAppid })]);
    expect(output.text).not.toContain(token);
    expect(tokenCalls()).toBe(1);
    expect(again).toBe(token);
    expect(aws.stats().lambda.Invoke ?? 0).toBe(0);
    expect(aws.dynamoStats().operations).toEqual({});
  });

  it('refuses a revoked authorizer once its revalidation interval has passed, without asking the worker', async () => {
    const reader = newReader();
    const token = await reader.getAuthorizerAccessToken(authorizerAppid);
    workerCalls = [];

    // Later, WeChat revokes and pushes `unauthorized`; the push receiver records it in the store.
    clock.advance(10_000);
    await sim.revokeAuthorization(authorizerAppid);
    const recorded = await stores.authorizers.revoke({ authorizerAppid, eventCreateTime: clock.nowSec });
    clock.advance(REVALIDATE_MS);
    // A token served by mistake is not printed in the failure.
    const error = await reader.getAuthorizerAccessToken(authorizerAppid).then(
      () => 'a token',
      (err: unknown) => err,
    );

    expect(recorded).toBe('revoked');
    expect(sim.checkAuthorizerAccessToken(authorizerAppid, token)).toBe('invalid');
    expect(error).toMatchObject({ name: 'AuthorizerTokenError', code: 'REVOKED', authorizerAppid });
    expect(workerCalls).toEqual([]);
  });

  it('replaces a token WeChat stopped accepting once for a thousand callers, through the reader alias', async () => {
    const reader = newReader();
    const first = await reader.getAuthorizerAccessToken(authorizerAppid);
    await refreshBehindOurBack(stores, sim, authorizerAppid);
    // The simulator accepts a superseded token for 300 s.
    clock.advance(301_000);
    expect(sim.checkAuthorizerAccessToken(authorizerAppid, first)).toBe('invalid');
    const callsBefore = tokenCalls();
    workerCalls = [];

    const used = await Promise.all(
      Array.from({ length: 1_000 }, () =>
        reader.withAuthorizerAccessToken(authorizerAppid, async (token) => {
          if (sim.checkAuthorizerAccessToken(authorizerAppid, token) !== 'ok') throw staleAnswer();
          return token;
        }),
      ),
    );

    expect(new Set(used).size).toBe(1);
    expect(sim.checkAuthorizerAccessToken(authorizerAppid, used[0]!)).toBe('ok');
    expect(workerCalls).toEqual([
      {
        via: REFRESHER_READER_ALIAS,
        event: { action: 'refresh', authorizerAppid, reason: 'invalidate', staleTokenSha256: sha256Hex(first) },
      },
    ]);
    expect(tokenCalls() - callsBefore).toBe(1);
    for (const token of [first, used[0]!]) expect(output.text).not.toContain(token);
  });

  it('lets another container reporting the same stale token afterwards cause no refresh', async () => {
    const reader = newReader();
    const first = await reader.getAuthorizerAccessToken(authorizerAppid);
    clock.advance(120_000);
    await reader.invalidate(authorizerAppid, first);
    const callsBefore = tokenCalls();

    // A container that asks the worker directly (its own check raced ours): the stored token is no longer the stale one.
    const late = await invoke(WORKER_READER, {
      action: 'refresh',
      authorizerAppid,
      reason: 'invalidate',
      staleTokenSha256: sha256Hex(first),
    });
    await newReader().invalidate(authorizerAppid, first);

    expect(late.body).toMatchObject({ status: 'fresh' });
    expect(tokenCalls()).toBe(callsBefore);
  });

  it.each([
    [{ action: 'refresh', reason: 'operator' }, 'refresh:operator'],
    [{ action: 'refresh', reason: 'schedule' }, 'refresh:schedule'],
    [{ action: 'import' }, 'import'],
  ])('refuses %j through the reader alias, calling nothing at WeChat', async (request, action) => {
    const refused = await invoke(WORKER_READER, { authorizerAppid, ...request });

    expect(refused.functionError).toBe('Unhandled');
    expect(String(refused.body.errorMessage)).toBe(
      `'${action}' is refused through qualifier '${REFRESHER_READER_ALIAS}': readers may ask for reader-miss or invalidate refreshes only`,
    );
    expect(sim.stats().calls.api_authorizer_token ?? 0).toBe(0);
    expect(sim.stats().calls.api_get_authorizer_list).toBe(1);
  });
});

/**
 * Another system refreshing the account's token with the same refresh token (as an SDK elsewhere would): WeChat then
 * retires ours after its grace period, while our store still holds it.
 */
async function refreshBehindOurBack(stores: ComponentStores, sim: WechatSim, authorizerAppid: string): Promise<void> {
  const item = await stores.authorizers.get(authorizerAppid);
  const refreshToken = await stores.authorizers.openRefreshToken(authorizerAppid, item!.refreshToken!);
  const componentToken = await stores.tokens.loadSealed();
  const componentAccessToken = await stores.tokens.open(componentToken!);
  const api = createAuthorizerApi(createWechatHttp({ baseUrl: sim.url, maxAttempts: 1 }));
  const rival = await api.refreshAuthorizerToken({
    componentAppid: COMPONENT.componentAppid,
    componentAccessToken,
    authorizerAppid,
    refreshToken,
  });
  // The rival fetch must really have replaced our token, or the test that follows proves nothing.
  expect(rival.accessToken).toBeTruthy();
}
