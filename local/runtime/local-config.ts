import { findSecretProblems } from '../../shared/config/component-secrets';
import { APPID_PATTERN } from '../../shared/contract';
import { parseReturnToRules } from '../../shared/h5-oauth/return-to';
import { readSimEnv } from '../wechat-sim/cli-config';
import {
  TEST_AUTHORIZER_APPID,
  TEST_COMPONENT_APPID,
  TEST_COMPONENT_APPSECRET,
  TEST_ENCODING_AES_KEY,
  TEST_MESSAGE_TOKEN,
} from '../wechat-sim/defaults';
import type { WechatSimOptions } from '../wechat-sim/types';

export interface LocalConfig {
  port: number;
  /** The simulator's options, holding the same credentials the service is configured with. */
  sim: WechatSimOptions;
  /** Where the refresher calls WeChat; the simulator unless WECHAT_API_BASE says otherwise. */
  apiBase: string | null;
  /** How often the refresher runs, like the EventBridge schedule. */
  refreshIntervalSec: number;
  /** True when every WECHAT_COMPONENT_* value is a built-in TEST default. */
  usingTestDefaults: boolean;
  /** Official accounts h5-oauth accepts (WECHAT_AUTHORIZER_APPIDS); the simulator knows the same ones. */
  authorizerAppids: string[];
  /** WECHAT_H5_OAUTH_ALLOWED_RETURN_TO entries; null means the local runtime's own origin + '/'. */
  allowedReturnTo: string[] | null;
  /** WECHAT_H5_OAUTH_COOKIE_BINDING: on unless set to 'off'. */
  cookieBinding: boolean;
}

export class LocalConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'LocalConfigError';
  }
}

/** Reads and checks the local runtime's environment; every problem names its variable, never its value. */
export function readLocalConfig(env: NodeJS.ProcessEnv = process.env): LocalConfig {
  const problems: string[] = [];
  const port = wholeNumber(env, 'PORT', 3000, problems, 65535);
  const refreshIntervalSec = wholeNumber(env, 'REFRESH_INTERVAL_S', 300, problems);
  // The simulator's own reader stops at the first bad number; check its numbers here so every problem is named.
  wholeNumber(env, 'SIM_PORT', 3100, problems, 65535);
  wholeNumber(env, 'SIM_TICKET_INTERVAL_S', 600, problems);
  wholeNumber(env, 'SIM_DAILY_QUOTA', 2000, problems);
  const sim = problems.length === 0 ? readSimEnv(env) : null;
  const credentials = {
    appid: env.WECHAT_COMPONENT_APPID?.trim() || TEST_COMPONENT_APPID,
    appsecret: env.WECHAT_COMPONENT_APPSECRET?.trim() || TEST_COMPONENT_APPSECRET,
    token: env.WECHAT_COMPONENT_TOKEN?.trim() || TEST_MESSAGE_TOKEN,
    encodingAesKey: env.WECHAT_COMPONENT_ENCODING_AES_KEY?.trim() || TEST_ENCODING_AES_KEY,
  };
  if (!APPID_PATTERN.test(credentials.appid)) problems.push('WECHAT_COMPONENT_APPID must look like wx followed by 16 letters or digits');
  problems.push(
    ...findSecretProblems(credentials, {
      appsecret: 'WECHAT_COMPONENT_APPSECRET',
      token: 'WECHAT_COMPONENT_TOKEN',
      encodingAesKey: 'WECHAT_COMPONENT_ENCODING_AES_KEY',
    }),
  );
  if (sim && sim.port === port && port !== 0) problems.push('SIM_PORT must differ from PORT');
  const authorizerAppids = splitList(env.WECHAT_AUTHORIZER_APPIDS) ?? [TEST_AUTHORIZER_APPID];
  if (authorizerAppids.some((appid) => !APPID_PATTERN.test(appid)))
    problems.push('WECHAT_AUTHORIZER_APPIDS must be appids (wx + 16 letters or digits), comma-separated');
  const allowedReturnTo = splitList(env.WECHAT_H5_OAUTH_ALLOWED_RETURN_TO);
  if (allowedReturnTo) {
    try {
      parseReturnToRules(allowedReturnTo);
    } catch (err) {
      problems.push(err instanceof Error ? err.message : 'WECHAT_H5_OAUTH_ALLOWED_RETURN_TO is invalid');
    }
  }
  const cookieBinding = (env.WECHAT_H5_OAUTH_COOKIE_BINDING?.trim() || 'on').toLowerCase();
  if (cookieBinding !== 'on' && cookieBinding !== 'off') problems.push("WECHAT_H5_OAUTH_COOKIE_BINDING must be 'on' or 'off'");
  const apiBase = env.WECHAT_API_BASE?.trim() || null;
  if (apiBase && !/^https?:\/\/[^\s]+$/.test(apiBase)) problems.push('WECHAT_API_BASE must be an http(s) URL');
  if (problems.length > 0 || !sim) throw new LocalConfigError(problems);
  const usingTestDefaults = [
    'WECHAT_COMPONENT_APPID',
    'WECHAT_COMPONENT_APPSECRET',
    'WECHAT_COMPONENT_TOKEN',
    'WECHAT_COMPONENT_ENCODING_AES_KEY',
  ].every((name) => !env[name]?.trim());
  return {
    port,
    sim,
    apiBase,
    refreshIntervalSec,
    usingTestDefaults,
    authorizerAppids,
    allowedReturnTo,
    cookieBinding: cookieBinding !== 'off',
  };
}

function splitList(value: string | undefined): string[] | null {
  const entries = (value ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  return entries.length > 0 ? entries : null;
}

function wholeNumber(env: NodeJS.ProcessEnv, name: string, fallback: number, problems: string[], max = Number.MAX_SAFE_INTEGER): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) > max) {
    problems.push(`${name} must be a whole number${max < Number.MAX_SAFE_INTEGER ? ` up to ${max}` : ''}`);
    return fallback;
  }
  return Number(raw);
}
