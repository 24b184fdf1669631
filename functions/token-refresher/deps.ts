import { loadConfig } from '../../shared/config/load-config';
import { createLogger, createMetrics } from '../../shared/log/observability';
import { createComponentRuntime } from '../../shared/runtime/component-runtime';
import type { RuntimeOptions } from '../../shared/runtime/runtime-options';
import { createTokenStores } from '../../shared/store/token-stores';
import type { RefresherDeps } from '../../shared/token/refresh-component-token';
import { createComponentApi } from '../../shared/wechat/component-api';

/** Production wiring from the environment; fails at cold start naming every bad variable. */
export function createRefresherDepsFromEnv(options: RuntimeOptions = {}): RefresherDeps {
  const config = loadConfig(
    [
      'componentAppid',
      'secretArn',
      'tableName',
      'kmsKeyId',
      'apiBase',
      'apiTimeoutMs',
      'apiMaxAttempts',
      'refreshMarginSec',
      'refreshLeaseSec',
    ],
    options.env,
  );
  const { now, sleep, stores, componentSecrets } = createComponentRuntime(config, options, {
    stores: createTokenStores,
    storeOptions: { leaseDurationMs: config.refreshLeaseSec * 1000 },
  });
  return {
    componentAppid: config.componentAppid,
    tokens: stores.tokens,
    tickets: stores.tickets,
    leases: stores.leases,
    guards: stores.guards,
    api: createComponentApi({ baseUrl: config.apiBase, timeoutMs: config.apiTimeoutMs, maxAttempts: config.apiMaxAttempts, sleep }),
    getSecrets: componentSecrets(config.secretArn),
    now,
    logger: createLogger('token-refresher'),
    metrics: createMetrics('token-refresher'),
    refreshMarginMs: config.refreshMarginSec * 1000,
  };
}
