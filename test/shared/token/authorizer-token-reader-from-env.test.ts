import { describe, expect, it } from 'vitest';
import { ENV } from '../../../shared/contract';
import { createAuthorizerTokenReaderFromEnv } from '../../../shared/token';

const ENVIRONMENT: Record<string, string> = {
  [ENV.componentAppid]: 'wx1234567890abcdef',
  [ENV.tableName]: 'wechat-component',
  [ENV.kmsKeyId]: 'alias/wechat-component',
  [ENV.authorizerWorkerFunction]: 'authorizer-worker:reader',
};

describe('createAuthorizerTokenReaderFromEnv', () => {
  it('builds a reader from the four variables the grant sets, calling nothing yet', () => {
    const reader = createAuthorizerTokenReaderFromEnv({ env: ENVIRONMENT });

    expect(typeof reader.getAuthorizerAccessToken).toBe('function');
  });

  it.each(Object.keys(ENVIRONMENT))('throws a ConfigError naming %s when it is missing', (name) => {
    const { [name]: _missing, ...env } = ENVIRONMENT;

    expect(() => createAuthorizerTokenReaderFromEnv({ env })).toThrow(
      expect.objectContaining({ name: 'ConfigError', message: expect.stringContaining(name) }),
    );
  });
});
