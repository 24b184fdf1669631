import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readSimEnv } from '../../../local/wechat-sim/cli-config';
import {
  TEST_COMPONENT_APPID,
  TEST_COMPONENT_APPSECRET,
  TEST_ENCODING_AES_KEY,
  TEST_MESSAGE_TOKEN,
} from '../../../local/wechat-sim/defaults';

describe('readSimEnv', () => {
  it('falls back to the TEST defaults, port 3100, a 600 s interval and no pushes', () => {
    const options = readSimEnv({});

    expect(options).toEqual({
      componentAppid: TEST_COMPONENT_APPID,
      componentAppsecret: TEST_COMPONENT_APPSECRET,
      token: TEST_MESSAGE_TOKEN,
      encodingAesKey: TEST_ENCODING_AES_KEY,
      port: 3100,
      ticketIntervalSec: 600,
    });
  });

  it('reads every SIM_ and WECHAT_COMPONENT_ variable', () => {
    const options = readSimEnv({
      SIM_PORT: '4000',
      SIM_TICKET_INTERVAL_S: '0',
      SIM_PUSH_URL: 'http://127.0.0.1:3000/wechat/component/events',
      SIM_DAILY_QUOTA: '5',
      WECHAT_COMPONENT_APPID: 'wxaaaaaaaaaaaaaaaa',
      WECHAT_COMPONENT_APPSECRET: 'secret',
      WECHAT_COMPONENT_TOKEN: 'token',
      WECHAT_COMPONENT_ENCODING_AES_KEY: 'B'.repeat(43),
    });

    expect(options).toEqual({
      componentAppid: 'wxaaaaaaaaaaaaaaaa',
      componentAppsecret: 'secret',
      token: 'token',
      encodingAesKey: 'B'.repeat(43),
      port: 4000,
      ticketIntervalSec: 0,
      pushUrl: 'http://127.0.0.1:3000/wechat/component/events',
      dailyQuota: 5,
    });
  });

  it('reads the account authorization variables, lists comma-separated', () => {
    const options = readSimEnv({
      SIM_AUTHORIZATION_ACCOUNTS: 'wx2222222222222222, wx3333333333333333,',
      SIM_AUTHORIZATION_DOMAINS: 'auth.example.com',
      SIM_ROTATE_REFRESH_TOKEN_EVERY: '12',
      SIM_AUTHORIZER_TOKEN_DAILY_QUOTA: '100',
    });

    expect(options).toMatchObject({
      authorizationAccounts: ['wx2222222222222222', 'wx3333333333333333'],
      authorizationDomains: ['auth.example.com'],
      rotateRefreshTokenEvery: 12,
      authorizerTokenDailyQuota: 100,
    });
    expect(() => readSimEnv({ SIM_ROTATE_REFRESH_TOKEN_EVERY: 'often' })).toThrow(
      /^SIM_ROTATE_REFRESH_TOKEN_EVERY must be a whole number$/,
    );
  });

  it('throws a TypeError naming a variable that is not a whole number', () => {
    expect(() => readSimEnv({ SIM_PORT: 'abc' })).toThrow(/^SIM_PORT must be a whole number$/);
    expect(() => readSimEnv({ SIM_DAILY_QUOTA: '-1' })).toThrow(TypeError);
  });

  it('exports a TEST EncodingAESKey of 43 letters and digits', () => {
    expect(TEST_ENCODING_AES_KEY).toMatch(/^[A-Za-z0-9]{43}$/);
  });
});

describe('main.ts', () => {
  it('starts, answers HTTP, and exits 0 on SIGINT', async () => {
    const mainPath = fileURLToPath(new URL('../../../local/wechat-sim/main.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', mainPath], {
      env: { ...process.env, SIM_PORT: '0', SIM_TICKET_INTERVAL_S: '0', SIM_PUSH_URL: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

    await expect.poll(() => /ready at (http:\/\/127\.0\.0\.1:\d+)/.exec(output), { timeout: 15_000 }).not.toBeNull();
    const url = /ready at (http:\/\/127\.0\.0\.1:\d+)/.exec(output)![1]!;
    const stats = await fetch(`${url}/__sim/stats`);
    child.kill('SIGINT');
    const code = await exited;

    expect(stats.status).toBe(200);
    expect(code).toBe(0);
    expect(output).toContain('closed');
  });
});
