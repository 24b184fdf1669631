import { createComponentTokenReaderFromEnv, WechatApiError } from 'wechat-component-aws/token';

// Module scope: the in-memory cache lives as long as the Lambda container.
const reader = createComponentTokenReaderFromEnv();

export const handler = async () =>
  // Runs your call with a valid token. When it throws a WechatApiError with errcode 40001 or 42001, the reader
  // invalidates that token and runs it once more with the next one.
  reader.withComponentAccessToken(async (componentAccessToken) => {
    const url = new URL('https://api.weixin.qq.com/cgi-bin/component/api_create_preauthcode');
    url.searchParams.set('component_access_token', componentAccessToken);
    const response = await fetch(url, { method: 'POST', body: JSON.stringify({ component_appid: process.env.WECHAT_COMPONENT_APPID }) });
    const body = (await response.json()) as { errcode?: number; errmsg?: string; pre_auth_code?: string };
    if (body.errcode) {
      throw new WechatApiError({
        code: 'ERRCODE',
        api: 'api_create_preauthcode',
        errcode: body.errcode,
        message: `api_create_preauthcode answered errcode ${body.errcode}`,
        retryable: body.errcode === -1,
      });
    }
    return { preAuthCode: body.pre_auth_code };
  });
