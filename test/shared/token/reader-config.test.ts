import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../shared/config/config-error';
import { loadConfig } from '../../../shared/config/load-config';
import { ENV } from '../../../shared/contract';
import { readReaderConfig } from '../../../shared/token/reader-config';
import { catchError } from '../../support/catch-error';

const KEYS = ['componentAppid', 'tableName', 'kmsKeyId', 'refresherFunction'] as const;
const VALID = {
  [ENV.componentAppid]: 'wx1234567890abcdef',
  [ENV.tableName]: ' wechat-component ',
  [ENV.kmsKeyId]: 'alias/wechat-component',
  [ENV.refresherFunction]: 'token-refresher:reader',
};

function configError(action: () => unknown): ConfigError {
  const err = catchError(action);
  if (!(err instanceof ConfigError)) throw err;
  return err;
}

describe('readReaderConfig', () => {
  it('reads the values as loadConfig does, trimmed', () => {
    expect(readReaderConfig(KEYS, VALID)).toEqual(loadConfig(KEYS, VALID));
  });

  it('names every bad variable at once, with the messages of loadConfig, never quoting a value', () => {
    const env = { [ENV.componentAppid]: 'wx-secret-looking-value', [ENV.tableName]: '  ', [ENV.kmsKeyId]: 'k' };

    const ours = configError(() => readReaderConfig(KEYS, env));

    expect(ours.problems).toEqual(configError(() => loadConfig(KEYS, env)).problems);
    expect(ours.problems).toHaveLength(3);
    expect(ours.message).not.toContain('wx-secret-looking-value');
  });
});
