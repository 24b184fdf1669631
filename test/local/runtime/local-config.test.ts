import { describe, expect, it } from 'vitest';
import { LocalConfigError, readLocalConfig } from '../../../local/runtime/local-config';
import {
  TEST_COMPONENT_APPID,
  TEST_COMPONENT_APPSECRET,
  TEST_ENCODING_AES_KEY,
  TEST_MESSAGE_TOKEN,
} from '../../../local/wechat-sim/defaults';

// Distinctive values: an error that quotes any input would carry one of them.
const CANARY = 'CANARYlocal3f9a';

function localConfigErrorOf(env: NodeJS.ProcessEnv): LocalConfigError {
  try {
    readLocalConfig(env);
  } catch (err) {
    if (err instanceof LocalConfigError) return err;
    throw err;
  }
  throw new Error('expected a LocalConfigError');
}

const namesIn = (err: LocalConfigError) => err.problems.map((problem) => problem.split(' ')[0]);

describe('readLocalConfig', () => {
  it('runs on the TEST defaults when nothing is set', () => {
    const config = readLocalConfig({});

    expect(config).toMatchObject({ port: 3000, apiBase: null, refreshIntervalSec: 300, usingTestDefaults: true });
    expect(config.sim).toMatchObject({
      componentAppid: TEST_COMPONENT_APPID,
      componentAppsecret: TEST_COMPONENT_APPSECRET,
      token: TEST_MESSAGE_TOKEN,
      encodingAesKey: TEST_ENCODING_AES_KEY,
      port: 3100,
      ticketIntervalSec: 600,
    });
  });

  it('treats blank variables as unset', () => {
    const config = readLocalConfig({ PORT: '  ', WECHAT_COMPONENT_APPSECRET: ' ', WECHAT_API_BASE: '' });

    expect(config).toMatchObject({ port: 3000, apiBase: null, usingTestDefaults: true });
    expect(config.sim.componentAppsecret).toBe(TEST_COMPONENT_APPSECRET);
  });

  it('takes the values it is given, and hands the credentials to the simulator', () => {
    const env = {
      PORT: '8080',
      REFRESH_INTERVAL_S: '60',
      SIM_PORT: '8081',
      SIM_TICKET_INTERVAL_S: '30',
      SIM_DAILY_QUOTA: '5',
      WECHAT_COMPONENT_APPID: 'wx1234567890abcdef',
      WECHAT_COMPONENT_APPSECRET: `${CANARY}-appsecret`,
      WECHAT_COMPONENT_TOKEN: `${CANARY}token`,
      WECHAT_COMPONENT_ENCODING_AES_KEY: 'Zyxwvutsrqponmlkjihgfedcba9876543210ABCDEFG',
      WECHAT_API_BASE: 'http://127.0.0.1:9999',
    };

    const config = readLocalConfig(env);

    expect(config).toMatchObject({ port: 8080, refreshIntervalSec: 60, apiBase: 'http://127.0.0.1:9999', usingTestDefaults: false });
    expect(config.sim).toMatchObject({
      port: 8081,
      ticketIntervalSec: 30,
      dailyQuota: 5,
      componentAppid: env.WECHAT_COMPONENT_APPID,
      componentAppsecret: env.WECHAT_COMPONENT_APPSECRET,
      token: env.WECHAT_COMPONENT_TOKEN,
      encodingAesKey: env.WECHAT_COMPONENT_ENCODING_AES_KEY,
    });
  });

  it('stops calling the values TEST defaults as soon as any credential is given', () => {
    const config = readLocalConfig({ WECHAT_COMPONENT_TOKEN: `${CANARY}token` });

    expect(config.usingTestDefaults).toBe(false);
  });

  it('accepts port 0 for both servers, meaning any free port', () => {
    const config = readLocalConfig({ PORT: '0', SIM_PORT: '0' });

    expect(config.port).toBe(0);
    expect(config.sim.port).toBe(0);
  });

  it('throws naming every bad variable at once, never quoting a value', () => {
    const env = {
      PORT: `${CANARY}`,
      REFRESH_INTERVAL_S: '-5',
      SIM_PORT: '70000',
      SIM_TICKET_INTERVAL_S: '1.5',
      SIM_DAILY_QUOTA: `${CANARY}q`,
      WECHAT_COMPONENT_APPID: `wx${CANARY}`,
      WECHAT_COMPONENT_TOKEN: `${CANARY}${'t'.repeat(128)}`,
      WECHAT_COMPONENT_ENCODING_AES_KEY: `${CANARY}short`,
      WECHAT_API_BASE: `ftp://${CANARY}.example`,
    };

    const err = localConfigErrorOf(env);

    expect(err.name).toBe('LocalConfigError');
    expect(namesIn(err).sort()).toEqual(
      [
        'PORT',
        'REFRESH_INTERVAL_S',
        'SIM_PORT',
        'SIM_TICKET_INTERVAL_S',
        'SIM_DAILY_QUOTA',
        'WECHAT_COMPONENT_APPID',
        'WECHAT_COMPONENT_TOKEN',
        'WECHAT_COMPONENT_ENCODING_AES_KEY',
        'WECHAT_API_BASE',
      ].sort(),
    );
    const everything = `${err.message}\n${err.problems.join('\n')}`;
    expect(everything).not.toContain(CANARY);
    expect(everything).not.toContain('70000');
    expect(everything).not.toContain('1.5');
  });

  it('throws for ports above 65535, saying what is allowed', () => {
    const err = localConfigErrorOf({ PORT: '65536' });

    expect(err.problems).toEqual(['PORT must be a whole number up to 65535']);
  });

  it('throws when the simulator would listen on the service port', () => {
    const err = localConfigErrorOf({ PORT: '4000', SIM_PORT: '4000' });

    expect(err.problems).toEqual(['SIM_PORT must differ from PORT']);
  });

  it('throws for an API base that is not an http(s) URL', () => {
    for (const apiBase of ['api.weixin.qq.com', 'ftp://api.weixin.qq.com', 'https://exa mple.com']) {
      const err = localConfigErrorOf({ WECHAT_API_BASE: apiBase });

      expect(err.problems, apiBase).toEqual(['WECHAT_API_BASE must be an http(s) URL']);
    }
  });

  it('puts every problem on its own line of the message', () => {
    const err = localConfigErrorOf({ PORT: 'x', SIM_PORT: 'y' });

    expect(err.message).toBe(
      'invalid configuration:\n  - PORT must be a whole number up to 65535\n  - SIM_PORT must be a whole number up to 65535',
    );
  });
});

describe('readLocalConfig: h5-oauth settings', () => {
  it('turns the browser-binding cookie off only when WECHAT_H5_OAUTH_COOKIE_BINDING is off', () => {
    expect(readLocalConfig({}).cookieBinding).toBe(true);
    expect(readLocalConfig({ WECHAT_H5_OAUTH_COOKIE_BINDING: 'off' }).cookieBinding).toBe(false);
  });

  it('rejects an WECHAT_H5_OAUTH_COOKIE_BINDING that is neither on nor off, naming the variable', () => {
    expect(() => readLocalConfig({ WECHAT_H5_OAUTH_COOKIE_BINDING: 'maybe' })).toThrow(/WECHAT_H5_OAUTH_COOKIE_BINDING/);
  });

  it('rejects WECHAT_AUTHORIZER_APPIDS entries that are not appids and a return_to that is not a URL prefix', () => {
    expect(() => readLocalConfig({ WECHAT_AUTHORIZER_APPIDS: 'wx1111111111111111,nope' })).toThrow(/WECHAT_AUTHORIZER_APPIDS/);
    expect(() => readLocalConfig({ WECHAT_H5_OAUTH_ALLOWED_RETURN_TO: 'not a url' })).toThrow(/WECHAT_H5_OAUTH_ALLOWED_RETURN_TO/);
  });
});
