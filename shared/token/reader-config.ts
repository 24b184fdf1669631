import { ConfigError } from '../config/config-error';
import { APPID_PATTERN, ENV } from '../contract';

/** The variables a token reader reads: the component, where its tokens are kept, and whom to ask for a refresh. */
export type ReaderConfigKey = 'componentAppid' | 'tableName' | 'kmsKeyId' | 'refresherFunction' | 'authorizerWorkerFunction';

/**
 * Reads a token reader's settings from their environment variables with the same rules and messages as loadConfig,
 * checked by hand: the reader is bundled into other teams' functions, and the functions' schema library is hundreds
 * of kilobytes there. Fails naming every bad variable at once, never quoting a value.
 */
export function readReaderConfig<K extends ReaderConfigKey>(
  keys: readonly K[],
  env: Record<string, string | undefined> = process.env,
): Record<K, string> {
  const config = {} as Record<K, string>;
  const problems: string[] = [];
  for (const key of keys) {
    const value = env[ENV[key]]?.trim();
    if (value === undefined) problems.push(`${ENV[key]} is missing or not a string`);
    else if (value === '') problems.push(`${ENV[key]} must be set`);
    else if (key === 'componentAppid' && !APPID_PATTERN.test(value))
      problems.push(`${ENV[key]} must look like wx followed by 16 letters or digits`);
    else config[key] = value;
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
