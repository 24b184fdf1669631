/**
 * WeChat's authorize URL for web authorization on behalf of an official account (docs/wechat-protocol.md §5).
 * Parameter order and case as WeChat documents them; `connect_redirect=1` stops WeChat from firing the callback twice;
 * the `#wechat_redirect` fragment is required by the WeChat client.
 */
export function buildAuthorizeUrl(input: {
  openBaseUrl: string;
  authorizerAppid: string;
  redirectUri: string;
  scope: 'snsapi_base' | 'snsapi_userinfo';
  state: string;
  componentAppid: string;
}): string {
  // Built by hand, not with URLSearchParams: WeChat compares the parameter order and expects %20, not '+'.
  const params = [
    ['appid', input.authorizerAppid],
    ['redirect_uri', input.redirectUri],
    ['response_type', 'code'],
    ['scope', input.scope],
    ['state', input.state],
    ['component_appid', input.componentAppid],
    ['connect_redirect', '1'],
  ];
  const query = params.map(([key, value]) => `${key}=${encodeURIComponent(value!)}`).join('&');
  return `${input.openBaseUrl.replace(/\/+$/, '')}/connect/oauth2/authorize?${query}#wechat_redirect`;
}
