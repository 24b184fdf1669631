import { InvokeCommand } from '@aws-sdk/client-lambda';
import { makeAuthorizationPageHandler } from '../../functions/authorization-page/app';
import { createAuthorizationPageDepsFromEnv } from '../../functions/authorization-page/deps';
import { makeAuthorizerWorkerHandler } from '../../functions/authorizer-worker/app';
import { createAuthorizerWorkerDepsFromEnv } from '../../functions/authorizer-worker/deps';
import { makeH5OAuthHandler } from '../../functions/h5-oauth/app';
import { createH5OAuthDepsFromEnv } from '../../functions/h5-oauth/deps';
import { makePushReceiverHandler } from '../../functions/push-receiver/app';
import { createPushDepsFromEnv } from '../../functions/push-receiver/deps';
import { makeTokenRefresherHandler } from '../../functions/token-refresher/app';
import { createRefresherDepsFromEnv } from '../../functions/token-refresher/deps';
import { ROUTES } from '../../shared/contract';
import type { AwsClients, RuntimeOptions } from '../../shared/runtime/runtime-options';
import type { LocalAws, SqsEventSource } from '../aws/local-aws';
import type { GatewayRoute } from './http-gateway';
import { REFRESHER_FUNCTION, WORKER_FUNCTION } from './local-environment';

export const JOBS_QUEUE = 'wechat-component-authorizer-jobs';

/** The functions of the service, wired by their production factories and reachable as in AWS. */
export interface LocalFunctions {
  /** The HTTP API's routes to the push receiver, h5-oauth and the authorization page. */
  routes: GatewayRoute[];
  /** The worker's SQS trigger, polling in the background. */
  jobs: SqsEventSource;
  /** Invokes a function through Lambda Invoke, unqualified, as a schedule or an operator does; throws on a function error. */
  invoke(functionName: string, payload: unknown): Promise<unknown>;
}

/**
 * Creates the authorizer job queues and returns the jobs queue's URL, for the environment: a dead-letter queue behind
 * it, as deployed, so a job that keeps failing stops being retried.
 */
export function createJobQueues(aws: LocalAws): string {
  const deadLetters = aws.createQueue(`${JOBS_QUEUE}-dlq`);
  // Lambda's advice: a visibility timeout of six times the function timeout (60 s), so a slow batch is not redelivered.
  return aws.createQueue(JOBS_QUEUE, {
    visibilityTimeoutSec: 360,
    redrivePolicy: { deadLetterTargetArn: deadLetters.arn, maxReceiveCount: 5 },
  }).url;
}

/**
 * Wires every handler by its production factory from `runtime` (an environment pointing at the local parts, and SDK
 * clients for the stand-ins): the refresher and the authorizer worker behind the Lambda stand-in, the worker behind
 * a polling SQS trigger of the jobs queue, and the HTTP routes.
 */
export function wireLocalFunctions(input: {
  aws: LocalAws;
  runtime: RuntimeOptions & { clients: AwsClients };
  jobsQueueUrl: string;
}): LocalFunctions {
  const { aws, runtime } = input;
  const tokenRefresher = makeTokenRefresherHandler(createRefresherDepsFromEnv(runtime));
  // Registered under the names readers invoke (with the reader alias), so the token readers take their AWS code path.
  aws.registerFunction(REFRESHER_FUNCTION, (event, context) => tokenRefresher(event, context));
  aws.registerFunction(WORKER_FUNCTION, makeAuthorizerWorkerHandler(createAuthorizerWorkerDepsFromEnv(runtime)), { timeoutSec: 60 });
  // Up to 5 batches of 10 at once: enough for a local run, and the bounded concurrency a deployed trigger has.
  const jobs = aws.addSqsEventSource({
    queue: input.jobsQueueUrl,
    functionName: WORKER_FUNCTION,
    batchSize: 10,
    maxConcurrency: 5,
    reportBatchItemFailures: true,
  });
  jobs.start();

  const pushReceiver = makePushReceiverHandler(createPushDepsFromEnv(runtime));
  const h5OAuth = makeH5OAuthHandler(createH5OAuthDepsFromEnv(runtime));
  const authorizationPage = makeAuthorizationPageHandler(createAuthorizationPageDepsFromEnv(runtime));
  const routes: GatewayRoute[] = [
    { routeKey: `POST ${ROUTES.pushEvents}`, functionName: 'wechat-component-push-receiver', handler: pushReceiver },
    { routeKey: `GET ${ROUTES.h5OAuthStart}`, functionName: 'wechat-component-h5-oauth', handler: h5OAuth },
    { routeKey: `GET ${ROUTES.h5OAuthCallback}`, functionName: 'wechat-component-h5-oauth', handler: h5OAuth },
    { routeKey: `ANY ${ROUTES.h5OAuthSession}`, functionName: 'wechat-component-h5-oauth', handler: h5OAuth },
    { routeKey: `ANY ${ROUTES.authorizationPage}`, functionName: 'wechat-component-authorization-page', handler: authorizationPage },
    { routeKey: `ANY ${ROUTES.authorizationCallback}`, functionName: 'wechat-component-authorization-page', handler: authorizationPage },
  ];

  const { lambda } = runtime.clients;
  const invoke = async (functionName: string, payload: unknown): Promise<unknown> => {
    const out = await lambda.send(new InvokeCommand({ FunctionName: functionName, Payload: JSON.stringify(payload) }));
    const text = Buffer.from(out.Payload ?? new Uint8Array()).toString('utf8');
    if (out.FunctionError) throw new Error(`${functionName} failed: ${text}`);
    return JSON.parse(text) as unknown;
  };
  return { routes, jobs, invoke };
}
