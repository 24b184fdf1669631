import { setTimeout as delay } from 'node:timers/promises';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { type ComponentSecrets, createSecretsManagerSource } from '../config/component-secrets';
import type { ComponentStoresInput } from '../store/component-stores';
import { createDocumentClient } from '../store/document-client';
import { type AwsClients, awsClients, type ClientMakers, type RuntimeOptions } from './runtime-options';

/** The clients every function uses: the table, its key, and the secrets. */
type BaseClient = 'dynamo' | 'kms' | 'secretsManager';

/** What every function builds once at cold start: its clock and sleep, clients and the component's stores. */
export interface ComponentRuntime<Extra extends keyof AwsClients, Stores> {
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  clients: Pick<AwsClients, BaseClient | Extra>;
  stores: Stores;
  /** A cached getter for the component secret; loaded values are pinned in the log redactor. */
  componentSecrets(secretArn: string): () => Promise<ComponentSecrets>;
}

export interface ComponentRuntimeSetup<Extra extends keyof AwsClients, Stores> {
  /**
   * Builds the stores the function uses: createComponentStores, or a smaller set (createTokenStores) so that the
   * function's bundle holds no store it never uses.
   */
  stores: (input: ComponentStoresInput) => Stores;
  storeOptions?: Pick<ComponentStoresInput, 'leaseDurationMs' | 'loginCodeTtlMs' | 'authorizerRefreshMarginMs' | 'authorizerLeaseMs'>;
  /** The clients the function uses besides DynamoDB, KMS and Secrets Manager (see ClientMakers). */
  clients?: ClientMakers<Extra>;
}

/** The production wiring shared by the `create*DepsFromEnv` factories. */
export function createComponentRuntime<Stores, Extra extends Exclude<keyof AwsClients, BaseClient> = never>(
  config: { componentAppid: string; tableName: string; kmsKeyId: string },
  options: RuntimeOptions,
  setup: ComponentRuntimeSetup<Extra, Stores>,
): ComponentRuntime<Extra, Stores> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => delay(ms));
  const makers: ClientMakers<BaseClient | Extra> = {
    dynamo: () => new DynamoDBClient({}),
    kms: () => new KMSClient({}),
    secretsManager: () => new SecretsManagerClient({}),
    ...setup.clients,
  } as ClientMakers<BaseClient | Extra>;
  const clients = awsClients(makers, options.clients);
  const stores = setup.stores({
    dynamo: createDocumentClient(clients.dynamo),
    kms: clients.kms,
    tableName: config.tableName,
    kmsKeyId: config.kmsKeyId,
    componentAppid: config.componentAppid,
    now,
    ...setup.storeOptions,
  });
  return {
    now,
    sleep,
    clients,
    stores,
    componentSecrets: (secretArn) => createSecretsManagerSource({ secretArn, client: clients.secretsManager, now }),
  };
}
