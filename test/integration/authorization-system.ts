/**
 * The authorization page with the real parts around it, in-process, on one fake clock: dynalite with the service
 * table and its indexes, the KMS / Secrets Manager / Lambda / SQS stand-ins, the WeChat simulator pushing to the push
 * receiver, the authorizer worker behind the job queue, the token refresher, and an HTTP gateway serving the push
 * route and both authorization routes. Every function is wired by its production factory from an environment that
 * points at these parts.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { KMSClient } from '@aws-sdk/client-kms';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { makeAuthorizationPageHandler } from '../../functions/authorization-page/app';
import { createAuthorizationPageDepsFromEnv } from '../../functions/authorization-page/deps';
import { makeAuthorizerWorkerHandler } from '../../functions/authorizer-worker/app';
import { createAuthorizerWorkerDepsFromEnv } from '../../functions/authorizer-worker/deps';
import { makePushReceiverHandler } from '../../functions/push-receiver/app';
import { createPushDepsFromEnv } from '../../functions/push-receiver/deps';
import { makeTokenRefresherHandler } from '../../functions/token-refresher/app';
import { createRefresherDepsFromEnv } from '../../functions/token-refresher/deps';
import { createLambdaContext } from '../../local/aws/lambda-context';
import { startLocalAws, type GlobalSecondaryIndexSpec, type LocalAws, type SqsEventSource } from '../../local/aws/local-aws';
import { startHttpGateway, type GatewayRoute, type HttpGateway } from '../../local/runtime/http-gateway';
import { startWechatSim, type WechatSim, type WechatSimOptions } from '../../local/wechat-sim/server';
import { ENV, REFRESHER_READER_ALIAS, ROUTES, TABLE_INDEXES, type EnvKey } from '../../shared/contract';
import type { RuntimeOptions } from '../../shared/runtime/runtime-options';
import { createComponentStores, type ComponentStores } from '../../shared/store/component-stores';
import { createDocumentClient } from '../../shared/store/document-client';
import { FakeClock } from '../support/fake-clock';
import { TEST_SECRETS } from '../support/harness';

export const TABLE_NAME = 'wechat-component-authorization-test';
/** The link secret of these tests; a canary for logs and pages. */
export const LINK_SECRET = 'canary-authorization-link-secret-7c41e0a9d2b85f36';
const REFRESHER = 'token-refresher';
const WORKER = 'authorizer-worker';

export interface AuthorizationSystemOptions {
  sim?: Partial<WechatSimOptions>;
  pageMode?: 'signed' | 'open';
  preAuthCodesPerMinute?: number;
  /** Let the functions log and publish metrics (to stdout), for tests that capture them. @default false: a passing run is quiet */
  logs?: boolean;
}

export interface AuthorizationSystem {
  clock: FakeClock;
  aws: LocalAws;
  sim: WechatSim;
  gateway: HttpGateway;
  stores: ComponentStores;
  /** The SQS trigger of the authorizer worker; tests drain it when they want the worker to run. */
  jobs: SqsEventSource;
  pageUrl: string;
  callbackUrl: string;
  /** Invokes the authorizer worker as `aws lambda invoke` does: unqualified, or through `qualifier`. */
  invokeWorker(payload: unknown, qualifier?: string): Promise<{ payload: unknown; functionError?: string }>;
  /** An operator's link, made by the worker's authorization-link action. */
  makeLink(request?: Record<string, unknown>): Promise<string>;
  /** Runs the worker on every queued job until the queue is empty. */
  drainJobs(): Promise<void>;
  close(): Promise<void>;
}

/** The table's indexes as the construct declares them: sparse, keys only. */
function serviceIndexes(): GlobalSecondaryIndexSpec[] {
  return [
    { indexName: TABLE_INDEXES.due.indexName, partitionKey: { name: TABLE_INDEXES.due.partitionKey, type: 'S' }, sortKey: { name: TABLE_INDEXES.due.sortKey, type: 'N' }, projection: 'KEYS_ONLY' },
    { indexName: TABLE_INDEXES.status.indexName, partitionKey: { name: TABLE_INDEXES.status.partitionKey, type: 'S' }, sortKey: { name: TABLE_INDEXES.status.sortKey, type: 'S' }, projection: 'KEYS_ONLY' },
  ];
}

export async function startAuthorizationSystem(options: AuthorizationSystemOptions = {}): Promise<AuthorizationSystem> {
  // Read by Powertools when each function's logger and metrics are made, below.
  process.env.POWERTOOLS_LOG_LEVEL = options.logs ? 'INFO' : 'SILENT';
  process.env.POWERTOOLS_METRICS_DISABLED = options.logs ? 'false' : 'true';
  const clock = new FakeClock();
  const aws = await startLocalAws({ now: clock.now });
  await aws.createTable(TABLE_NAME, { globalSecondaryIndexes: serviceIndexes() });
  const secretArn = aws.putSecret('wechat-component', JSON.stringify({ appsecret: TEST_SECRETS.appsecret, token: TEST_SECRETS.token, encodingAesKey: TEST_SECRETS.encodingAesKey }));
  const linkSecretArn = aws.putSecret('wechat-authorization-link', LINK_SECRET);
  const queue = aws.createQueue('authorizer-jobs', { visibilityTimeoutSec: 360 });
  const { componentAppid } = TEST_SECRETS;

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
  const pageUrl = `${gateway.url}${ROUTES.authorizationPage}`;
  const callbackUrl = `${gateway.url}${ROUTES.authorizationCallback}`;
  const settings: Partial<Record<EnvKey, string>> = {
    componentAppid,
    secretArn,
    tableName: TABLE_NAME,
    kmsKeyId: aws.kmsKeyId,
    apiBase: sim.url,
    openBase: sim.url,
    mpBase: sim.url,
    refresherFunction: `${REFRESHER}:${REFRESHER_READER_ALIAS}`,
    authorizerJobsQueueUrl: queue.url,
    authorizationPageUrl: pageUrl,
    authorizationCallbackUrl: callbackUrl,
    authorizationLinkSecretArn: linkSecretArn,
    authorizationPageMode: options.pageMode ?? 'signed',
    preAuthCodesPerMinute: String(options.preAuthCodesPerMinute ?? 20),
  };
  const env = Object.fromEntries(Object.entries(settings).map(([key, value]) => [ENV[key as EnvKey], value]));
  const clients = {
    dynamo: new DynamoDBClient(aws.clientConfig('dynamodb')),
    kms: new KMSClient(aws.clientConfig('kms')),
    secretsManager: new SecretsManagerClient(aws.clientConfig('secretsManager')),
    lambda: new LambdaClient(aws.clientConfig('lambda')),
    sqs: new SQSClient(aws.clientConfig('sqs')),
  };
  // WeChat retries and the callback's reads wait a moment of real time (so concurrent work can progress), never long.
  const runtime: RuntimeOptions = { env, clients, now: clock.now, sleep: (ms) => delay(Math.min(ms, 5)) };

  const refresher = makeTokenRefresherHandler(createRefresherDepsFromEnv(runtime));
  const refresherArn = aws.registerFunction(REFRESHER, (event, context) => refresher(event, context));
  aws.registerFunction(WORKER, makeAuthorizerWorkerHandler(createAuthorizerWorkerDepsFromEnv(runtime)), { timeoutSec: 60 });
  const jobs = aws.addSqsEventSource({ queue: queue.url, functionName: WORKER, batchSize: 10, maxConcurrency: 5, reportBatchItemFailures: true });
  const page = makeAuthorizationPageHandler(createAuthorizationPageDepsFromEnv(runtime));
  routes.push(
    { routeKey: `POST ${ROUTES.pushEvents}`, functionName: 'push-receiver', handler: makePushReceiverHandler(createPushDepsFromEnv(runtime)) },
    { routeKey: `ANY ${ROUTES.authorizationPage}`, functionName: 'authorization-page', handler: page },
    { routeKey: `ANY ${ROUTES.authorizationCallback}`, functionName: 'authorization-page', handler: page },
  );

  // The component token, as in AWS: a ticket pushed and stored, then the scheduled refresher.
  await sim.pushTicketNow();
  await refresher({ action: 'refresh', reason: 'schedule' }, createLambdaContext({ functionName: REFRESHER, invokedFunctionArn: refresherArn, timeoutMs: 60_000, now: clock.now }));

  const stores = createComponentStores({ dynamo: createDocumentClient(clients.dynamo), kms: clients.kms, tableName: TABLE_NAME, kmsKeyId: aws.kmsKeyId, componentAppid, now: clock.now });

  const invokeWorker = async (payload: unknown, qualifier?: string) => {
    const out = await clients.lambda.send(new InvokeCommand({ FunctionName: WORKER, ...(qualifier ? { Qualifier: qualifier } : {}), Payload: JSON.stringify(payload) }));
    const text = out.Payload ? Buffer.from(out.Payload).toString('utf8') : 'null';
    return { payload: JSON.parse(text) as unknown, ...(out.FunctionError ? { functionError: out.FunctionError } : {}) };
  };

  return {
    clock,
    aws,
    sim,
    gateway,
    stores,
    jobs,
    pageUrl,
    callbackUrl,
    invokeWorker,
    async makeLink(request = { authType: 3 }) {
      const out = await invokeWorker({ action: 'authorization-link', ...request });
      if (out.functionError) throw new Error(`the worker refused to make a link: ${JSON.stringify(out.payload)}`);
      return (out.payload as { url: string }).url;
    },
    async drainJobs() {
      await jobs.drain();
    },
    async close() {
      await sim.close();
      await gateway.close();
      await aws.close();
    },
  };
}

/** The simulator's api_create_preauthcode and api_query_auth call counts. */
export function wechatCalls(sim: WechatSim): { preAuthCodes: number; queryAuth: number } {
  const { calls } = sim.stats();
  return { preAuthCodes: calls.api_create_preauthcode ?? 0, queryAuth: calls.api_query_auth ?? 0 };
}

/** `count` official-account appids for the simulator's authorizationAccounts, distinct per `prefix`. */
export function accountAppids(count: number, prefix = 'a'): string[] {
  return Array.from({ length: count }, (_, i) => `wx${prefix}${String(i).padStart(15, '0')}`);
}
