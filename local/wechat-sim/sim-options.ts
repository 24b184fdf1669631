/**
 * Defaults and validation for WechatSimOptions. Errors name the option, never its value (it may be a secret).
 */
import { TEST_AUTHORIZER_APPID } from './defaults';
import { decodeEncodingAesKey } from './sim-crypto';
import { AUTHORIZER_APPID_PATTERN } from './state/authorizer-profile';
import type { WechatSimOptions } from './types';

/** WechatSimOptions with every default applied. */
export interface ResolvedSimOptions {
  componentAppid: string;
  componentAppsecret: string;
  token: string;
  encodingAesKey: string;
  pushUrl: string | undefined;
  ticketIntervalSec: number;
  autoPush: boolean;
  port: number;
  host: string;
  now: () => number;
  tokenTtlSec: number;
  previousTokenGraceSec: number;
  dailyQuota: number;
  log: (line: string) => void;
  authorizerAppids: string[];
  oauthRedirectHosts: string[];
  authorizationAccounts: string[];
  authorizationDomains: string[];
  rotateRefreshTokenEvery: number;
  authorizerTokenDailyQuota: number;
  apiDailyQuota: Readonly<Record<string, number>>;
}

/** Component APIs `apiDailyQuota` may limit (api_component_token has `dailyQuota`). */
export const QUOTA_LIMITED_APIS: readonly string[] = [
  'api_create_preauthcode',
  'api_query_auth',
  'api_authorizer_token',
  'api_get_authorizer_info',
  'api_get_authorizer_list',
  'api_start_push_ticket',
];

/** Hosts a redirect_uri may point at unless `oauthRedirectHosts` is given: local servers only. */
export const DEFAULT_OAUTH_REDIRECT_HOSTS: readonly string[] = ['127.0.0.1', 'localhost'];

/** Authorization initiation domains unless `authorizationDomains` is given: local servers only. */
export const DEFAULT_AUTHORIZATION_DOMAINS: readonly string[] = ['127.0.0.1', 'localhost'];

/** Applies defaults and throws TypeError naming the first invalid option. */
export function resolveSimOptions(options: WechatSimOptions): ResolvedSimOptions {
  for (const name of ['componentAppid', 'componentAppsecret', 'token'] as const) {
    if (typeof options[name] !== 'string' || options[name] === '') throw new TypeError(`${name} must be a non-empty string`);
  }
  try {
    decodeEncodingAesKey(options.encodingAesKey);
  } catch {
    throw new TypeError('encodingAesKey must be 43 letters and digits');
  }
  if (options.pushUrl !== undefined && !isHttpUrl(options.pushUrl)) {
    throw new TypeError('pushUrl must be an http:// or https:// URL');
  }
  const userLog = options.log;
  return {
    componentAppid: options.componentAppid,
    componentAppsecret: options.componentAppsecret,
    token: options.token,
    encodingAesKey: options.encodingAesKey,
    pushUrl: options.pushUrl,
    ticketIntervalSec: nonNegative(options.ticketIntervalSec, 600, 'ticketIntervalSec'),
    autoPush: options.autoPush ?? true,
    port: nonNegative(options.port, 0, 'port'),
    host: options.host ?? '127.0.0.1',
    now: options.now ?? Date.now,
    tokenTtlSec: nonNegative(options.tokenTtlSec, 7200, 'tokenTtlSec'),
    previousTokenGraceSec: nonNegative(options.previousTokenGraceSec, 300, 'previousTokenGraceSec'),
    dailyQuota: nonNegative(options.dailyQuota, 2000, 'dailyQuota'),
    log: userLog ? (line) => userLog(`[wechat-sim] ${line}`) : () => undefined,
    authorizerAppids: stringList(options.authorizerAppids, [TEST_AUTHORIZER_APPID], 'authorizerAppids'),
    oauthRedirectHosts: stringList(options.oauthRedirectHosts, DEFAULT_OAUTH_REDIRECT_HOSTS, 'oauthRedirectHosts'),
    authorizationAccounts: appidList(options.authorizationAccounts),
    authorizationDomains: stringList(options.authorizationDomains, DEFAULT_AUTHORIZATION_DOMAINS, 'authorizationDomains'),
    rotateRefreshTokenEvery: wholeNumber(options.rotateRefreshTokenEvery, 0, 'rotateRefreshTokenEvery'),
    authorizerTokenDailyQuota: nonNegative(options.authorizerTokenDailyQuota, 2000, 'authorizerTokenDailyQuota'),
    apiDailyQuota: apiQuotas(options.apiDailyQuota),
  };
}

function appidList(value: string[] | undefined): string[] {
  const appids = stringList(value, [TEST_AUTHORIZER_APPID], 'authorizationAccounts');
  if (appids.some((appid) => !AUTHORIZER_APPID_PATTERN.test(appid))) {
    throw new TypeError('authorizationAccounts must be appids: wx followed by 16 letters or digits');
  }
  return [...new Set(appids)];
}

function apiQuotas(value: Partial<Record<string, number>> | undefined): Record<string, number> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TypeError('apiDailyQuota must be an object');
  const quotas: Record<string, number> = {};
  for (const [api, limit] of Object.entries(value)) {
    if (!QUOTA_LIMITED_APIS.includes(api)) {
      throw new TypeError(`apiDailyQuota keys must be one of ${QUOTA_LIMITED_APIS.join(', ')} (api_component_token has dailyQuota)`);
    }
    if (limit !== undefined) quotas[api] = nonNegative(limit, 0, `apiDailyQuota.${api}`);
  }
  return quotas;
}

function wholeNumber(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 0) throw new TypeError(`${name} must be a whole number`);
  return value;
}

function stringList(value: string[] | undefined, fallback: readonly string[], name: string): string[] {
  if (value === undefined) return [...fallback];
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string' || item === '')) {
    throw new TypeError(`${name} must be an array of non-empty strings`);
  }
  return [...value];
}

function nonNegative(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < 0) throw new TypeError(`${name} must be a non-negative number`);
  return value;
}

function isHttpUrl(value: string): boolean {
  try {
    const { protocol } = new URL(value);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}
