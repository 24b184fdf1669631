import { z } from 'zod';
import { APPID_PATTERN, type EnvKey } from '../contract';

const appid = z.string().regex(APPID_PATTERN, 'must look like wx followed by 16 letters or digits');
const nonEmpty = z.string().trim().min(1, 'must be set');
const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);
const list = z
  .string()
  .default('')
  .transform((value) =>
    value
      .split(',')
      .map((entry) => entry.trim())
      .filter(Boolean),
  );

/** Every setting any function may read, by config key (its variable is `ENV[key]`); each function picks the subset it needs. */
export const configSchema = z.object({
  componentAppid: appid,
  secretArn: nonEmpty,
  apiBase: z.url({ protocol: /^https?$/ }).default('https://api.weixin.qq.com'),
  apiTimeoutMs: positiveInt(5000),
  // Attempts per WeChat call, retries included (only -1, network errors and 5xx are retried).
  apiMaxAttempts: positiveInt(3),
  openBase: z.url({ protocol: /^https?$/ }).default('https://open.weixin.qq.com'),
  // Where the PC authorization page (componentloginpage) lives; the simulator locally.
  mpBase: z.url({ protocol: /^https?$/ }).default('https://mp.weixin.qq.com'),
  tableName: nonEmpty,
  kmsKeyId: nonEmpty,
  refresherFunction: nonEmpty,
  // 15 min: three 5-minute schedule ticks of slack before a reader would see the token as too old.
  refreshMarginSec: positiveInt(900),
  // Longer than the API client's worst case (3 attempts x 5 s timeout + backoff).
  refreshLeaseSec: positiveInt(60),
  // docs/wechat-protocol.md §2: WeChat sets no window; 10 min tolerates its retries and clock drift.
  pushMaxSkewSec: positiveInt(600),
  authorizerAppids: list.pipe(z.array(appid)),
  h5OAuthSessionSecretArn: nonEmpty,
  h5OAuthCallbackUrl: z.url({ protocol: /^https?$/ }),
  // Comma-separated URL prefixes; checked in detail by shared/h5-oauth/return-to.ts.
  h5OAuthAllowedReturnTo: nonEmpty.transform((value) =>
    value
      .split(',')
      .map((entry) => entry.trim())
      .filter(Boolean),
  ),
  // 'off' unbinds callbacks from the browser, for webviews that lose cookies (PKCE still binds login codes); see README.
  h5OAuthCookieBinding: z.enum(['on', 'off']).default('on'),
  h5OAuthStateTtlSec: positiveInt(600),
  h5OAuthLoginCodeTtlSec: positiveInt(120),
  h5OAuthSessionTtlSec: positiveInt(86_400),
  authorizerJobsQueueUrl: z.url({ protocol: /^https?$/ }),
  // As for the component token: refreshed this long before expiry; 24 h / (7200 s - 900 s) = 14 refreshes a day at most.
  authorizerRefreshMarginSec: positiveInt(900),
  // Longer than one refresh's worst case (3 attempts x 5 s timeout + backoff), as the component lease.
  authorizerLeaseSec: positiveInt(60),
  authorizerWorkerFunction: nonEmpty,
  // Our /authorize page: what the operator's signed links point at (its host is the 授权发起页域名).
  authorizationPageUrl: z.url({ protocol: /^https?$/ }),
  authorizationCallbackUrl: z.url({ protocol: /^https?$/ }),
  authorizationLinkSecretArn: nonEmpty,
  // 'signed' (default): the page opens only from an operator's signed, expiring link; 'open': anyone may open it.
  authorizationPageMode: z.enum(['signed', 'open']).default('signed'),
  // Each pre-auth code costs quota: the page creates at most this many per minute, all links together.
  preAuthCodesPerMinute: positiveInt(20),
} satisfies Record<EnvKey, z.ZodType>);

export type Config = z.infer<typeof configSchema>;
