/**
 * The service as a simulated day runs it: dynalite behind its counting front, the KMS / Secrets Manager / Lambda / SQS
 * stand-ins, the WeChat simulator and the push route, all on one fake clock. Every function is wired by its production
 * factory (`create*DepsFromEnv`) and reached the way AWS reaches it: the schedules and operators through Lambda Invoke,
 * WeChat's pushes through the HTTP route, the authorizer worker through its SQS event source and, for readers, its
 * `reader` alias.
 */
import { setImmediate as yieldToIo } from 'node:timers/promises';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { InvokeCommand } from '@aws-sdk/client-lambda';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Context } from 'aws-lambda';
import { makeAuthorizerWorkerHandler } from '../../functions/authorizer-worker/app';
import { createAuthorizerWorkerDepsFromEnv } from '../../functions/authorizer-worker/deps';
import { makePushReceiverHandler } from '../../functions/push-receiver/app';
import { createPushDepsFromEnv } from '../../functions/push-receiver/deps';
import { makeTokenRefresherHandler } from '../../functions/token-refresher/app';
import { createRefresherDepsFromEnv } from '../../functions/token-refresher/deps';
import { type LocalAws, type SqsEventSource, startLocalAws } from '../../local/aws/local-aws';
import { localAwsClients } from '../../local/aws/local-aws-clients';
import { type HttpGateway, startHttpGateway } from '../../local/runtime/http-gateway';
import { SERVICE_TABLE } from '../../local/runtime/service-table';
import { startWechatSim, type WechatSim } from '../../local/wechat-sim/server';
import { ENV, type EnvKey, REFRESHER_READER_ALIAS, ROUTES } from '../../shared/contract';
import type { RuntimeOptions } from '../../shared/runtime/runtime-options';
import { type ComponentStores, createComponentStores } from '../../shared/store/component-stores';
import { createDocumentClient } from '../../shared/store/document-client';
import { type AuthorizerTokenReader, createAuthorizerTokenReaderFromEnv } from '../../shared/token';
import { FakeClock } from '../../test/support/fake-clock';
import { TEST_SECRETS } from '../../test/support/test-secrets';
import { crashAfterFirst } from './worker-crash';

export const DAY_TABLE_NAME = 'wechat-component-day';
const WORKER = 'authorizer-worker';
const REFRESHER = 'token-refresher';
/** As the construct sets them (infra/component): the worker's 5-minute timeout, the queue's visibility 6 x that, dead
 * letters after 5 receives. */
const WORKER_TIMEOUT_SEC = 300;
const VISIBILITY_TIMEOUT_SEC = 6 * WORKER_TIMEOUT_SEC;
const MAX_RECEIVE_COUNT = 5;

export interface DaySystemOptions {
  /** Accounts WeChat knows, never authorized yet: they can authorize during the day. @default none */
  authorizationAccounts?: string[];
  /** Worker invocations in flight at most (the event source's maximum concurrency). @default 5 */
  workerConcurrency?: number;
  /** How often a reader looks at the store again for a token it holds. @default 60000 */
  readerRevalidateMs?: number;
}

export interface DaySystem {
  clock: FakeClock;
  aws: LocalAws;
  sim: WechatSim;
  /** The worker's SQS trigger (batch 10, bounded concurrency, batch item failures). */
  jobs: SqsEventSource;
  queueUrl: string;
  deadLetterQueueUrl: string;
  sqs: SQSClient;
  /** The low-level DynamoDB client the functions share, to look at raw items after the day. */
  dynamoClient: DynamoDBClient;
  componentAppid: string;
  /** Invokes a function through Lambda Invoke, unqualified (schedules, operators); throws on a function error. */
  invoke(functionName: 'authorizer-worker' | 'token-refresher', payload: unknown): Promise<unknown>;
  /** A reader as another Lambda's container has it, reaching the worker through its reader alias. */
  newReader(): AuthorizerTokenReader;
  /** The stores as the functions have them, to look behind the handlers after the day. */
  stores: ComponentStores;
  /** The next worker invocation that runs jobs dies right after its first api_authorizer_token answer arrives. */
  crashNextJobInvocation(): void;
  /** The authorizer whose token WeChat issued to the container that died; null before a crash. */
  crashVictim(): string | null;
  /** Worker containers started so far (each has its own caches, as in Lambda). */
  workerContainers(): number;
  close(): Promise<void>;
}

/** Starts every part; the table is empty and the simulator knows no account yet. */
export async function startDaySystem(options: DaySystemOptions = {}): Promise<DaySystem> {
  const clock = new FakeClock();
  const aws = await startLocalAws({ now: clock.now });
  await aws.createTable(DAY_TABLE_NAME, SERVICE_TABLE);
  const componentAppid = TEST_SECRETS.componentAppid;
  const secretArn = aws.putSecret(
    'wechat-component',
    JSON.stringify({ appsecret: TEST_SECRETS.appsecret, token: TEST_SECRETS.token, encodingAesKey: TEST_SECRETS.encodingAesKey }),
  );
  const deadLetters = aws.createQueue('authorizer-jobs-dlq');
  const queue = aws.createQueue('authorizer-jobs', {
    visibilityTimeoutSec: VISIBILITY_TIMEOUT_SEC,
    redrivePolicy: { deadLetterTargetArn: deadLetters.arn, maxReceiveCount: MAX_RECEIVE_COUNT },
  });
  const routes: Parameters<typeof startHttpGateway>[0]['routes'] = [];
  const gateway: HttpGateway = await startHttpGateway({ routes, now: clock.now });
  const sim = await startWechatSim({
    componentAppid,
    componentAppsecret: TEST_SECRETS.appsecret,
    token: TEST_SECRETS.token,
    encodingAesKey: TEST_SECRETS.encodingAesKey,
    pushUrl: `${gateway.url}${ROUTES.pushEvents}`,
    autoPush: false,
    now: clock.now,
    authorizationAccounts: options.authorizationAccounts ?? [],
  });

  const env = environment({
    componentAppid,
    secretArn,
    tableName: DAY_TABLE_NAME,
    kmsKeyId: aws.kmsKeyId,
    apiBase: sim.url,
    refresherFunction: `${REFRESHER}:${REFRESHER_READER_ALIAS}`,
    authorizerJobsQueueUrl: queue.url,
    authorizerWorkerFunction: `${WORKER}:${REFRESHER_READER_ALIAS}`,
    authorizationPageUrl: 'https://auth.example.com/authorize',
    authorizationLinkSecretArn: aws.putSecret('wechat-authorization-link', 'authorization-link-secret-of-the-day-0123456789'),
  });
  const clients = localAwsClients(aws);
  // WeChat retry backoffs do not move the clock: the simulator answers at once, and a day has no room for real waits.
  const runtime: RuntimeOptions = { env, clients, now: clock.now, sleep: () => yieldToIo() };

  routes.push({
    routeKey: `POST ${ROUTES.pushEvents}`,
    functionName: 'push-receiver',
    handler: makePushReceiverHandler(createPushDepsFromEnv(runtime)),
  });
  aws.registerFunction(REFRESHER, makeTokenRefresherHandler(createRefresherDepsFromEnv(runtime)));

  // Lambda runs each concurrent invocation in a container of its own, with its own caches (data keys, component
  // token): a pool of handlers, each built by the production factory, grows to the concurrency actually reached.
  type WorkerHandler = (event: unknown, context: Context) => Promise<unknown>;
  const idle: WorkerHandler[] = [];
  let containers = 0;
  let crashPending = false;
  let crashVictim: string | null = null;
  const newContainer = (crash: boolean): { handler: WorkerHandler; crashed?: Promise<void> } => {
    containers += 1;
    const deps = createAuthorizerWorkerDepsFromEnv(runtime);
    if (!crash) return { handler: makeAuthorizerWorkerHandler(deps) };
    const dying = crashAfterFirst(deps, ['authorizers', 'codes', 'due', 'jobs', 'api', 'componentToken'], {
      group: 'api',
      method: 'refreshAuthorizerToken',
      onCrash: (args) => {
        crashVictim = String((args[0] as { authorizerAppid?: unknown }).authorizerAppid);
      },
    });
    return { handler: makeAuthorizerWorkerHandler(dying.deps), crashed: dying.crashed };
  };
  aws.registerFunction(
    WORKER,
    async (event, context) => {
      const isJobBatch = typeof event === 'object' && event !== null && 'Records' in event;
      if (crashPending && isJobBatch) {
        crashPending = false;
        // The container dies mid-batch: what it did before stays done, the rest never happens, nothing is deleted.
        const { handler, crashed } = newContainer(true);
        await Promise.race([handler(event, context as Context), crashed]);
        throw Object.assign(new Error('the worker container exited mid-invocation'), { name: 'Runtime.ExitError' });
      }
      const handler = idle.pop() ?? newContainer(false).handler;
      try {
        return await handler(event, context as Context);
      } finally {
        idle.push(handler);
      }
    },
    { timeoutSec: WORKER_TIMEOUT_SEC },
  );
  const jobs = aws.addSqsEventSource({
    queue: queue.url,
    functionName: WORKER,
    batchSize: 10,
    maxConcurrency: options.workerConcurrency ?? 5,
    reportBatchItemFailures: true,
  });

  const invoke = async (functionName: string, payload: unknown): Promise<unknown> => {
    const out = await clients.lambda.send(new InvokeCommand({ FunctionName: functionName, Payload: JSON.stringify(payload) }));
    const answer = JSON.parse(Buffer.from(out.Payload ?? new Uint8Array()).toString('utf8') || 'null') as unknown;
    if (out.FunctionError) throw new Error(`${functionName} failed: ${JSON.stringify(answer)}`);
    return answer;
  };

  return {
    clock,
    aws,
    sim,
    jobs,
    queueUrl: queue.url,
    deadLetterQueueUrl: deadLetters.url,
    sqs: clients.sqs,
    dynamoClient: clients.dynamo,
    componentAppid,
    invoke,
    newReader: () =>
      createAuthorizerTokenReaderFromEnv({
        env,
        clients,
        now: clock.now,
        revalidateAfterMs: options.readerRevalidateMs ?? 60_000,
        pollIntervalMs: 200,
        // A reader waiting for a refresh waits in simulated time.
        sleep: async (ms) => {
          clock.advance(ms);
          await yieldToIo();
        },
      }),
    stores: createComponentStores({
      dynamo: createDocumentClient(clients.dynamo),
      kms: clients.kms,
      tableName: DAY_TABLE_NAME,
      kmsKeyId: aws.kmsKeyId,
      componentAppid,
      now: clock.now,
    }),
    crashNextJobInvocation: () => {
      crashPending = true;
    },
    crashVictim: () => crashVictim,
    workerContainers: () => containers,
    close: async () => {
      await sim.close();
      await gateway.close();
      await aws.close();
      for (const client of Object.values(clients)) client.destroy();
    },
  };
}

/** An environment as the construct sets it: each given setting under its variable name. */
function environment(settings: Partial<Record<EnvKey, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(settings).map(([key, value]) => [ENV[key as EnvKey], value]));
}
