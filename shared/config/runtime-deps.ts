import { KMSClient } from '@aws-sdk/client-kms';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { secretRegistry } from '../log/redaction';
import { createComponentStores } from '../store/component-stores';
import { createDocumentClient } from '../store/document-client';
import { createSecretsManagerSource, type ComponentSecrets } from './component-secrets';

/**
 * The clients, stores and secrets getter every function builds once at cold start from its environment.
 * Loaded secrets are registered with the log redactor before anyone can use them.
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
  const readSecrets = createSecretsManagerSource({ secretArn: input.secretArn, client: new SecretsManagerClient({}) });
  const getSecrets = async (): Promise<ComponentSecrets> => {
    const secrets = await readSecrets();
    secretRegistry.add(secrets.appsecret, secrets.token, secrets.encodingAesKey);
    return secrets;
  };
  return { now, stores, getSecrets };
}
