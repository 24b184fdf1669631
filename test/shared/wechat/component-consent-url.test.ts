import { describe, expect, it } from 'vitest';
import { buildBindComponentUrl, buildComponentLoginPageUrl } from '../../../shared/wechat/component-consent-url';

const INPUT = {
  componentAppid: 'wx1234567890abcdef',
  preAuthCode: 'preauthcode@abc+/=',
  redirectUri: 'https://auth.example.com/authorize/callback?from=link',
  authType: 3 as const,
};

describe('buildComponentLoginPageUrl', () => {
  it('builds the PC link with the parameters in WeChat order, each percent-encoded', () => {
    const url = buildComponentLoginPageUrl('https://mp.weixin.qq.com/', INPUT);

    expect(url).toBe(
      'https://mp.weixin.qq.com/cgi-bin/componentloginpage?component_appid=wx1234567890abcdef&pre_auth_code=preauthcode%40abc%2B%2F%3D' +
        '&redirect_uri=https%3A%2F%2Fauth.example.com%2Fauthorize%2Fcallback%3Ffrom%3Dlink&auth_type=3',
    );
    expect(new URL(url).searchParams.get('redirect_uri')).toBe(INPUT.redirectUri);
  });

  it('adds biz_appid last when one account is expected', () => {
    expect(buildComponentLoginPageUrl('https://mp.weixin.qq.com', { ...INPUT, bizAppid: 'wxabcdefabcdef0001' })).toMatch(
      /&auth_type=3&biz_appid=wxabcdefabcdef0001$/,
    );
  });
});

describe('buildBindComponentUrl', () => {
  it('builds the in-WeChat link: action and no_scan first, the same parameters, and the #wechat_redirect fragment', () => {
    const url = new URL(buildBindComponentUrl('https://open.weixin.qq.com', { ...INPUT, bizAppid: 'wxabcdefabcdef0001' }));

    expect(`${url.origin}${url.pathname}`).toBe('https://open.weixin.qq.com/wxaopen/safe/bindcomponent');
    expect([...url.searchParams]).toEqual([
      ['action', 'bindcomponent'],
      ['no_scan', '1'],
      ['component_appid', INPUT.componentAppid],
      ['pre_auth_code', INPUT.preAuthCode],
      ['redirect_uri', INPUT.redirectUri],
      ['auth_type', '3'],
      ['biz_appid', 'wxabcdefabcdef0001'],
    ]);
    expect(url.hash).toBe('#wechat_redirect');
  });
});
