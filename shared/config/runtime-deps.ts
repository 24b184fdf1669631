import { KMSClient } from '@aws-sdk/client-kms';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createComponentStores } from '../store/component-stores';
import { createDocumentClient } from '../store/document-client';
import { createSecretsManagerSource, type ComponentSecrets } from './component-secrets';

/**
 * The clients, stores and secrets getter every function builds once at cold start from its environment.
 * Loaded secrets are pinned in the log redactor before anyone can use them (createSecretsManagerSource).
 */
export function createRuntimeDeps(input: { componentAppid: string; tableName: string; kmsKeyId: string; secretArn: string; leaseDurationMs?: number }) {
  const now = Date.now;
  const stores = createComponentStores({
    dynamo: createDocumentClient(),
    kms: new KMSClient({}),
    tableName: input.tableName,
    kmsKeyId: input.kmsKeyId,
    componentAppid: input.componentAppid,
    now,
    ...(input.leaseDurationMs ? { leaseDurationMs: input.leaseDurationMs } : {}),
  });
  const getSecrets: () => Promise<ComponentSecrets> = createSecretsManagerSource({ secretArn: input.secretArn, client: new SecretsManagerClient({}) });
  return { now, stores, getSecrets };
}
