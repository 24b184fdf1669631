/**
 * WeChat error answers (docs/wechat-protocol.md §6): HTTP 200 with `{"errcode","errmsg"}`.
 */
import { randomBytes } from 'node:crypto';

/** errmsg text per errcode, close to what api.weixin.qq.com answers. */
const ERRMSG_BY_ERRCODE: Readonly<Record<number, string>> = {
  [-1]: 'system error',
  40001: 'invalid credential, access_token is invalid or not latest',
  40002: 'invalid grant_type',
  40003: 'invalid openid',
  40029: 'invalid code',
  40030: 'invalid refresh_token',
  40097: 'invalid args',
  40125: 'invalid appsecret',
  40163: 'code been used',
  41001: 'access_token missing',
  41002: 'appid missing',
  41003: 'refresh_token missing',
  41004: 'appsecret missing',
  41008: 'missing code',
  41009: 'missing openid',
  42001: 'access_token expired',
  43001: 'require GET method',
  43002: 'require POST method',
  45009: 'reach max api daily quota limit',
  47001: 'data format error',
  48001: 'api unauthorized',
  61003: 'component is not authorized by this account',
  61005: 'component ticket is expired',
  61006: 'component ticket is invalid',
  61009: 'code is invalid',
  61010: 'code is expired',
  61011: 'invalid component',
  61023: 'refresh_token is invalid',
};

/** The errcodes the simulator itself answers with. */
export const Errcode = {
  SYSTEM_ERROR: -1,
  INVALID_CREDENTIAL: 40001,
  INVALID_GRANT_TYPE: 40002,
  INVALID_OPENID: 40003,
  INVALID_CODE: 40029,
  INVALID_REFRESH_TOKEN: 40030,
  INVALID_ARGS: 40097,
  INVALID_APPSECRET: 40125,
  CODE_BEEN_USED: 40163,
  ACCESS_TOKEN_MISSING: 41001,
  APPID_MISSING: 41002,
  REFRESH_TOKEN_MISSING: 41003,
  APPSECRET_MISSING: 41004,
  CODE_MISSING: 41008,
  OPENID_MISSING: 41009,
  ACCESS_TOKEN_EXPIRED: 42001,
  REQUIRE_GET: 43001,
  REQUIRE_POST: 43002,
  DAILY_QUOTA_REACHED: 45009,
  DATA_FORMAT_ERROR: 47001,
  API_UNAUTHORIZED: 48001,
  COMPONENT_NOT_AUTHORIZED: 61003,
  TICKET_EXPIRED: 61005,
  TICKET_INVALID: 61006,
  AUTHORIZATION_CODE_INVALID: 61009,
  AUTHORIZATION_CODE_EXPIRED: 61010,
  INVALID_COMPONENT: 61011,
  AUTHORIZER_REFRESH_TOKEN_INVALID: 61023,
} as const;

/** A WeChat error body. Like WeChat, errmsg ends with a request id ("rid") so clients never match on it exactly. */
export function errorBody(errcode: number): { errcode: number; errmsg: string } {
  const text = ERRMSG_BY_ERRCODE[errcode] ?? 'simulated error';
  return { errcode, errmsg: `${text} rid: ${randomBytes(6).toString('hex')}` };
}
