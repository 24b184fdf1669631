import { setTimeout as delay } from 'node:timers/promises';
import { KMSClient } from '@aws-sdk/client-kms';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { makePushReceiverHandler } from '../../functions/push-receiver/app';
import { makeTokenRefresherHandler } from '../../functions/token-refresher/app';
import { createSecretsManagerSource, type ComponentSecrets } from '../../shared/config/component-secrets';
import { createLogger, createMetrics } from '../../shared/log/observability';
import type { PushDeps } from '../../shared/push/accept-push';
import { createComponentStores, type ComponentStores } from '../../shared/store/component-stores';
import { createDocumentClient } from '../../shared/store/document-client';
import { createComponentTokenReader, type ComponentTokenReader, type ComponentTokenReaderOptions } from '../../shared/token/component-token-reader';
import { createLambdaRefreshTrigger } from '../../shared/token/lambda-refresh-trigger';
import type { RefresherDeps } from '../../shared/token/refresh-component-token';
import type { RefreshOutcome } from '../../shared/token/refresh-request';
import { createLambdaContext } from '../../local/aws/lambda-context';
import { createComponentApi, createWechatHttp } from '../../shared/wechat/component-api';
import { MAX_PUSH_BODY_BYTES } from '../../shared/wechat/push-body-limit';
import { startLocalAws, type LocalAws } from '../../local/aws/local-aws';
import { startHttpGateway, type GatewayRoute, type HttpGateway } from '../../local/runtime/http-gateway';
import { makeH5OAuthHandler } from '../../functions/h5-oauth/app';
import { createCachedSecret } from '../../shared/config/component-secrets';
import { signInStores, type OAuthDeps } from '../../shared/oauth/oauth-deps';
import { parseReturnToRules } from '../../shared/oauth/return-to';
import { createSessionTokens, sessionSigningKeyFrom } from '../../shared/oauth/session-token';
import { createSnsApi } from '../../shared/oauth/sns-api';
import { TEST_AUTHORIZER_APPID } from '../../local/wechat-sim/defaults';
import { REFRESHER_READER_ALIAS } from '../../shared/config/env-names';
import { startWechatSim, type WechatSim, type WechatSimOptions } from '../../local/wechat-sim/server';
import { FakeClock } from './fake-clock';

/** Test values; a canary check scans captured output for each of them. */
export const TEST_SECRETS: ComponentSecrets & { componentAppid: string } = {
  componentAppid: 'wx1234567890abcdef',
  appsecret: 'canary-appsecret-5f0c2e9a7b3d41e8',
  token: 'canaryMessageToken42',
  encodingAesKey: 'Canary0EncodingAesKey0For0Tests0Only0123456',
};

/** The session-signing key of the harness's h5-oauth (its own secret, as deployed). */
export const TEST_SESSION_SIGNING_KEY = 'test-session-signing-key-0123456789abcdefghijklmnop';

export const TABLE_NAME = 'wechat-component-test';
export const REFRESHER_FUNCTION = 'token-refresher';
/** What readers invoke, as grantReadComponentToken sets it in AWS: the refresher's reader alias. */
export const REFRESHER_READER = `${REFRESHER_FUNCTION}:${REFRESHER_READER_ALIAS}`;
export const PUSH_ROUTE = 'POST /wechat/component/events';

export interface Harness {
  clock: FakeClock;
  aws: LocalAws;
  sim: WechatSim;
  gateway: HttpGateway;
  dynamo: DynamoDBDocumentClient;
  kms: KMSClient;
  stores: ComponentStores;
  getSecrets: () => Promise<ComponentSecrets>;
  secretArn: string;
  pushDeps: PushDeps;
  refresherDeps: RefresherDeps;
  /** The refresher handler as the Lambda stand-in runs it. */
  refresher: ReturnType<typeof makeTokenRefresherHandler>;
  /** The H5 sign-in dependencies behind the gateway's /oauth/* routes. */
  oauthDeps: OAuthDeps;
  /** The refresher's unqualified ARN, what the schedule and operators invoke. */
  refresherArn: string;
  /** Runs the refresher handler once, as the schedule (or an operator) invokes it: unqualified. */
  runRefresher(event?: unknown): Promise<RefreshOutcome>;
  /** A new reader, as a separate container would have, reaching the refresher's reader alias through Lambda Invoke. */
  newReader(options?: Partial<ComponentTokenReaderOptions>): ComponentTokenReader;
  close(): Promise<void>;
}

export const RETURN_TO_ORIGIN = 'https://h5.example.com';
export const RETURN_TO = `${RETURN_TO_ORIGIN}/app/`;

export interface HarnessOptions {
  /** H5 sign-in settings (the harness always serves /oauth/*). */
  oauth?: { cookieBinding?: boolean; allowedReturnTo?: string[]; authorizerAppids?: string[]; sessionTtlSec?: number; loginCodeTtlMs?: number };
  sim?: Partial<WechatSimOptions>;
  refreshMarginMs?: number;
  leaseDurationMs?: number;
  apiMaxAttempts?: number;
}

/**
 * Real parts, in-process: dynalite, the KMS / Secrets Manager / Lambda stand-ins, the WeChat simulator and the
 * HTTP gateway serving the push receiver, all on one fake clock. Nothing is mocked.
 */
export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const clock = new FakeClock();
  const aws = await startLocalAws({ now: clock.now });
  await aws.createTable(TABLE_NAME);
  const secretArn = aws.putSecret('wechat-component', JSON.stringify({ appsecret: TEST_SECRETS.appsecret, token: TEST_SECRETS.token, encodingAesKey: TEST_SECRETS.encodingAesKey }));

  const dynamo = createDocumentClient(new DynamoDBClient(aws.clientConfig('dynamodb')));
  const kms = new KMSClient(aws.clientConfig('kms'));
  const componentAppid = TEST_SECRETS.componentAppid;
  const stores = createComponentStores({
    dynamo,
    kms,
    tableName: TABLE_NAME,
    kmsKeyId: aws.kmsKeyId,
    componentAppid,
    now: clock.now,
    leaseDurationMs: options.leaseDurationMs ?? 60_000,
    loginCodeTtlMs: options.oauth?.loginCodeTtlMs ?? 120_000,
  });
  const getSecrets = createSecretsManagerSource({ secretArn, client: new SecretsManagerClient(aws.clientConfig('secretsManager')), now: clock.now });

  const pushDeps: PushDeps = {
    componentAppid,
    getSecrets,
    tickets: stores.tickets,
    events: stores.events,
    audit: stores.audit,
    now: clock.now,
    logger: createLogger('push-receiver'),
    metrics: createMetrics('push-receiver'),
    maxSkewSec: 600,
    maxBodyBytes: MAX_PUSH_BODY_BYTES,
  };
  const routes: GatewayRoute[] = [{ routeKey: PUSH_ROUTE, functionName: 'push-receiver', handler: makePushReceiverHandler(pushDeps) }];
  const gateway = await startHttpGateway({ routes, now: clock.now });

  const sim = await startWechatSim({
    componentAppid,
    componentAppsecret: TEST_SECRETS.appsecret,
    token: TEST_SECRETS.token,
    encodingAesKey: TEST_SECRETS.encodingAesKey,
    pushUrl: `${gateway.url}/wechat/component/events`,
    autoPush: false,
    now: clock.now,
    ...options.sim,
  });

  const refresherDeps: RefresherDeps = {
    componentAppid,
    tokens: stores.tokens,
    tickets: stores.tickets,
    leases: stores.leases,
    guards: stores.guards,
    api: createComponentApi({ baseUrl: sim.url, maxAttempts: options.apiMaxAttempts ?? 3, sleep: async () => {} }),
    getSecrets,
    now: clock.now,
    logger: createLogger('token-refresher'),
    metrics: createMetrics('token-refresher'),
    refreshMarginMs: options.refreshMarginMs ?? 900_000,
  };
  const refresher = makeTokenRefresherHandler(refresherDeps);
  const refresherArn = aws.registerFunction(REFRESHER_FUNCTION, (event, context) => refresher(event, context));
  const lambda = new LambdaClient(aws.clientConfig('lambda'));

  const sessionSecretArn = aws.putSecret('wechat-session', TEST_SESSION_SIGNING_KEY);
  const readSessionKey = createCachedSecret(
    { secretArn: sessionSecretArn, client: new SecretsManagerClient(aws.clientConfig('secretsManager')), now: clock.now },
    sessionSigningKeyFrom,
  );
  const oauth = options.oauth ?? {};
  const oauthDeps: OAuthDeps = {
    componentAppid,
    callbackUrl: `${gateway.url}/oauth/callback`,
    openBaseUrl: sim.url,
    returnToRules: parseReturnToRules(oauth.allowedReturnTo ?? [RETURN_TO]),
    configuredAuthorizers: new Set(oauth.authorizerAppids ?? [TEST_AUTHORIZER_APPID]),
    ...signInStores(stores, clock.now),
    tokenReader: createComponentTokenReader({
      tokens: stores.tokens,
      requestRefresh: createLambdaRefreshTrigger({ functionName: REFRESHER_READER, lambda: new LambdaClient(aws.clientConfig('lambda')) }),
      now: clock.now,
    }),
    sns: createSnsApi(createWechatHttp({ baseUrl: sim.url, maxAttempts: options.apiMaxAttempts ?? 3, sleep: async () => {} })),
    getSessionTokens: async () => createSessionTokens({ signingKey: await readSessionKey(), componentAppid, ttlSec: oauth.sessionTtlSec ?? 86_400, now: clock.now }),
    cookieBinding: oauth.cookieBinding ?? true,
    stateTtlMs: 600_000,
    replayWindowMs: 300_000,
    now: clock.now,
    logger: createLogger('h5-oauth'),
    metrics: createMetrics('h5-oauth'),
  };
  const oauthHandler = makeH5OAuthHandler(oauthDeps);
  routes.push(
    { routeKey: 'GET /oauth/start', functionName: 'h5-oauth', handler: oauthHandler },
    { routeKey: 'GET /oauth/callback', functionName: 'h5-oauth', handler: oauthHandler },
    { routeKey: 'ANY /oauth/session', functionName: 'h5-oauth', handler: oauthHandler },
  );

  return {
    clock,
    oauthDeps,
    aws,
    sim,
    gateway,
    dynamo,
    kms,
    stores,
    getSecrets,
    secretArn,
    pushDeps,
    refresherDeps,
    refresher,
    refresherArn,
    runRefresher: (event = { action: 'refresh', reason: 'schedule' }) =>
      refresher(event, createLambdaContext({ functionName: REFRESHER_FUNCTION, invokedFunctionArn: refresherArn, timeoutMs: 60_000, now: clock.now })),
    newReader: (readerOptions = {}) =>
      createComponentTokenReader({
        tokens: stores.tokens,
        requestRefresh: createLambdaRefreshTrigger({ functionName: REFRESHER_READER, lambda }),
        now: clock.now,
        pollIntervalMs: 20,
        // Waiting moves the fake clock, so bounded waits are bounded in simulated time too.
        sleep: async (ms) => {
          clock.advance(ms);
          await delay(2);
        },
        ...readerOptions,
      }),
    close: async () => {
      await sim.close();
      await gateway.close();
      await aws.close();
    },
  };
}
