/**
 * The token reader for other Lambdas. Grant a function access with the construct's `grantReadComponentToken(fn)`
 * (which also sets the environment variables read here), then:
 *
 * @example
 * import { createComponentTokenReaderFromEnv } from '<this repo>/shared/token';
 * const reader = createComponentTokenReaderFromEnv(); // at module scope: the cache lives as long as the container
 * export const handler = async () => {
 *   const info = await reader.withComponentAccessToken((token) => callWechat(token)); // retries once on 40001/42001
 * };
 */
import { KMSClient } from '@aws-sdk/client-kms';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { ENV } from '../config/env-schema';
import { loadConfig } from '../config/load-config';
import { createDocumentClient } from '../store/document-client';
import { createKmsSealer } from '../store/kms-sealer';
import { createTokenStore } from '../store/token-store';
import { createComponentTokenReader, type ComponentTokenReader, type ComponentTokenReaderOptions } from './component-token-reader';
import { createLambdaRefreshTrigger } from './lambda-refresh-trigger';

export { createComponentTokenReader, isStaleTokenError } from './component-token-reader';
export type { ComponentTokenReader, ComponentTokenReaderOptions } from './component-token-reader';
export { ComponentTokenError, type ComponentTokenErrorCode } from './component-token-error';
export { createLambdaRefreshTrigger, type RefreshTrigger } from './lambda-refresh-trigger';

/** Builds a reader from WECHAT_COMPONENT_APPID, WECHAT_TABLE_NAME, WECHAT_KMS_KEY_ID and WECHAT_REFRESHER_FUNCTION. */
export function createComponentTokenReaderFromEnv(
  overrides: Partial<Omit<ComponentTokenReaderOptions, 'tokens' | 'requestRefresh'>> = {},
  env: Record<string, string | undefined> = process.env,
): ComponentTokenReader {
  const config = loadConfig([ENV.componentAppid, ENV.tableName, ENV.kmsKeyId, ENV.refresherFunctionName], env);
  const componentAppid = config[ENV.componentAppid];
  const sealer = createKmsSealer({ kms: new KMSClient({}), keyId: config[ENV.kmsKeyId], componentAppid });
  const tokens = createTokenStore({ dynamo: createDocumentClient(), tableName: config[ENV.tableName], componentAppid, sealer });
  const requestRefresh = createLambdaRefreshTrigger({ functionName: config[ENV.refresherFunctionName], lambda: new LambdaClient({}) });
  return createComponentTokenReader({ ...overrides, tokens, requestRefresh });
}
