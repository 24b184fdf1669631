import { LambdaClient } from '@aws-sdk/client-lambda';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { AuthorizerDeps } from '../authorizer/authorizer-deps';
import { createSqsJobQueue } from '../authorizer/authorizer-jobs';
import type { Config } from '../config/env-schema';
import { createLogger, createMetrics } from '../log/observability';
import { type ComponentStores, createComponentStores } from '../store/component-stores';
import { createComponentTokenReader } from '../token/component-token-reader';
import { createLambdaRefreshTrigger } from '../token/lambda-refresh-trigger';
import { createAuthorizerApi } from '../wechat/authorizer-api';
import { createWechatHttp } from '../wechat/component-api';
import { type ComponentRuntime, createComponentRuntime } from './component-runtime';
import type { RuntimeOptions } from './runtime-options';

/** The settings every function that runs authorizer work reads (the worker, and the authorization page's callback). */
export const AUTHORIZER_CONFIG_KEYS = [
  'componentAppid',
  'tableName',
  'kmsKeyId',
  'apiBase',
  'apiTimeoutMs',
  'apiMaxAttempts',
  'refresherFunction',
  'authorizerJobsQueueUrl',
  'authorizerRefreshMarginSec',
  'authorizerLeaseSec',
] as const satisfies ReadonlyArray<keyof Config>;

/**
 * The production wiring of the authorizer lifecycle: stores, job queue, WeChat API and the component token reader,
 * plus the runtime they were built on (for what a function adds of its own).
 */
export function createAuthorizerRuntime(
  config: Pick<Config, (typeof AUTHORIZER_CONFIG_KEYS)[number]>,
  options: RuntimeOptions,
  serviceName: string,
): { deps: AuthorizerDeps; runtime: ComponentRuntime<'sqs' | 'lambda', ComponentStores> } {
  const refreshMarginMs = config.authorizerRefreshMarginSec * 1000;
  const runtime = createComponentRuntime(config, options, {
    stores: createComponentStores,
    storeOptions: { authorizerRefreshMarginMs: refreshMarginMs, authorizerLeaseMs: config.authorizerLeaseSec * 1000 },
    clients: { sqs: () => new SQSClient({}), lambda: () => new LambdaClient({}) },
  });
  const { now, clients, stores } = runtime;
  const deps: AuthorizerDeps = {
    componentAppid: config.componentAppid,
    authorizers: stores.authorizers,
    codes: stores.authorizationCodes,
    due: stores.dueWork,
    jobs: createSqsJobQueue({ sqs: clients.sqs, queueUrl: config.authorizerJobsQueueUrl }),
    api: createAuthorizerApi(
      createWechatHttp({
        baseUrl: config.apiBase,
        timeoutMs: config.apiTimeoutMs,
        maxAttempts: config.apiMaxAttempts,
        sleep: runtime.sleep,
      }),
    ),
    componentToken: createComponentTokenReader({
      tokens: stores.tokens,
      requestRefresh: createLambdaRefreshTrigger({ functionName: config.refresherFunction, lambda: clients.lambda }),
      now,
    }),
    now,
    logger: createLogger(serviceName),
    metrics: createMetrics(serviceName),
    refreshMarginMs,
  };
  return { deps, runtime };
}
