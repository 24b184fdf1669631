import { setTimeout as delay } from 'node:timers/promises';
import type { KMSClient } from '@aws-sdk/client-kms';
import { InvokeCommand } from '@aws-sdk/client-lambda';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { makeAuthorizationPageHandler } from '../../functions/authorization-page/app';
import { createAuthorizationPageDepsFromEnv } from '../../functions/authorization-page/deps';
import { type AuthorizerWorkerDeps, makeAuthorizerWorkerHandler } from '../../functions/authorizer-worker/app';
import { createAuthorizerWorkerDepsFromEnv } from '../../functions/authorizer-worker/deps';
import { makeH5OAuthHandler } from '../../functions/h5-oauth/app';
import { createH5OAuthDepsFromEnv } from '../../functions/h5-oauth/deps';
import { makePushReceiverHandler } from '../../functions/push-receiver/app';
import { createPushDepsFromEnv } from '../../functions/push-receiver/deps';
import { makeTokenRefresherHandler } from '../../functions/token-refresher/app';
import { createRefresherDepsFromEnv } from '../../functions/token-refresher/deps';
import { createLambdaContext } from '../../local/aws/lambda-context';
import { type LocalAws, type SqsEventSource, startLocalAws } from '../../local/aws/local-aws';
import { localAwsClients } from '../../local/aws/local-aws-clients';
import { type GatewayRoute, type HttpGateway, startHttpGateway } from '../../local/runtime/http-gateway';
import { SERVICE_TABLE } from '../../local/runtime/service-table';
import { TEST_AUTHORIZER_APPID } from '../../local/wechat-sim/defaults';
import { startWechatSim, type WechatSim, type WechatSimOptions } from '../../local/wechat-sim/server';
import type { ComponentSecrets } from '../../shared/config/component-secrets';
import { ENV, type EnvKey, REFRESHER_READER_ALIAS, ROUTES } from '../../shared/contract';
import type { H5OAuthDeps } from '../../shared/h5-oauth/h5-oauth-deps';
import type { PushDeps } from '../../shared/push/accept-push';
import type { RuntimeOptions } from '../../shared/runtime/runtime-options';
import { type ComponentStores, createComponentStores } from '../../shared/store/component-stores';
import { createDocumentClient } from '../../shared/store/document-client';
import {
  type ComponentTokenReader,
  type ComponentTokenReaderOptions,
  createComponentTokenReader,
} from '../../shared/token/component-token-reader';
import { createLambdaRefreshTrigger } from '../../shared/token/lambda-refresh-trigger';
import type { RefresherDeps } from '../../shared/token/refresh-component-token';
import type { RefreshOutcome } from '../../shared/token/refresh-request';
import { FakeClock } from './fake-clock';
import { TEST_SECRETS } from './test-secrets';

export { TEST_SECRETS } from './test-secrets';

/** The session-signing key of the harness's h5-oauth (its own secret, as deployed). */
export const TEST_SESSION_SIGNING_KEY = 'test-session-signing-key-0123456789abcdefghijklmnop';

export const TABLE_NAME = 'wechat-component-test';
export const REFRESHER_FUNCTION = 'token-refresher';
/** What readers invoke, as grantReadComponentToken sets it in AWS: the refresher's reader alias. */
export const REFRESHER_READER = `${REFRESHER_FUNCTION}:${REFRESHER_READER_ALIAS}`;
export const WORKER_FUNCTION = 'authorizer-worker';
/** The authorization-link secret of the harness; a canary for logs and pages. */
export const LINK_SECRET = 'canary-authorization-link-secret-7c41e0a9d2b85f36';
export const PUSH_ROUTE = `POST ${ROUTES.pushEvents}`;

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
  /** The h5-oauth dependencies behind the gateway's /oauth/* routes. */
  h5OAuthDeps: H5OAuthDeps;
  /** The refresher's unqualified ARN, what the schedule and operators invoke. */
  refresherArn: string;
  /** Runs the refresher handler once, as the schedule (or an operator) invokes it: unqualified. */
  runRefresher(event?: unknown): Promise<RefreshOutcome>;
  /** A new reader, as a separate container would have, reaching the refresher's reader alias through Lambda Invoke. */
  newReader(options?: Partial<ComponentTokenReaderOptions>): ComponentTokenReader;
  /** The authorizer worker's dependencies, as its production factory built them (for tests that run its core directly). */
  workerDeps: AuthorizerWorkerDeps;
  /** The SQS trigger of the authorizer worker: jobs wait in the queue until a test drains it (or starts polling). */
  jobs: SqsEventSource;
  /** Runs the worker on every queued job until the queue is empty. */
  drainJobs(): Promise<void>;
  /** Invokes the authorizer worker as `aws lambda invoke` does: unqualified, or through `qualifier`. */
  invokeWorker(payload: unknown, qualifier?: string): Promise<{ payload: unknown; functionError?: string }>;
  /** An operator's authorization link, made by the worker's authorization-link action. */
  makeLink(request?: Record<string, unknown>): Promise<string>;
  /** GET /authorize and its callback, as the gateway serves them. */
  pageUrl: string;
  callbackUrl: string;
  /** The environment every function was wired from (names of the local parts and settings, no endpoints). */
  env: Record<string, string>;
  close(): Promise<void>;
}

/** The longest real wait of the handlers' sleep: a replayed callback's poll interval, so it still waits 4 s in all. */
const MAX_REAL_WAIT_MS = 100;

export const RETURN_TO_ORIGIN = 'https://h5.example.com';
export const RETURN_TO = `${RETURN_TO_ORIGIN}/app/`;

export interface HarnessOptions {
  /** h5-oauth settings (the harness always serves /oauth/*). */
  oauth?: {
    cookieBinding?: boolean;
    allowedReturnTo?: string[];
    authorizerAppids?: string[];
    sessionTtlSec?: number;
    loginCodeTtlMs?: number;
  };
  sim?: Partial<WechatSimOptions>;
  refreshMarginMs?: number;
  leaseDurationMs?: number;
  apiMaxAttempts?: number;
  /** The authorization page's settings. */
  authorization?: { pageMode?: 'signed' | 'open'; preAuthCodesPerMinute?: number };
}

/**
 * Real parts, in-process: dynalite, the KMS / Secrets Manager / Lambda stand-ins, the WeChat simulator and the
 * HTTP gateway serving the push receiver and h5-oauth, all on one fake clock. Nothing is mocked, and every handler is
 * wired by its production factory (`create*DepsFromEnv`) from an environment that points at these parts.
 */
export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const clock = new FakeClock();
  const aws = await startLocalAws({ now: clock.now });
  await aws.createTable(TABLE_NAME, SERVICE_TABLE);
  const secretArn = aws.putSecret(
    'wechat-component',
    JSON.stringify({ appsecret: TEST_SECRETS.appsecret, token: TEST_SECRETS.token, encodingAesKey: TEST_SECRETS.encodingAesKey }),
  );
  const sessionSecretArn = aws.putSecret('wechat-session', TEST_SESSION_SIGNING_KEY);
  const linkSecretArn = aws.putSecret('wechat-authorization-link', LINK_SECRET);
  const queue = aws.createQueue('authorizer-jobs', { visibilityTimeoutSec: 360 });
  const componentAppid = TEST_SECRETS.componentAppid;

  const routes: GatewayRoute[] = [];
  const gateway = await startHttpGateway({ routes, now: clock.now });
  const sim = await startWechatSim({
    componentAppid,
    componentAppsecret: TEST_SECRETS.appsecret,
    token: TEST_SECRETS.token,
    encodingAesKey: TEST_SECRETS.encodingAesKey,
    pushUrl: `${gateway.url}${ROUTES.pushEvents}`,
    autoPush: false,
    now: clock.now,
    ...options.sim,
  });

  const oauth = options.oauth ?? {};
  const authorization = options.authorization ?? {};
  const pageUrl = `${gateway.url}${ROUTES.authorizationPage}`;
  const callbackUrl = `${gateway.url}${ROUTES.authorizationCallback}`;
  const seconds = (ms: number | undefined) => (ms === undefined ? undefined : String(ms / 1000));
  const env = environment({
    componentAppid,
    secretArn,
    tableName: TABLE_NAME,
    kmsKeyId: aws.kmsKeyId,
    apiBase: sim.url,
    openBase: sim.url,
    mpBase: sim.url,
    apiMaxAttempts: options.apiMaxAttempts === undefined ? undefined : String(options.apiMaxAttempts),
    refresherFunction: REFRESHER_READER,
    refreshMarginSec: seconds(options.refreshMarginMs),
    refreshLeaseSec: seconds(options.leaseDurationMs),
    authorizerAppids: (oauth.authorizerAppids ?? [TEST_AUTHORIZER_APPID]).join(','),
    h5OAuthSessionSecretArn: sessionSecretArn,
    h5OAuthCallbackUrl: `${gateway.url}${ROUTES.h5OAuthCallback}`,
    h5OAuthAllowedReturnTo: (oauth.allowedReturnTo ?? [RETURN_TO]).join(','),
    h5OAuthCookieBinding: oauth.cookieBinding === false ? 'off' : 'on',
    h5OAuthLoginCodeTtlSec: seconds(oauth.loginCodeTtlMs),
    h5OAuthSessionTtlSec: oauth.sessionTtlSec === undefined ? undefined : String(oauth.sessionTtlSec),
    authorizerJobsQueueUrl: queue.url,
    authorizationPageUrl: pageUrl,
    authorizationCallbackUrl: callbackUrl,
    authorizationLinkSecretArn: linkSecretArn,
    authorizationPageMode: authorization.pageMode ?? 'signed',
    preAuthCodesPerMinute: String(authorization.preAuthCodesPerMinute ?? 20),
  });
  const clients = localAwsClients(aws);
  // Waits are real, since they let work that runs concurrently for real go on (a replayed callback polls for the
  // outcome of the first one), but short: the simulator answers at once, so WeChat retries need no backoff.
  const runtime: RuntimeOptions = { env, clients, now: clock.now, sleep: (ms) => delay(Math.min(ms, MAX_REAL_WAIT_MS)) };

  const pushDeps = createPushDepsFromEnv(runtime);
  const refresherDeps = createRefresherDepsFromEnv(runtime);
  const h5OAuthDeps = createH5OAuthDepsFromEnv(runtime);
  const refresher = makeTokenRefresherHandler(refresherDeps);
  const refresherArn = aws.registerFunction(REFRESHER_FUNCTION, (event, context) => refresher(event, context));
  const h5OAuthHandler = makeH5OAuthHandler(h5OAuthDeps);
  const workerDeps = createAuthorizerWorkerDepsFromEnv(runtime);
  aws.registerFunction(WORKER_FUNCTION, makeAuthorizerWorkerHandler(workerDeps), { timeoutSec: 60 });
  const jobs = aws.addSqsEventSource({
    queue: queue.url,
    functionName: WORKER_FUNCTION,
    batchSize: 10,
    maxConcurrency: 5,
    reportBatchItemFailures: true,
  });
  const page = makeAuthorizationPageHandler(createAuthorizationPageDepsFromEnv(runtime));
  routes.push(
    { routeKey: PUSH_ROUTE, functionName: 'push-receiver', handler: makePushReceiverHandler(pushDeps) },
    { routeKey: `GET ${ROUTES.h5OAuthStart}`, functionName: 'h5-oauth', handler: h5OAuthHandler },
    { routeKey: `GET ${ROUTES.h5OAuthCallback}`, functionName: 'h5-oauth', handler: h5OAuthHandler },
    { routeKey: `ANY ${ROUTES.h5OAuthSession}`, functionName: 'h5-oauth', handler: h5OAuthHandler },
    { routeKey: `ANY ${ROUTES.authorizationPage}`, functionName: 'authorization-page', handler: page },
    { routeKey: `ANY ${ROUTES.authorizationCallback}`, functionName: 'authorization-page', handler: page },
  );
  const invokeWorker = async (payload: unknown, qualifier?: string) => {
    const out = await clients.lambda.send(
      new InvokeCommand({
        FunctionName: WORKER_FUNCTION,
        ...(qualifier ? { Qualifier: qualifier } : {}),
        Payload: JSON.stringify(payload),
      }),
    );
    const text = out.Payload ? Buffer.from(out.Payload).toString('utf8') : 'null';
    return { payload: JSON.parse(text) as unknown, ...(out.FunctionError ? { functionError: out.FunctionError } : {}) };
  };

  // For tests that look behind the handlers: the same stores and clients, as the functions have them.
  const dynamo = createDocumentClient(clients.dynamo);
  const stores = createComponentStores({
    dynamo,
    kms: clients.kms,
    tableName: TABLE_NAME,
    kmsKeyId: aws.kmsKeyId,
    componentAppid,
    now: clock.now,
    leaseDurationMs: options.leaseDurationMs ?? 60_000,
    loginCodeTtlMs: oauth.loginCodeTtlMs ?? 120_000,
  });
  const kms = clients.kms;
  const lambda = clients.lambda;
  const getSecrets = pushDeps.getSecrets;

  return {
    clock,
    h5OAuthDeps,
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
      refresher(
        event,
        createLambdaContext({ functionName: REFRESHER_FUNCTION, invokedFunctionArn: refresherArn, timeoutMs: 60_000, now: clock.now }),
      ),
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
    workerDeps,
    jobs,
    drainJobs: async () => {
      await jobs.drain();
    },
    invokeWorker,
    async makeLink(request = { authType: 3 }) {
      const out = await invokeWorker({ action: 'authorization-link', ...request });
      if (out.functionError) throw new Error(`the worker refused to make a link: ${JSON.stringify(out.payload)}`);
      return (out.payload as { url: string }).url;
    },
    pageUrl,
    callbackUrl,
    env,
    close: async () => {
      await sim.close();
      await gateway.close();
      await aws.close();
    },
  };
}

/** An environment as the construct sets it: each given setting under its variable name, unset ones left out. */
function environment(settings: Partial<Record<EnvKey, string | undefined>>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(settings)) if (value !== undefined) env[ENV[key as EnvKey]] = value;
  return env;
}
