import * as v from 'valibot';
import { ENV, type EnvKey } from '../contract';
import { ConfigError } from './config-error';
import { type Config, configSchema } from './env-schema';

export { ConfigError };

/**
 * Reads and validates the settings a function needs from their environment variables, all at once, and fails naming
 * every bad variable (never its value).
 * @example const config = loadConfig(['componentAppid', 'tableName']); // config.tableName from WECHAT_TABLE_NAME
 */
export function loadConfig<K extends EnvKey>(keys: readonly K[], env: Record<string, string | undefined> = process.env): Pick<Config, K> {
  const input = Object.fromEntries(keys.map((key) => [key, env[ENV[key]]]));
  // The fallback message stands in for any check that names none: valibot's own quote the received value.
  const result = v.safeParse(v.pick(configSchema, keys as never), input, { message: 'is not valid' });
  if (!result.success) {
    throw new ConfigError(
      result.issues.map((issue) => {
        const key = issue.path?.[0]?.key as EnvKey;
        return `${ENV[key] ?? String(key)} ${issue.message}`;
      }),
    );
  }
  // valibot cannot type a pick over a generic key set; the return type restates what pick guarantees.
  return result.output as unknown as Pick<Config, K>;
}
