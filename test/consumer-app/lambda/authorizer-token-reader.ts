import { AuthorizerTokenError, createAuthorizerTokenReaderFromEnv, WechatApiError } from 'wechat-component-aws/token';

// Module scope: one cache for every authorizer this container serves.
const authorizerTokens = createAuthorizerTokenReaderFromEnv();

/** GETs a WeChat API; an errcode becomes a WechatApiError, which is what lets the reader see 40001/42001. */
async function getWechat(api: string, accessToken: string): Promise<Record<string, unknown>> {
  const url = new URL(`https://api.weixin.qq.com/cgi-bin/${api}`);
  url.searchParams.set('access_token', accessToken);
  const body = (await (await fetch(url)).json()) as { errcode?: number };
  if (body.errcode) {
    const message = `${api} answered errcode ${body.errcode}`;
    throw new WechatApiError({ code: 'ERRCODE', api, errcode: body.errcode, message, retryable: body.errcode === -1 });
  }
  return body;
}

export const handler = async (event: { authorizerAppid: string }) => {
  try {
    // On 40001/42001 the reader reports that exact token as stale and retries once with the next one.
    return await authorizerTokens.withAuthorizerAccessToken(event.authorizerAppid, (accessToken) =>
      getWechat('get_current_selfmenu_info', accessToken),
    );
  } catch (err) {
    if (err instanceof AuthorizerTokenError && (err.code === 'REVOKED' || err.code === 'NEEDS_REAUTH')) {
      return { needsAuthorization: true }; // stop acting for this account; send its administrator an authorization link
    }
    throw err;
  }
};
