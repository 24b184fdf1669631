import type { AuthorizerDeps } from '../../shared/authorizer/authorizer-deps';
import { createSqsJobQueue } from '../../shared/authorizer/authorizer-jobs';
import { loadConfig } from '../../shared/config/load-config';
import { createLogger, createMetrics } from '../../shared/log/observability';
import { createComponentRuntime } from '../../shared/runtime/component-runtime';
import type { RuntimeOptions } from '../../shared/runtime/runtime-options';
import { createComponentTokenReader } from '../../shared/token/component-token-reader';
import { createLambdaRefreshTrigger } from '../../shared/token/lambda-refresh-trigger';
import { createAuthorizerApi } from '../../shared/wechat/authorizer-api';
import { createWechatHttp } from '../../shared/wechat/component-api';

/** Production wiring from the environment; fails at cold start naming every bad variable. */
export function createAuthorizerWorkerDepsFromEnv(options: RuntimeOptions = {}): AuthorizerDeps {
  const config = loadConfig(
    [
      'componentAppid', 'tableName', 'kmsKeyId', 'apiBase', 'apiTimeoutMs', 'apiMaxAttempts', 'refresherFunction',
      'authorizerJobsQueueUrl', 'authorizerRefreshMarginSec', 'authorizerLeaseSec',
    ],
    options.env,
  );
  const refreshMarginMs = config.authorizerRefreshMarginSec * 1000;
  const { now, clients, stores } = createComponentRuntime(config, options, { authorizerRefreshMarginMs: refreshMarginMs, authorizerLeaseMs: config.authorizerLeaseSec * 1000 });
  return {
    componentAppid: config.componentAppid,
    authorizers: stores.authorizers,
    codes: stores.authorizationCodes,
    due: stores.dueWork,
    jobs: createSqsJobQueue({ sqs: clients.sqs, queueUrl: config.authorizerJobsQueueUrl }),
    api: createAuthorizerApi(createWechatHttp({ baseUrl: config.apiBase, timeoutMs: config.apiTimeoutMs, maxAttempts: config.apiMaxAttempts, sleep: options.sleep })),
    componentToken: createComponentTokenReader({
      tokens: stores.tokens,
      requestRefresh: createLambdaRefreshTrigger({ functionName: config.refresherFunction, lambda: clients.lambda }),
      now,
    }),
    now,
    logger: createLogger('authorizer-worker'),
    metrics: createMetrics('authorizer-worker'),
    refreshMarginMs,
  };
}
