import { describe, expect, it } from 'vitest';
import { createAuthorizationPageDepsFromEnv } from '../../../functions/authorization-page/deps';
import { ConfigError } from '../../../shared/config/load-config';

const ENV = {
  WECHAT_COMPONENT_APPID: 'wx1234567890abcdef',
  WECHAT_TABLE_NAME: 'table',
  WECHAT_KMS_KEY_ID: 'key',
  WECHAT_REFRESHER_FUNCTION: 'token-refresher:reader',
  WECHAT_AUTHORIZER_JOBS_QUEUE_URL: 'https://sqs.ap-east-1.amazonaws.com/000000000000/jobs',
  WECHAT_AUTHORIZATION_PAGE_URL: 'https://auth.example.com/authorize',
  WECHAT_AUTHORIZATION_CALLBACK_URL: 'https://auth.example.com/authorize/callback',
  WECHAT_AUTHORIZATION_LINK_SECRET_ARN: 'arn:aws:secretsmanager:ap-east-1:000000000000:secret:link',
};

describe('createAuthorizationPageDepsFromEnv', () => {
  it('wires the page in signed mode with 20 pre-auth codes a minute by default', () => {
    const deps = createAuthorizationPageDepsFromEnv({ env: ENV });

    expect(deps.pageMode).toBe('signed');
    expect(deps.callbackUrl).toBe(ENV.WECHAT_AUTHORIZATION_CALLBACK_URL);
    expect(deps.mpBaseUrl).toBe('https://mp.weixin.qq.com');
    expect(deps.openBaseUrl).toBe('https://open.weixin.qq.com');
  });

  it('throws at cold start, naming both variables, when the page and its callback are on different hosts', () => {
    const env = { ...ENV, WECHAT_AUTHORIZATION_CALLBACK_URL: 'https://other.example.com/authorize/callback' };

    const run = () => createAuthorizationPageDepsFromEnv({ env });

    expect(run).toThrow(ConfigError);
    expect(run).toThrow(/WECHAT_AUTHORIZATION_PAGE_URL and WECHAT_AUTHORIZATION_CALLBACK_URL must be on the same host/);
  });

  it('throws naming every missing variable, and a page mode that is neither signed nor open', () => {
    const { WECHAT_AUTHORIZATION_LINK_SECRET_ARN: _secret, WECHAT_AUTHORIZATION_CALLBACK_URL: _callback, ...rest } = ENV;

    const run = () => createAuthorizationPageDepsFromEnv({ env: { ...rest, WECHAT_AUTHORIZATION_PAGE_MODE: 'public' } });

    expect(run).toThrow(/WECHAT_AUTHORIZATION_CALLBACK_URL/);
    expect(run).toThrow(/WECHAT_AUTHORIZATION_LINK_SECRET_ARN/);
    expect(run).toThrow(/WECHAT_AUTHORIZATION_PAGE_MODE/);
  });
});
