import { describe, expect, it } from 'vitest';
import type { WechatCall } from '../../../shared/wechat/component-api';
import { WechatApiError } from '../../../shared/wechat/errors';
import { createSnsApi } from '../../../shared/wechat/sns-api';

/** A WeChat that answers `answer` and remembers what it was asked (the injected `call`, no HTTP). */
function fakeWechat(answer: Record<string, unknown>) {
  const calls: WechatCall[] = [];
  const call = async <T>(request: WechatCall): Promise<T> => {
    calls.push(request);
    return answer as T;
  };
  return { api: createSnsApi(call), calls };
}

const EXCHANGE = {
  authorizerAppid: 'wx1111111111111111',
  code: 'CANARY-code-0001',
  componentAppid: 'wx1234567890abcdef',
  componentAccessToken: 'CANARY-component-token',
};
const TOKEN_ANSWER = {
  access_token: 'CANARY-user-token',
  expires_in: 7200,
  refresh_token: 'CANARY-refresh',
  openid: 'o-user',
  scope: 'snsapi_userinfo',
};

describe('createSnsApi().exchangeCode', () => {
  it("calls /sns/oauth2/component/access_token with WeChat's parameters in WeChat's order, naming the code and token as secrets and marking the call single-use", async () => {
    const { api, calls } = fakeWechat(TOKEN_ANSWER);

    await api.exchangeCode(EXCHANGE);

    expect(calls).toEqual([
      {
        api: 'sns_component_access_token',
        method: 'GET',
        path: '/sns/oauth2/component/access_token',
        query: {
          appid: EXCHANGE.authorizerAppid,
          code: EXCHANGE.code,
          grant_type: 'authorization_code',
          component_appid: EXCHANGE.componentAppid,
          component_access_token: EXCHANGE.componentAccessToken,
        },
        secrets: [EXCHANGE.code, EXCHANGE.componentAccessToken],
        singleUse: true,
      },
    ]);
    expect(Object.keys(calls[0]!.query!)).toEqual(['appid', 'code', 'grant_type', 'component_appid', 'component_access_token']);
  });

  it('returns the user token in our terms, with unionid when WeChat sends one', async () => {
    const { api } = fakeWechat({ ...TOKEN_ANSWER, unionid: 'u-user' });

    const token = await api.exchangeCode(EXCHANGE);

    expect(token).toEqual({
      accessToken: 'CANARY-user-token',
      refreshToken: 'CANARY-refresh',
      openid: 'o-user',
      expiresInSec: 7200,
      scope: 'snsapi_userinfo',
      isSnapshotUser: false,
      unionid: 'u-user',
    });
  });

  it('marks a snapshot-mode virtual user when the exchange says is_snapshotuser=1', async () => {
    const { api } = fakeWechat({ ...TOKEN_ANSWER, is_snapshotuser: 1 });

    const token = await api.exchangeCode(EXCHANGE);

    expect(token.isSnapshotUser).toBe(true);
  });

  it('assumes 7200 s when expires_in is missing and drops an empty unionid', async () => {
    const { api } = fakeWechat({ ...TOKEN_ANSWER, expires_in: undefined, unionid: '' });

    const token = await api.exchangeCode(EXCHANGE);

    expect(token.expiresInSec).toBe(7200);
    expect(token).not.toHaveProperty('unionid');
  });

  it.each([
    ['access_token', { ...TOKEN_ANSWER, access_token: undefined }],
    ['refresh_token', { ...TOKEN_ANSWER, refresh_token: 42 }],
    ['openid', { ...TOKEN_ANSWER, openid: '' }],
  ])('throws WechatApiError BAD_RESPONSE, not retryable, when %s is missing or wrong', async (_field, answer) => {
    const { api } = fakeWechat(answer);

    const error = await api.exchangeCode(EXCHANGE).catch((err: unknown) => err);

    expect(error).toBeInstanceOf(WechatApiError);
    expect(error).toMatchObject({ code: 'BAD_RESPONSE', api: 'sns_component_access_token', retryable: false });
    expect(String((error as Error).message)).not.toContain('CANARY');
  });
});

describe('createSnsApi().getUserInfo', () => {
  const PROFILE_ANSWER = {
    openid: 'o-user',
    nickname: '李雷',
    sex: 1,
    province: '广东',
    city: '深圳',
    country: '中国',
    headimgurl: 'https://img.example/1.png',
    privilege: [],
    unionid: 'u-user',
  };

  it('calls /sns/userinfo in zh_CN with the user token as a secret', async () => {
    const { api, calls } = fakeWechat(PROFILE_ANSWER);

    await api.getUserInfo({ accessToken: 'CANARY-user-token', openid: 'o-user' });

    expect(calls).toEqual([
      {
        api: 'sns_userinfo',
        method: 'GET',
        path: '/sns/userinfo',
        query: { access_token: 'CANARY-user-token', openid: 'o-user', lang: 'zh_CN' },
        secrets: ['CANARY-user-token'],
      },
    ]);
  });

  it('returns the profile and unionid, and nothing else WeChat sent', async () => {
    const { api } = fakeWechat(PROFILE_ANSWER);

    const profile = await api.getUserInfo({ accessToken: 'CANARY-user-token', openid: 'o-user' });

    expect(profile).toEqual({
      nickname: '李雷',
      sex: 1,
      province: '广东',
      city: '深圳',
      country: '中国',
      headimgurl: 'https://img.example/1.png',
      isSnapshotUser: false,
      unionid: 'u-user',
    });
  });

  it('marks a snapshot-mode user and fills missing fields with empty values', async () => {
    const { api } = fakeWechat({ openid: 'o-user', nickname: '微信用户', is_snapshotuser: 1 });

    const profile = await api.getUserInfo({ accessToken: 'CANARY-user-token', openid: 'o-user' });

    expect(profile).toEqual({ nickname: '微信用户', sex: 0, province: '', city: '', country: '', headimgurl: '', isSnapshotUser: true });
  });

  it('throws WechatApiError BAD_RESPONSE when WeChat describes another user', async () => {
    const { api } = fakeWechat({ ...PROFILE_ANSWER, openid: 'o-someone-else' });

    const error = await api.getUserInfo({ accessToken: 'CANARY-user-token', openid: 'o-user' }).catch((err: unknown) => err);

    expect(error).toBeInstanceOf(WechatApiError);
    expect(error).toMatchObject({ code: 'BAD_RESPONSE', api: 'sns_userinfo' });
  });
});
