/**
 * Environment variables of the simulator CLI (main.ts), turned into WechatSimOptions.
 */
import {
  DEFAULT_SIM_PORT,
  DEFAULT_TICKET_INTERVAL_SEC,
  TEST_COMPONENT_APPID,
  TEST_COMPONENT_APPSECRET,
  TEST_ENCODING_AES_KEY,
  TEST_MESSAGE_TOKEN,
} from './defaults';
import type { WechatSimOptions } from './types';

/**
 * Reads SIM_PORT, SIM_TICKET_INTERVAL_S, SIM_PUSH_URL, SIM_DAILY_QUOTA, the account authorization variables
 * SIM_AUTHORIZATION_ACCOUNTS and SIM_AUTHORIZATION_DOMAINS (comma-separated), SIM_ROTATE_REFRESH_TOKEN_EVERY and
 * SIM_AUTHORIZER_TOKEN_DAILY_QUOTA, and WECHAT_COMPONENT_APPID / _APPSECRET / _TOKEN / _ENCODING_AES_KEY, falling
 * back to the TEST defaults. Throws TypeError naming a bad variable.
 */
export function readSimEnv(env: NodeJS.ProcessEnv): WechatSimOptions {
  const pushUrl = nonEmpty(env.SIM_PUSH_URL);
  const dailyQuota = readWholeNumber(env, 'SIM_DAILY_QUOTA');
  const authorizationAccounts = readList(env.SIM_AUTHORIZATION_ACCOUNTS);
  const authorizationDomains = readList(env.SIM_AUTHORIZATION_DOMAINS);
  const rotateRefreshTokenEvery = readWholeNumber(env, 'SIM_ROTATE_REFRESH_TOKEN_EVERY');
  const authorizerTokenDailyQuota = readWholeNumber(env, 'SIM_AUTHORIZER_TOKEN_DAILY_QUOTA');
  return {
    componentAppid: nonEmpty(env.WECHAT_COMPONENT_APPID) ?? TEST_COMPONENT_APPID,
    componentAppsecret: nonEmpty(env.WECHAT_COMPONENT_APPSECRET) ?? TEST_COMPONENT_APPSECRET,
    token: nonEmpty(env.WECHAT_COMPONENT_TOKEN) ?? TEST_MESSAGE_TOKEN,
    encodingAesKey: nonEmpty(env.WECHAT_COMPONENT_ENCODING_AES_KEY) ?? TEST_ENCODING_AES_KEY,
    port: readWholeNumber(env, 'SIM_PORT') ?? DEFAULT_SIM_PORT,
    ticketIntervalSec: readWholeNumber(env, 'SIM_TICKET_INTERVAL_S') ?? DEFAULT_TICKET_INTERVAL_SEC,
    ...(pushUrl === undefined ? {} : { pushUrl }),
    ...(dailyQuota === undefined ? {} : { dailyQuota }),
    ...(authorizationAccounts === undefined ? {} : { authorizationAccounts }),
    ...(authorizationDomains === undefined ? {} : { authorizationDomains }),
    ...(rotateRefreshTokenEvery === undefined ? {} : { rotateRefreshTokenEvery }),
    ...(authorizerTokenDailyQuota === undefined ? {} : { authorizerTokenDailyQuota }),
  };
}

/** A comma-separated list without blanks, or undefined when the variable is unset or blank. */
function readList(value: string | undefined): string[] | undefined {
  const items = (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
  return items.length === 0 ? undefined : items;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function readWholeNumber(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = nonEmpty(env[name]);
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw)) throw new TypeError(`${name} must be a whole number`);
  return Number(raw);
}
