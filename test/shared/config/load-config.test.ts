import { describe, expect, it } from 'vitest';
import { ENV } from '../../../shared/config/env-schema';
import { ConfigError, loadConfig } from '../../../shared/config/load-config';

// Distinctive values: if any of them shows up in an error, the error quotes its input.
const CANARY = 'CANARYcfg9d41';

const VALID_ENV = {
  [ENV.componentAppid]: 'wx1234567890abcdef',
  [ENV.secretArn]: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:wechat-component',
  [ENV.tableName]: 'wechat-component',
  [ENV.kmsKeyId]: 'alias/wechat-component',
  [ENV.refresherFunctionName]: 'token-refresher',
  [ENV.sessionSecretArn]: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:wechat-session',
  [ENV.oauthCallbackUrl]: 'https://api.example.com/oauth/callback',
};
const RETURN_TO = 'https://h5.example.com/app/, https://other.example.com/';

const ALL_KEYS = Object.values(ENV);

function configErrorOf(action: () => unknown): ConfigError {
  try {
    action();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('returns the asked variables with the defaults applied to the unset ones', () => {
    const config = loadConfig(ALL_KEYS, { ...VALID_ENV, [ENV.oauthAllowedReturnTo]: RETURN_TO });

    expect(config).toEqual({
      ...VALID_ENV,
      [ENV.apiBase]: 'https://api.weixin.qq.com',
      [ENV.refreshMarginSec]: 900,
      [ENV.leaseDurationSec]: 60,
      [ENV.pushMaxSkewSec]: 600,
      [ENV.apiTimeoutMs]: 5000,
      [ENV.openBase]: 'https://open.weixin.qq.com',
      [ENV.oauthAllowedReturnTo]: ['https://h5.example.com/app/', 'https://other.example.com/'],
      [ENV.authorizerAppids]: [],
      [ENV.oauthCookieBinding]: 'on',
      [ENV.oauthStateTtlSec]: 600,
      [ENV.oauthLoginCodeTtlSec]: 120,
      [ENV.oauthSessionTtlSec]: 86_400,
    });
  });

  it('turns numeric variables into numbers', () => {
    const env = { ...VALID_ENV, [ENV.refreshMarginSec]: '1200', [ENV.apiTimeoutMs]: '2500' };

    const config = loadConfig([ENV.refreshMarginSec, ENV.apiTimeoutMs], env);

    expect(config).toEqual({ [ENV.refreshMarginSec]: 1200, [ENV.apiTimeoutMs]: 2500 });
  });

  it('picks only the asked variables, so a function is not failed by one it never reads', () => {
    const env = { [ENV.tableName]: 'wechat-component', [ENV.componentAppid]: `${CANARY}-not-an-appid` };

    const config = loadConfig([ENV.tableName], env);

    expect(config).toEqual({ [ENV.tableName]: 'wechat-component' });
  });

  it('throws a ConfigError naming every missing variable at once', () => {
    const err = configErrorOf(() => loadConfig([ENV.componentAppid, ENV.secretArn, ENV.tableName, ENV.kmsKeyId], {}));

    expect(err.code).toBe('INVALID_CONFIG');
    expect(err.name).toBe('ConfigError');
    expect(err.problems).toHaveLength(4);
    for (const name of [ENV.componentAppid, ENV.secretArn, ENV.tableName, ENV.kmsKeyId]) {
      expect(err.problems.some((problem) => problem.startsWith(`${name} `))).toBe(true);
      expect(err.message).toContain(name);
    }
  });

  it('throws a ConfigError naming every invalid variable without quoting any value', () => {
    const env = {
      ...VALID_ENV,
      [ENV.oauthAllowedReturnTo]: RETURN_TO,
      [ENV.componentAppid]: `wx${CANARY}`,
      [ENV.apiBase]: `ftp://${CANARY}.example`,
      [ENV.refreshMarginSec]: `${CANARY}`,
      [ENV.leaseDurationSec]: '-60',
      [ENV.pushMaxSkewSec]: '1.5',
      [ENV.tableName]: '   ',
    };

    const err = configErrorOf(() => loadConfig(ALL_KEYS, env));

    const named = err.problems.map((problem) => problem.split(' ')[0]).sort();
    expect(named).toEqual(
      [ENV.componentAppid, ENV.apiBase, ENV.refreshMarginSec, ENV.leaseDurationSec, ENV.pushMaxSkewSec, ENV.tableName].sort(),
    );
    const everything = `${err.message} ${JSON.stringify(err)} ${String(err.cause)}`;
    expect(everything).not.toContain(CANARY);
    expect(everything).not.toContain('-60');
    expect(everything).not.toContain('1.5');
  });

  it('rejects a number variable that is set but not a whole number as such, not as missing', () => {
    const env = { [ENV.refreshMarginSec]: 'fifteen minutes', [ENV.pushMaxSkewSec]: '1.5' };

    const err = configErrorOf(() => loadConfig([ENV.refreshMarginSec, ENV.pushMaxSkewSec], env));

    expect(err.problems).toEqual([
      `${ENV.refreshMarginSec} must be a positive whole number`,
      `${ENV.pushMaxSkewSec} must be a positive whole number`,
    ]);
  });

  it('rejects zero and negative numbers', () => {
    const env = { [ENV.leaseDurationSec]: '0', [ENV.apiTimeoutMs]: '-1' };

    const err = configErrorOf(() => loadConfig([ENV.leaseDurationSec, ENV.apiTimeoutMs], env));

    expect(err.problems.map((problem) => problem.split(' ')[0])).toEqual([ENV.leaseDurationSec, ENV.apiTimeoutMs]);
  });

  it('rejects an API base that is not an http(s) URL', () => {
    for (const apiBase of ['api.weixin.qq.com', 'ftp://api.weixin.qq.com', 'javascript:alert(1)']) {
      const err = configErrorOf(() => loadConfig([ENV.apiBase], { [ENV.apiBase]: apiBase }));

      expect(err.problems, apiBase).toHaveLength(1);
      expect(err.problems[0]).toMatch(new RegExp(`^${ENV.apiBase} `));
    }
  });

  it('accepts an http API base, as the local simulator uses', () => {
    const config = loadConfig([ENV.apiBase], { [ENV.apiBase]: 'http://127.0.0.1:3100' });

    expect(config[ENV.apiBase]).toBe('http://127.0.0.1:3100');
  });
});
