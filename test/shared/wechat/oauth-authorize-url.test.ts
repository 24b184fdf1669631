import { describe, expect, it } from 'vitest';
import { buildAuthorizeUrl } from '../../../shared/wechat/oauth-authorize-url';

const INPUT = {
  openBaseUrl: 'https://open.weixin.qq.com',
  authorizerAppid: 'wx1111111111111111',
  redirectUri: 'https://auth.example.com/oauth/callback',
  scope: 'snsapi_userinfo' as const,
  state: 'AbCdEfGhIjKlMnOpQrStUvWxYz012345',
  componentAppid: 'wx1234567890abcdef',
};

describe('buildAuthorizeUrl', () => {
  it("is WeChat's authorize URL with the parameters in WeChat's order, connect_redirect=1 and #wechat_redirect", () => {
    const url = buildAuthorizeUrl(INPUT);

    expect(url).toBe(
      'https://open.weixin.qq.com/connect/oauth2/authorize?appid=wx1111111111111111' +
        '&redirect_uri=https%3A%2F%2Fauth.example.com%2Foauth%2Fcallback&response_type=code&scope=snsapi_userinfo' +
        '&state=AbCdEfGhIjKlMnOpQrStUvWxYz012345&component_appid=wx1234567890abcdef&connect_redirect=1#wechat_redirect',
    );
  });

  it('percent-encodes the redirect_uri, with %20 and never +', () => {
    const url = buildAuthorizeUrl({ ...INPUT, redirectUri: 'https://auth.example.com/oauth/callback?x=a b&y=1' });

    expect(new URL(url).search).toContain('redirect_uri=https%3A%2F%2Fauth.example.com%2Foauth%2Fcallback%3Fx%3Da%20b%26y%3D1&');
    expect(new URL(url).searchParams.get('redirect_uri')).toBe('https://auth.example.com/oauth/callback?x=a b&y=1');
  });

  it('accepts a base URL with trailing slashes (the simulator on a local port)', () => {
    const url = buildAuthorizeUrl({ ...INPUT, openBaseUrl: 'http://127.0.0.1:3100//' });

    expect(url.startsWith('http://127.0.0.1:3100/connect/oauth2/authorize?appid=')).toBe(true);
  });

  it('puts the scope it is given', () => {
    expect(new URL(buildAuthorizeUrl({ ...INPUT, scope: 'snsapi_base' })).searchParams.get('scope')).toBe('snsapi_base');
  });
});
