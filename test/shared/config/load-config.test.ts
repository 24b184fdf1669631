import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../shared/config/load-config';
import { ENV, type EnvKey } from '../../../shared/contract';

// Distinctive values: if any of them shows up in an error, the error quotes its input.
const CANARY = 'CANARYcfg9d41';

const VALID_ENV = {
  [ENV.componentAppid]: 'wx1234567890abcdef',
  [ENV.secretArn]: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:wechat-component',
  [ENV.tableName]: 'wechat-component',
  [ENV.kmsKeyId]: 'alias/wechat-component',
  [ENV.refresherFunction]: 'token-refresher',
  [ENV.h5OAuthSessionSecretArn]: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:wechat-session',
  [ENV.h5OAuthCallbackUrl]: 'https://api.example.com/h5-oauth/callback',
  [ENV.authorizerJobsQueueUrl]: 'https://sqs.us-east-1.amazonaws.com/000000000000/authorizer-jobs',
  [ENV.authorizerWorkerFunction]: 'authorizer-worker:reader',
  [ENV.authorizationPageUrl]: 'https://api.example.com/authorize',
  [ENV.authorizationCallbackUrl]: 'https://api.example.com/authorize/callback',
  [ENV.authorizationLinkSecretArn]: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:wechat-authorization-link',
};
const RETURN_TO = 'https://h5.example.com/app/, https://other.example.com/';

const ALL_KEYS = Object.keys(ENV) as EnvKey[];

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
  it('returns the settings by config key, read from the variables ENV names', () => {
    const config = loadConfig(['tableName', 'refreshLeaseSec'], {
      [ENV.tableName]: 'wechat-component',
      [ENV.refreshLeaseSec]: '30',
      refreshLeaseSec: '99',
      tableName: 'wrong',
    });

    expect(config).toEqual({ tableName: 'wechat-component', refreshLeaseSec: 30 });
  });

  it('returns the asked variables with the defaults applied to the unset ones', () => {
    const config = loadConfig(ALL_KEYS, { ...VALID_ENV, [ENV.h5OAuthAllowedReturnTo]: RETURN_TO });

    expect(config).toEqual({
      componentAppid: 'wx1234567890abcdef',
      secretArn: VALID_ENV[ENV.secretArn],
      tableName: 'wechat-component',
      kmsKeyId: 'alias/wechat-component',
      refresherFunction: 'token-refresher',
      h5OAuthSessionSecretArn: VALID_ENV[ENV.h5OAuthSessionSecretArn],
      h5OAuthCallbackUrl: 'https://api.example.com/h5-oauth/callback',
      authorizerJobsQueueUrl: VALID_ENV[ENV.authorizerJobsQueueUrl],
      authorizerWorkerFunction: 'authorizer-worker:reader',
      authorizationPageUrl: 'https://api.example.com/authorize',
      authorizationCallbackUrl: 'https://api.example.com/authorize/callback',
      authorizationLinkSecretArn: VALID_ENV[ENV.authorizationLinkSecretArn],
      apiBase: 'https://api.weixin.qq.com',
      apiMaxAttempts: 3,
      refreshMarginSec: 900,
      refreshLeaseSec: 60,
      pushMaxSkewSec: 600,
      apiTimeoutMs: 5000,
      openBase: 'https://open.weixin.qq.com',
      mpBase: 'https://mp.weixin.qq.com',
      authorizerRefreshMarginSec: 900,
      authorizerLeaseSec: 60,
      authorizationPageMode: 'signed',
      preAuthCodesPerMinute: 20,
      h5OAuthAllowedReturnTo: ['https://h5.example.com/app/', 'https://other.example.com/'],
      authorizerAppids: [],
      h5OAuthCookieBinding: 'on',
      h5OAuthStateTtlSec: 600,
      h5OAuthLoginCodeTtlSec: 120,
      h5OAuthSessionTtlSec: 86_400,
    });
  });

  it('turns numeric variables into numbers', () => {
    const env = { ...VALID_ENV, [ENV.refreshMarginSec]: '1200', [ENV.apiTimeoutMs]: '2500' };

    const config = loadConfig(['refreshMarginSec', 'apiTimeoutMs'], env);

    expect(config).toEqual({ refreshMarginSec: 1200, apiTimeoutMs: 2500 });
  });

  it('picks only the asked variables, so a function is not failed by one it never reads', () => {
    const env = { [ENV.tableName]: 'wechat-component', [ENV.componentAppid]: `${CANARY}-not-an-appid` };

    const config = loadConfig(['tableName'], env);

    expect(config).toEqual({ tableName: 'wechat-component' });
  });

  it('throws a ConfigError naming every missing variable at once', () => {
    const err = configErrorOf(() => loadConfig(['componentAppid', 'secretArn', 'tableName', 'kmsKeyId'], {}));

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
      [ENV.h5OAuthAllowedReturnTo]: RETURN_TO,
      [ENV.componentAppid]: `wx${CANARY}`,
      [ENV.apiBase]: `ftp://${CANARY}.example`,
      [ENV.refreshMarginSec]: `${CANARY}`,
      [ENV.refreshLeaseSec]: '-60',
      [ENV.pushMaxSkewSec]: '1.5',
      [ENV.tableName]: '   ',
    };

    const err = configErrorOf(() => loadConfig(ALL_KEYS, env));

    const named = err.problems.map((problem) => problem.split(' ')[0]).sort();
    expect(named).toEqual(
      [ENV.componentAppid, ENV.apiBase, ENV.refreshMarginSec, ENV.refreshLeaseSec, ENV.pushMaxSkewSec, ENV.tableName].sort(),
    );
    const everything = `${err.message} ${JSON.stringify(err)} ${String(err.cause)}`;
    expect(everything).not.toContain(CANARY);
    expect(everything).not.toContain('-60');
    expect(everything).not.toContain('1.5');
  });

  it('rejects a number variable that is set but not a whole number as such, not as missing', () => {
    const env = { [ENV.refreshMarginSec]: 'fifteen minutes', [ENV.pushMaxSkewSec]: '1.5' };

    const err = configErrorOf(() => loadConfig(['refreshMarginSec', 'pushMaxSkewSec'], env));

    expect(err.problems).toEqual([
      `${ENV.refreshMarginSec} must be a positive whole number`,
      `${ENV.pushMaxSkewSec} must be a positive whole number`,
    ]);
  });

  it('rejects zero and negative numbers', () => {
    const env = { [ENV.refreshLeaseSec]: '0', [ENV.apiTimeoutMs]: '-1' };

    const err = configErrorOf(() => loadConfig(['refreshLeaseSec', 'apiTimeoutMs'], env));

    expect(err.problems.map((problem) => problem.split(' ')[0])).toEqual([ENV.refreshLeaseSec, ENV.apiTimeoutMs]);
  });

  it('rejects an API base that is not an http(s) URL', () => {
    for (const apiBase of ['api.weixin.qq.com', 'ftp://api.weixin.qq.com', 'javascript:alert(1)']) {
      const err = configErrorOf(() => loadConfig(['apiBase'], { [ENV.apiBase]: apiBase }));

      expect(err.problems, apiBase).toHaveLength(1);
      expect(err.problems[0]).toMatch(new RegExp(`^${ENV.apiBase} `));
    }
  });

  it('accepts an http API base, as the local simulator uses', () => {
    const config = loadConfig(['apiBase'], { [ENV.apiBase]: 'http://127.0.0.1:3100' });

    expect(config.apiBase).toBe('http://127.0.0.1:3100');
  });

  // The exact words an operator reads for each kind of bad value, so a change of validation library cannot change them.
  it.each([
    ['componentAppid', 'wx123', 'must look like wx followed by 16 letters or digits'],
    ['componentAppid', undefined, 'is missing or not a string'],
    ['tableName', '   ', 'must be set'],
    ['tableName', '', 'must be set'],
    ['apiBase', 'ftp://api.weixin.qq.com', 'Invalid URL'],
    ['apiBase', 'api.weixin.qq.com', 'Invalid URL'],
    ['h5OAuthCallbackUrl', undefined, 'is missing or not a string'],
    ['h5OAuthCallbackUrl', 'javascript:alert(1)', 'Invalid URL'],
    ['apiTimeoutMs', 'abc', 'must be a positive whole number'],
    ['apiTimeoutMs', 'Infinity', 'must be a positive whole number'],
    ['apiTimeoutMs', '1.5', 'must be a positive whole number'],
    ['apiTimeoutMs', '0', 'Too small: expected number to be >0'],
    ['apiTimeoutMs', '', 'Too small: expected number to be >0'],
    ['apiTimeoutMs', '99999999999999999999', 'Too big: expected int to be <=9007199254740991'],
    ['h5OAuthCookieBinding', 'maybe', 'Invalid option: expected one of "on"|"off"'],
    ['authorizationPageMode', '', 'Invalid option: expected one of "signed"|"open"'],
    ['authorizerAppids', 'wx1234567890abcdef, nope', 'must look like wx followed by 16 letters or digits'],
    ['h5OAuthAllowedReturnTo', undefined, 'is missing or not a string'],
  ] as const)('says %s=%j is wrong in these words: %s', (key: EnvKey, value, message) => {
    const err = configErrorOf(() => loadConfig([key], value === undefined ? {} : { [ENV[key]]: value }));

    expect(err.problems).toEqual([`${ENV[key]} ${message}`]);
  });

  it('reads lists comma-separated, trimmed, empty entries dropped', () => {
    const env = {
      [ENV.authorizerAppids]: ' wx1234567890abcdef ,, wx1234567890abcdeg ,',
      [ENV.h5OAuthAllowedReturnTo]: ' , ',
      [ENV.apiTimeoutMs]: '1e3',
    };

    expect(loadConfig(['authorizerAppids', 'h5OAuthAllowedReturnTo', 'apiTimeoutMs'], env)).toEqual({
      authorizerAppids: ['wx1234567890abcdef', 'wx1234567890abcdeg'],
      h5OAuthAllowedReturnTo: [],
      apiTimeoutMs: 1000,
    });
    expect(loadConfig(['authorizerAppids'], {})).toEqual({ authorizerAppids: [] });
  });
});
