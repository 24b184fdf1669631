import { ENV } from '../../shared/config/env-schema';
import { loadConfig } from '../../shared/config/load-config';
import { createRuntimeDeps } from '../../shared/config/runtime-deps';
import { createLogger, createMetrics } from '../../shared/log/observability';
import type { PushDeps } from '../../shared/push/accept-push';
import { MAX_PUSH_BODY_BYTES } from '../../shared/wechat/push-body-limit';

/** Production wiring from the environment; fails at cold start naming every bad variable. */
export function createPushDepsFromEnv(env: Record<string, string | undefined> = process.env): PushDeps {
  const config = loadConfig([ENV.componentAppid, ENV.secretArn, ENV.tableName, ENV.kmsKeyId, ENV.pushMaxSkewSec], env);
  const componentAppid = config[ENV.componentAppid];
  const { now, stores, getSecrets } = createRuntimeDeps({
    componentAppid,
    tableName: config[ENV.tableName],
    kmsKeyId: config[ENV.kmsKeyId],
    secretArn: config[ENV.secretArn],
  });
  return {
    componentAppid,
    getSecrets,
    tickets: stores.tickets,
    events: stores.events,
    audit: stores.audit,
    now,
    logger: createLogger('push-receiver'),
    metrics: createMetrics('push-receiver'),
    maxSkewSec: config[ENV.pushMaxSkewSec],
    maxBodyBytes: MAX_PUSH_BODY_BYTES,
  };
}
