// valibot, not zod: the same checks, but it tree-shakes to a few KiB in a Lambda bundle and builds its schemas almost
// for free, where classic zod adds about 444 KiB and zod/mini still about 30 KiB and several ms at every cold start.
// Every schema and check carries its own message: valibot's defaults quote the received value.
import * as v from 'valibot';
import { APPID_PATTERN, type EnvKey } from '../contract';

const MISSING = 'is missing or not a string';
const WHOLE_NUMBER = 'must be a positive whole number';

const appid = v.pipe(v.string(MISSING), v.regex(APPID_PATTERN, 'must look like wx followed by 16 letters or digits'));
const nonEmpty = v.pipe(v.string(MISSING), v.trim(), v.minLength(1, 'must be set'));

/** A positive whole number, read as Number() reads it ('1e3', ' 12 ', '0x10' included); unset gives the fallback. */
const positiveInt = (fallback: number) =>
  v.optional(
    v.pipe(
      v.unknown(),
      v.rawTransform(({ dataset, addIssue, NEVER }) => {
        const value = Number(dataset.value);
        if (!Number.isInteger(value)) {
          addIssue({ message: WHOLE_NUMBER });
          return NEVER;
        }
        if (value > Number.MAX_SAFE_INTEGER) addIssue({ message: `Too big: expected int to be <=${Number.MAX_SAFE_INTEGER}` });
        if (value < Number.MIN_SAFE_INTEGER) addIssue({ message: `Too small: expected int to be >=${Number.MIN_SAFE_INTEGER}` });
        if (value <= 0) addIssue({ message: 'Too small: expected number to be >0' });
        return value;
      }),
    ),
    fallback,
  );

/**
 * An absolute http(s) URL with a host, trimmed, tabs and line breaks dropped (as the URL parser would). "https:x" or
 * "https:/x", which the parser would quietly read as a host, are refused.
 */
const httpUrl = v.pipe(
  v.string(MISSING),
  v.rawTransform(({ dataset, addIssue, NEVER }) => {
    const trimmed = dataset.value.trim();
    if (!/^https?:\/\//i.test(trimmed) || !URL.canParse(trimmed)) {
      addIssue({ message: 'Invalid URL' });
      return NEVER;
    }
    return trimmed.replace(/[\t\n\r]/g, '');
  }),
);

const oneOf = <const T extends string>(options: readonly [T, ...T[]], fallback: T) =>
  v.optional(v.picklist(options, `Invalid option: expected one of ${options.map((o) => JSON.stringify(o)).join('|')}`), fallback);

const splitList = (value: string) =>
  value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);

/** Every setting any function may read, by config key (its variable is `ENV[key]`); each function picks the subset it needs. */
export const configSchema = v.object({
  componentAppid: appid,
  secretArn: nonEmpty,
  apiBase: v.optional(httpUrl, 'https://api.weixin.qq.com'),
  apiTimeoutMs: positiveInt(5000),
  // Attempts per WeChat call, retries included (only -1, network errors and 5xx are retried).
  apiMaxAttempts: positiveInt(3),
  openBase: v.optional(httpUrl, 'https://open.weixin.qq.com'),
  // Where the PC authorization page (componentloginpage) lives; the simulator locally.
  mpBase: v.optional(httpUrl, 'https://mp.weixin.qq.com'),
  tableName: nonEmpty,
  kmsKeyId: nonEmpty,
  refresherFunction: nonEmpty,
  // 15 min: three 5-minute schedule ticks of slack before a reader would see the token as too old.
  refreshMarginSec: positiveInt(900),
  // Longer than the API client's worst case (3 attempts x 5 s timeout + backoff).
  refreshLeaseSec: positiveInt(60),
  // docs/wechat-protocol.md §2: WeChat sets no window; 10 min tolerates its retries and clock drift.
  pushMaxSkewSec: positiveInt(600),
  authorizerAppids: v.pipe(v.optional(v.string(MISSING), ''), v.transform(splitList), v.array(appid)),
  h5OAuthSessionSecretArn: nonEmpty,
  h5OAuthCallbackUrl: httpUrl,
  // Comma-separated URL prefixes; checked in detail by shared/h5-oauth/return-to.ts.
  h5OAuthAllowedReturnTo: v.pipe(nonEmpty, v.transform(splitList)),
  // 'off' unbinds callbacks from the browser, for webviews that lose cookies (PKCE still binds login codes); see README.
  h5OAuthCookieBinding: oneOf(['on', 'off'], 'on'),
  h5OAuthStateTtlSec: positiveInt(600),
  h5OAuthLoginCodeTtlSec: positiveInt(120),
  h5OAuthSessionTtlSec: positiveInt(86_400),
  authorizerJobsQueueUrl: httpUrl,
  // As for the component token: refreshed this long before expiry; 24 h / (7200 s - 900 s) = 14 refreshes a day at most.
  authorizerRefreshMarginSec: positiveInt(900),
  // Longer than one refresh's worst case (3 attempts x 5 s timeout + backoff), as the component lease.
  authorizerLeaseSec: positiveInt(60),
  authorizerWorkerFunction: nonEmpty,
  // Our /authorize page: what the operator's signed links point at (its host is the 授权发起页域名).
  authorizationPageUrl: httpUrl,
  authorizationCallbackUrl: httpUrl,
  authorizationLinkSecretArn: nonEmpty,
  // 'signed' (default): the page opens only from an operator's signed, expiring link; 'open': anyone may open it.
  authorizationPageMode: oneOf(['signed', 'open'], 'signed'),
  // Each pre-auth code costs quota: the page creates at most this many per minute, all links together.
  preAuthCodesPerMinute: positiveInt(20),
} satisfies Record<EnvKey, v.GenericSchema>);

export type Config = v.InferOutput<typeof configSchema>;
