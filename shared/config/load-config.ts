import type { z } from 'zod';
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
  const mask = Object.fromEntries(keys.map((key) => [key, true])) as Record<K, true>;
  const input = Object.fromEntries(keys.map((key) => [key, env[ENV[key]]]));
  // zod cannot type a pick over a generic key set; the return type below restates what pick guarantees.
  const result = configSchema.pick(mask as never).safeParse(input);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => `${ENV[issue.path[0] as EnvKey] ?? String(issue.path[0])} ${describeIssue(issue)}`),
    );
  }
  return result.data as unknown as Pick<Config, K>;
}

// zod's default messages can quote the received value; we only ever say what was expected.
function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type') {
    // A set but non-numeric value ('abc', '1.5') is a type error too; "missing" would send the operator looking in the wrong place.
    return issue.expected === 'number' || issue.expected === 'int' ? 'must be a positive whole number' : 'is missing or not a string';
  }
  return issue.message;
}
