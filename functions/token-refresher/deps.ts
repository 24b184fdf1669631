import { ENV } from '../../shared/config/env-schema';
import { loadConfig } from '../../shared/config/load-config';
import { createRuntimeDeps } from '../../shared/config/runtime-deps';
import { createLogger, createMetrics } from '../../shared/log/observability';
import type { RefresherDeps } from '../../shared/token/refresh-component-token';
import { createComponentApi } from '../../shared/wechat/component-api';

/** Production wiring from the environment; fails at cold start naming every bad variable. */
export function createRefresherDepsFromEnv(env: Record<string, string | undefined> = process.env): RefresherDeps {
  const config = loadConfig(
    [ENV.componentAppid, ENV.secretArn, ENV.tableName, ENV.kmsKeyId, ENV.apiBase, ENV.refreshMarginSec, ENV.leaseDurationSec, ENV.apiTimeoutMs],
    env,
  );
  const componentAppid = config[ENV.componentAppid];
  const { now, stores, getSecrets } = createRuntimeDeps({
    componentAppid,
    tableName: config[ENV.tableName],
    kmsKeyId: config[ENV.kmsKeyId],
    secretArn: config[ENV.secretArn],
    leaseDurationMs: config[ENV.leaseDurationSec] * 1000,
  });
  return {
    componentAppid,
    tokens: stores.tokens,
    tickets: stores.tickets,
    leases: stores.leases,
    guards: stores.guards,
    api: createComponentApi({ baseUrl: config[ENV.apiBase], timeoutMs: config[ENV.apiTimeoutMs] }),
    getSecrets,
    now,
    logger: createLogger('token-refresher'),
    metrics: createMetrics('token-refresher'),
    refreshMarginMs: config[ENV.refreshMarginSec] * 1000,
  };
}
