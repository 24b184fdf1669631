import { SQSClient } from '@aws-sdk/client-sqs';
import { createSqsJobQueue } from '../../shared/authorizer/authorizer-jobs';
import { loadConfig } from '../../shared/config/load-config';
import { createLogger, createMetrics } from '../../shared/log/observability';
import type { PushDeps } from '../../shared/push/accept-push';
import { createComponentRuntime } from '../../shared/runtime/component-runtime';
import type { RuntimeOptions } from '../../shared/runtime/runtime-options';
import { createComponentStores } from '../../shared/store/component-stores';
import { MAX_PUSH_BODY_BYTES } from '../../shared/wechat/push-body-limit';

/** Production wiring from the environment; fails at cold start naming every bad variable. */
export function createPushDepsFromEnv(options: RuntimeOptions = {}): PushDeps {
  const config = loadConfig(
    ['componentAppid', 'secretArn', 'tableName', 'kmsKeyId', 'pushMaxSkewSec', 'authorizerJobsQueueUrl'],
    options.env,
  );
  const { now, clients, stores, componentSecrets } = createComponentRuntime(config, options, {
    stores: createComponentStores,
    clients: { sqs: () => new SQSClient({}) },
  });
  return {
    componentAppid: config.componentAppid,
    getSecrets: componentSecrets(config.secretArn),
    tickets: stores.tickets,
    events: stores.events,
    audit: stores.audit,
    codes: stores.authorizationCodes,
    jobs: createSqsJobQueue({ sqs: clients.sqs, queueUrl: config.authorizerJobsQueueUrl }),
    authorizers: stores.authorizers,
    now,
    logger: createLogger('push-receiver'),
    metrics: createMetrics('push-receiver'),
    maxSkewSec: config.pushMaxSkewSec,
    maxBodyBytes: MAX_PUSH_BODY_BYTES,
  };
}
