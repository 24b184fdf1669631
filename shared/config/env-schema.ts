// zod/mini, not classic zod: the same checks, but it tree-shakes to a few KiB in a Lambda bundle where classic zod
// adds about 444 KiB, which every cold start parses.
import { en } from 'zod/locales';
import * as z from 'zod/mini';
import { APPID_PATTERN, type EnvKey } from '../contract';

// zod/mini ships no messages ("Invalid input" for everything); the English locale (about 3 KiB) keeps the words
// operators read for the checks below that name none ("Invalid URL", "Too small: expected number to be >0").
z.config(en());

const appid = z.string().check(z.regex(APPID_PATTERN, 'must look like wx followed by 16 letters or digits'));
const nonEmpty = z.string().check(z.trim(), z.minLength(1, 'must be set'));
const positiveInt = (fallback: number) => z._default(z.coerce.number().check(z.int(), z.positive()), fallback);
const httpUrl = () => z.url({ protocol: /^https?$/ });
const splitList = (value: string) =>
  value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);

/** Every setting any function may read, by config key (its variable is `ENV[key]`); each function picks the subset it needs. */
export const configSchema = z.object({
  componentAppid: appid,
  secretArn: nonEmpty,
  apiBase: z._default(httpUrl(), 'https://api.weixin.qq.com'),
  apiTimeoutMs: positiveInt(5000),
  // Attempts per WeChat call, retries included (only -1, network errors and 5xx are retried).
  apiMaxAttempts: positiveInt(3),
  openBase: z._default(httpUrl(), 'https://open.weixin.qq.com'),
  // Where the PC authorization page (componentloginpage) lives; the simulator locally.
  mpBase: z._default(httpUrl(), 'https://mp.weixin.qq.com'),
  tableName: nonEmpty,
  kmsKeyId: nonEmpty,
  refresherFunction: nonEmpty,
  // 15 min: three 5-minute schedule ticks of slack before a reader would see the token as too old.
  refreshMarginSec: positiveInt(900),
  // Longer than the API client's worst case (3 attempts x 5 s timeout + backoff).
  refreshLeaseSec: positiveInt(60),
  // docs/wechat-protocol.md §2: WeChat sets no window; 10 min tolerates its retries and clock drift.
  pushMaxSkewSec: positiveInt(600),
  authorizerAppids: z.pipe(z._default(z.string(), ''), z.pipe(z.transform(splitList), z.array(appid))),
  h5OAuthSessionSecretArn: nonEmpty,
  h5OAuthCallbackUrl: httpUrl(),
  // Comma-separated URL prefixes; checked in detail by shared/h5-oauth/return-to.ts.
  h5OAuthAllowedReturnTo: z.pipe(nonEmpty, z.transform(splitList)),
  // 'off' unbinds callbacks from the browser, for webviews that lose cookies (PKCE still binds login codes); see README.
  h5OAuthCookieBinding: z._default(z.enum(['on', 'off']), 'on'),
  h5OAuthStateTtlSec: positiveInt(600),
  h5OAuthLoginCodeTtlSec: positiveInt(120),
  h5OAuthSessionTtlSec: positiveInt(86_400),
  authorizerJobsQueueUrl: httpUrl(),
  // As for the component token: refreshed this long before expiry; 24 h / (7200 s - 900 s) = 14 refreshes a day at most.
  authorizerRefreshMarginSec: positiveInt(900),
  // Longer than one refresh's worst case (3 attempts x 5 s timeout + backoff), as the component lease.
  authorizerLeaseSec: positiveInt(60),
  authorizerWorkerFunction: nonEmpty,
  // Our /authorize page: what the operator's signed links point at (its host is the 授权发起页域名).
  authorizationPageUrl: httpUrl(),
  authorizationCallbackUrl: httpUrl(),
  authorizationLinkSecretArn: nonEmpty,
  // 'signed' (default): the page opens only from an operator's signed, expiring link; 'open': anyone may open it.
  authorizationPageMode: z._default(z.enum(['signed', 'open']), 'signed'),
  // Each pre-auth code costs quota: the page creates at most this many per minute, all links together.
  preAuthCodesPerMinute: positiveInt(20),
} satisfies Record<EnvKey, z.ZodMiniType>);

export type Config = z.infer<typeof configSchema>;
