import { z } from 'zod';
import { APPID_PATTERN, ENV } from './env-names';

export { APPID_PATTERN, ENV };

const appid = z.string().regex(APPID_PATTERN, 'must look like wx followed by 16 letters or digits');
const nonEmpty = z.string().trim().min(1, 'must be set');
const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

/** Every variable any function may read; each function picks the subset it needs. */
export const envSchema = z.object({
  [ENV.componentAppid]: appid,
  [ENV.secretArn]: nonEmpty,
  [ENV.apiBase]: z.url({ protocol: /^https?$/ }).default('https://api.weixin.qq.com'),
  [ENV.tableName]: nonEmpty,
  [ENV.kmsKeyId]: nonEmpty,
  [ENV.refresherFunctionName]: nonEmpty,
  // 15 min: three 5-minute schedule ticks of slack before a reader would see the token as too old.
  [ENV.refreshMarginSec]: positiveInt(900),
  // Longer than the API client's worst case (3 attempts x 5 s timeout + backoff).
  [ENV.leaseDurationSec]: positiveInt(60),
  // wechat-platform.md section 2: the docs set no window; 10 min tolerates WeChat's retries and clock drift.
  [ENV.pushMaxSkewSec]: positiveInt(600),
  [ENV.apiTimeoutMs]: positiveInt(5000),
  [ENV.openBase]: z.url({ protocol: /^https?$/ }).default('https://open.weixin.qq.com'),
  [ENV.sessionSecretArn]: nonEmpty,
  [ENV.oauthCallbackUrl]: z.url({ protocol: /^https?$/ }),
  // Comma-separated URL prefixes; checked in detail by shared/oauth/return-to.ts.
  [ENV.oauthAllowedReturnTo]: nonEmpty.transform((value) => value.split(',').map((entry) => entry.trim()).filter(Boolean)),
  [ENV.authorizerAppids]: z
    .string()
    .default('')
    .transform((value) => value.split(',').map((entry) => entry.trim()).filter(Boolean))
    .pipe(z.array(appid)),
  // 'off' unbinds callbacks from the browser, for webviews that lose cookies (PKCE still binds login codes); see README.
  [ENV.oauthCookieBinding]: z.enum(['on', 'off']).default('on'),
  [ENV.oauthStateTtlSec]: positiveInt(600),
  [ENV.oauthLoginCodeTtlSec]: positiveInt(120),
  [ENV.oauthSessionTtlSec]: positiveInt(86_400),
});

export type EnvConfig = z.infer<typeof envSchema>;
