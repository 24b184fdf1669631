import { ENV, type EnvKey, REFRESHER_READER_ALIAS, ROUTES } from '../../shared/contract';
import type { LocalConfig } from './local-config';

export const LOCAL_TABLE = 'wechat-component-local';
export const REFRESHER_FUNCTION = 'wechat-component-token-refresher';
export const WORKER_FUNCTION = 'wechat-component-authorizer-worker';

/** What the local system made before wiring the functions: where each of them finds its parts. */
export interface LocalParts {
  kmsKeyId: string;
  secretArn: string;
  sessionSecretArn: string;
  linkSecretArn: string;
  jobsQueueUrl: string;
  /** The local HTTP API's origin. */
  gatewayUrl: string;
  /** The WeChat simulator's origin. */
  simUrl: string;
}

/**
 * One environment for every function, as the construct gives each its own subset: each function's production factory
 * reads only the variables it needs, so one shared environment runs the same wiring as Lambda.
 */
export function localEnvironment(config: LocalConfig, parts: LocalParts): Record<string, string> {
  const wechatBase = config.apiBase ?? parts.simUrl;
  const settings: Partial<Record<EnvKey, string>> = {
    componentAppid: config.sim.componentAppid,
    secretArn: parts.secretArn,
    tableName: LOCAL_TABLE,
    kmsKeyId: parts.kmsKeyId,
    // Readers invoke the reader alias, as in AWS; the stand-in passes the qualifier on in invokedFunctionArn.
    refresherFunction: `${REFRESHER_FUNCTION}:${REFRESHER_READER_ALIAS}`,
    authorizerWorkerFunction: `${WORKER_FUNCTION}:${REFRESHER_READER_ALIAS}`,
    apiBase: wechatBase,
    openBase: wechatBase,
    mpBase: wechatBase,
    h5OAuthSessionSecretArn: parts.sessionSecretArn,
    h5OAuthCallbackUrl: `${parts.gatewayUrl}${ROUTES.h5OAuthCallback}`,
    h5OAuthAllowedReturnTo: (config.allowedReturnTo ?? [`${parts.gatewayUrl}/`]).join(','),
    authorizerAppids: config.authorizerAppids.join(','),
    h5OAuthCookieBinding: config.cookieBinding ? 'on' : 'off',
    authorizerJobsQueueUrl: parts.jobsQueueUrl,
    authorizationPageUrl: `${parts.gatewayUrl}${ROUTES.authorizationPage}`,
    authorizationCallbackUrl: `${parts.gatewayUrl}${ROUTES.authorizationCallback}`,
    authorizationLinkSecretArn: parts.linkSecretArn,
  };
  return Object.fromEntries(Object.entries(settings).map(([key, value]) => [ENV[key as EnvKey], value]));
}
