/**
 * Defaults and validation for WechatSimOptions. Errors name the option, never its value (it may be a secret).
 */
import { TEST_AUTHORIZER_APPID } from './defaults';
import { decodeEncodingAesKey } from './sim-crypto';
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
}

/** Hosts a redirect_uri may point at unless `oauthRedirectHosts` is given: local servers only. */
export const DEFAULT_OAUTH_REDIRECT_HOSTS: readonly string[] = ['127.0.0.1', 'localhost'];

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
  };
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
