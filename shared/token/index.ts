/**
 * The token reader for other Lambdas. Make a function a reader with the construct's `configureTokenReader(fn)`
 * (the environment variables read here, and `grantReadComponentToken(fn)`), then:
 *
 * @example
 * import { createComponentTokenReaderFromEnv } from '<this repo>/shared/token';
 * const reader = createComponentTokenReaderFromEnv(); // at module scope: the cache lives as long as the container
 * export const handler = async () => {
 *   const info = await reader.withComponentAccessToken((token) => callWechat(token)); // retries once on 40001/42001
 * };
 */
import { loadConfig } from '../config/load-config';
import { awsClients, type RuntimeOptions } from '../runtime/runtime-options';
import { createDocumentClient } from '../store/document-client';
import { createKmsSealer } from '../store/kms-sealer';
import { createTokenStore } from '../store/token-store';
import { type ComponentTokenReader, type ComponentTokenReaderOptions, createComponentTokenReader } from './component-token-reader';
import { createLambdaRefreshTrigger } from './lambda-refresh-trigger';

export { ComponentTokenError, type ComponentTokenErrorCode } from './component-token-error';
export type { ComponentTokenReader, ComponentTokenReaderOptions } from './component-token-reader';
export { createComponentTokenReader, isStaleTokenError } from './component-token-reader';
export { createLambdaRefreshTrigger, type RefreshTrigger } from './lambda-refresh-trigger';

/** Reader tuning plus, for tests and local runs, the environment, clients and clock to use. */
export type ComponentTokenReaderFromEnvOptions = Partial<Omit<ComponentTokenReaderOptions, 'tokens' | 'requestRefresh'>> &
  Pick<RuntimeOptions, 'env' | 'clients'>;

/** Builds a reader from WECHAT_COMPONENT_APPID, WECHAT_TABLE_NAME, WECHAT_KMS_KEY_ID and WECHAT_REFRESHER_FUNCTION. */
export function createComponentTokenReaderFromEnv(options: ComponentTokenReaderFromEnvOptions = {}): ComponentTokenReader {
  const { env, clients: given, ...readerOptions } = options;
  const config = loadConfig(['componentAppid', 'tableName', 'kmsKeyId', 'refresherFunction'], env);
  const clients = awsClients(given);
  const { componentAppid } = config;
  const sealer = createKmsSealer({ kms: clients.kms, keyId: config.kmsKeyId, componentAppid });
  const tokens = createTokenStore({ dynamo: createDocumentClient(clients.dynamo), tableName: config.tableName, componentAppid, sealer });
  const requestRefresh = createLambdaRefreshTrigger({ functionName: config.refresherFunction, lambda: clients.lambda });
  return createComponentTokenReader({ ...readerOptions, tokens, requestRefresh });
}
