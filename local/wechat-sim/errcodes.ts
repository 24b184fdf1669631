/**
 * WeChat error answers (wechat-platform.md section 6): HTTP 200 with `{"errcode","errmsg"}`.
 */
import { randomBytes } from 'node:crypto';

/** errmsg text per errcode, close to what api.weixin.qq.com answers. */
const ERRMSG_BY_ERRCODE: Readonly<Record<number, string>> = {
  [-1]: 'system error',
  40001: 'invalid credential, access_token is invalid or not latest',
  40125: 'invalid appsecret',
  41001: 'access_token missing',
  41004: 'appsecret missing',
  42001: 'access_token expired',
  43001: 'require GET method',
  43002: 'require POST method',
  45009: 'reach max api daily quota limit',
  47001: 'data format error',
  61005: 'component ticket is expired',
  61006: 'component ticket is invalid',
  61011: 'invalid component',
};

/** The errcodes the simulator itself answers with. */
export const Errcode = {
  SYSTEM_ERROR: -1,
  INVALID_CREDENTIAL: 40001,
  INVALID_APPSECRET: 40125,
  ACCESS_TOKEN_MISSING: 41001,
  APPSECRET_MISSING: 41004,
  ACCESS_TOKEN_EXPIRED: 42001,
  REQUIRE_GET: 43001,
  REQUIRE_POST: 43002,
  DAILY_QUOTA_REACHED: 45009,
  DATA_FORMAT_ERROR: 47001,
  TICKET_EXPIRED: 61005,
  TICKET_INVALID: 61006,
  INVALID_COMPONENT: 61011,
} as const;

/** A WeChat error body. Like WeChat, errmsg ends with a request id ("rid") so clients never match on it exactly. */
export function errorBody(errcode: number): { errcode: number; errmsg: string } {
  const text = ERRMSG_BY_ERRCODE[errcode] ?? 'simulated error';
  return { errcode, errmsg: `${text} rid: ${randomBytes(6).toString('hex')}` };
}
