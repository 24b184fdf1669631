/**
 * `wechat-component-aws/token`: the token readers for your own Lambdas, with their types and errors. Bundled into
 * your function; it carries no CDK, no schema library and no sign-in code, only the DynamoDB, KMS and Lambda clients.
 */
export type { AuthorizerRefreshOutcome } from '../shared/authorizer/refresh-authorizer-token';
export { ConfigError } from '../shared/config/config-error';
export {
  type AuthorizerTokenReaderFromEnvOptions,
  type ComponentTokenReaderFromEnvOptions,
  createAuthorizerTokenReaderFromEnv,
  createComponentTokenReaderFromEnv,
} from '../shared/token';
export { AuthorizerTokenError, type AuthorizerTokenErrorCode } from '../shared/token/authorizer-token-error';
export type { AuthorizerTokenReader } from '../shared/token/authorizer-token-reader';
export { ComponentTokenError, type ComponentTokenErrorCode } from '../shared/token/component-token-error';
export { type ComponentTokenReader, isStaleTokenError } from '../shared/token/component-token-reader';
export { WechatApiError, type WechatApiErrorCode, type WechatApiErrorInit } from '../shared/wechat/errors';
