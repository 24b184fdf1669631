/**
 * The token readers for other Lambdas. Make a function a reader with the construct's `configureTokenReader(fn)`
 * (the environment variables read here, and `grantReadComponentToken(fn)`) or `grantReadAuthorizerTokens(fn)`, then:
 *
 * @example
 * import { createComponentTokenReaderFromEnv } from 'wechat-component-aws/token';
 * const reader = createComponentTokenReaderFromEnv(); // at module scope: the cache lives as long as the container
 * export const handler = async () => {
 *   const info = await reader.withComponentAccessToken((token) => callWechat(token)); // retries once on 40001/42001
 * };
 *
 * @example
 * import { createAuthorizerTokenReaderFromEnv } from 'wechat-component-aws/token';
 * const authorizerTokens = createAuthorizerTokenReaderFromEnv();
 * export const handler = async (event: { authorizerAppid: string }) =>
 *   authorizerTokens.withAuthorizerAccessToken(event.authorizerAppid, (token) => callWechatFor(token));
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { LambdaClient } from '@aws-sdk/client-lambda';
import type { RuntimeOptions } from '../runtime/runtime-options';
import { createAuthorizerStore } from '../store/authorizer-store';
import { createDocumentClient } from '../store/document-client';
import { createKmsSealer } from '../store/kms-sealer';
import { createTokenEnvelopeSealer } from '../store/token-envelopes';
import { createTokenStore } from '../store/token-store';
import { type AuthorizerTokenReader, type AuthorizerTokenReaderOptions, createAuthorizerTokenReader } from './authorizer-token-reader';
import { type ComponentTokenReader, type ComponentTokenReaderOptions, createComponentTokenReader } from './component-token-reader';
import { createLambdaAuthorizerRefreshTrigger } from './lambda-authorizer-refresh-trigger';
import { createLambdaRefreshTrigger } from './lambda-refresh-trigger';
import { readReaderConfig } from './reader-config';

export type { AuthorizerRefreshOutcome } from '../authorizer/refresh-authorizer-token';
export { AuthorizerTokenError, type AuthorizerTokenErrorCode } from './authorizer-token-error';
export type { AuthorizerTokenReader, AuthorizerTokenReaderOptions } from './authorizer-token-reader';
export { createAuthorizerTokenReader } from './authorizer-token-reader';
export { ComponentTokenError, type ComponentTokenErrorCode } from './component-token-error';
export type { ComponentTokenReader, ComponentTokenReaderOptions } from './component-token-reader';
export { createComponentTokenReader, isStaleTokenError } from './component-token-reader';
export {
  type AuthorizerReaderRequest,
  type AuthorizerRefreshTrigger,
  createLambdaAuthorizerRefreshTrigger,
} from './lambda-authorizer-refresh-trigger';
export { createLambdaRefreshTrigger, type RefreshTrigger } from './lambda-refresh-trigger';

/** The clients a reader uses, each made from the environment unless given. */
export interface ReaderClients {
  dynamo?: DynamoDBClient | undefined;
  kms?: KMSClient | undefined;
  lambda?: LambdaClient | undefined;
}

/** Reader tuning plus, for tests and local runs, the environment, clients and clock to use. */
export type ComponentTokenReaderFromEnvOptions = Partial<Omit<ComponentTokenReaderOptions, 'tokens' | 'requestRefresh'>> &
  Pick<RuntimeOptions, 'env'> & { clients?: ReaderClients | undefined };

/** Builds a reader from WECHAT_COMPONENT_APPID, WECHAT_TABLE_NAME, WECHAT_KMS_KEY_ID and WECHAT_REFRESHER_FUNCTION. */
export function createComponentTokenReaderFromEnv(options: ComponentTokenReaderFromEnvOptions = {}): ComponentTokenReader {
  const { env, clients: given, ...readerOptions } = options;
  const config = readReaderConfig(['componentAppid', 'tableName', 'kmsKeyId', 'refresherFunction'], env);
  const clients = readerClients(given);
  const { componentAppid } = config;
  const sealer = createKmsSealer({ kms: clients.kms, keyId: config.kmsKeyId, componentAppid });
  const tokens = createTokenStore({ dynamo: createDocumentClient(clients.dynamo), tableName: config.tableName, componentAppid, sealer });
  const requestRefresh = createLambdaRefreshTrigger({ functionName: config.refresherFunction, lambda: clients.lambda });
  return createComponentTokenReader({ ...readerOptions, tokens, requestRefresh });
}

/** Reader tuning plus, for tests and local runs, the environment, clients and clock to use. */
export type AuthorizerTokenReaderFromEnvOptions = Partial<Omit<AuthorizerTokenReaderOptions, 'authorizers' | 'requestRefresh'>> &
  Pick<RuntimeOptions, 'env'> & { clients?: ReaderClients | undefined };

/**
 * Builds an authorizer token reader from WECHAT_COMPONENT_APPID, WECHAT_TABLE_NAME, WECHAT_KMS_KEY_ID and
 * WECHAT_AUTHORIZER_WORKER_FUNCTION. Only the authorizer store is built (a reader's bundle stays small), with the
 * same data-key cache as the worker's, so opening a token rarely costs a KMS call.
 */
export function createAuthorizerTokenReaderFromEnv(options: AuthorizerTokenReaderFromEnvOptions = {}): AuthorizerTokenReader {
  const { env, clients: given, ...readerOptions } = options;
  const config = readReaderConfig(['componentAppid', 'tableName', 'kmsKeyId', 'authorizerWorkerFunction'], env);
  const clients = readerClients(given);
  const { componentAppid } = config;
  const now = readerOptions.now ?? Date.now;
  const authorizers = createAuthorizerStore({
    dynamo: createDocumentClient(clients.dynamo),
    tableName: config.tableName,
    componentAppid,
    envelopes: createTokenEnvelopeSealer({ kms: clients.kms, keyId: config.kmsKeyId, componentAppid, now }),
    now,
    // A reader never refreshes nor takes a lease: the store's refresh settings are not used by its reader view.
    refreshMarginMs: 0,
    leaseMs: 0,
  });
  const requestRefresh = createLambdaAuthorizerRefreshTrigger({ functionName: config.authorizerWorkerFunction, lambda: clients.lambda });
  return createAuthorizerTokenReader({ ...readerOptions, authorizers, requestRefresh });
}

/**
 * The three clients a reader uses, each made unless given. Not awsClients(): that module imports the SQS and Secrets
 * Manager clients too, about 60 KB more in every reader's bundle (esbuild, minified).
 */
function readerClients(given: ReaderClients = {}): { dynamo: DynamoDBClient; kms: KMSClient; lambda: LambdaClient } {
  return {
    dynamo: given.dynamo ?? new DynamoDBClient({}),
    kms: given.kms ?? new KMSClient({}),
    lambda: given.lambda ?? new LambdaClient({}),
  };
}
