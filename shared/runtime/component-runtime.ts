import { setTimeout as delay } from 'node:timers/promises';
import { type ComponentSecrets, createSecretsManagerSource } from '../config/component-secrets';
import { type ComponentStores, type ComponentStoresInput, createComponentStores } from '../store/component-stores';
import { createDocumentClient } from '../store/document-client';
import { type AwsClients, awsClients, type RuntimeOptions } from './runtime-options';

/** What every function builds once at cold start: its clock and sleep, clients and the component's stores. */
export interface ComponentRuntime {
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  clients: AwsClients;
  stores: ComponentStores;
  /** A cached getter for the component secret; loaded values are pinned in the log redactor. */
  componentSecrets(secretArn: string): () => Promise<ComponentSecrets>;
}

/** The production wiring shared by the `create*DepsFromEnv` factories. */
export function createComponentRuntime(
  config: { componentAppid: string; tableName: string; kmsKeyId: string },
  options: RuntimeOptions,
  storeOptions: Pick<ComponentStoresInput, 'leaseDurationMs' | 'loginCodeTtlMs' | 'authorizerRefreshMarginMs' | 'authorizerLeaseMs'> = {},
): ComponentRuntime {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => delay(ms));
  const clients = awsClients(options.clients);
  const stores = createComponentStores({
    dynamo: createDocumentClient(clients.dynamo),
    kms: clients.kms,
    tableName: config.tableName,
    kmsKeyId: config.kmsKeyId,
    componentAppid: config.componentAppid,
    now,
    ...storeOptions,
  });
  return {
    now,
    sleep,
    clients,
    stores,
    componentSecrets: (secretArn) => createSecretsManagerSource({ secretArn, client: clients.secretsManager, now }),
  };
}
