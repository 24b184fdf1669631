/**
 * The two authorization links an account's administrator follows to authorize the component (docs/wechat-protocol.md
 * §4): componentloginpage on a PC, bindcomponent inside WeChat. Parameters in the order WeChat documents them, each
 * percent-encoded (redirect_uri carries its own query); bindcomponent needs the `#wechat_redirect` fragment.
 */
export interface ComponentConsentInput {
  componentAppid: string;
  preAuthCode: string;
  /** Our callback; WeChat requires it on the registered authorization initiation domain. */
  redirectUri: string;
  authType: 1 | 2 | 3;
  bizAppid?: string;
}

function consentQuery(input: ComponentConsentInput): string {
  const params: Array<[string, string]> = [
    ['component_appid', input.componentAppid],
    ['pre_auth_code', input.preAuthCode],
    ['redirect_uri', input.redirectUri],
    ['auth_type', String(input.authType)],
  ];
  if (input.bizAppid) params.push(['biz_appid', input.bizAppid]);
  return params.map(([key, value]) => `${key}=${encodeURIComponent(value)}`).join('&');
}

const base = (url: string) => url.replace(/\/+$/, '');

/** The PC link: `https://mp.weixin.qq.com/cgi-bin/componentloginpage?…` (the administrator scans a QR code there). */
export function buildComponentLoginPageUrl(mpBaseUrl: string, input: ComponentConsentInput): string {
  return `${base(mpBaseUrl)}/cgi-bin/componentloginpage?${consentQuery(input)}`;
}

/** The in-WeChat link: `https://open.weixin.qq.com/wxaopen/safe/bindcomponent?action=bindcomponent&no_scan=1&…#wechat_redirect`. */
export function buildBindComponentUrl(openBaseUrl: string, input: ComponentConsentInput): string {
  return `${base(openBaseUrl)}/wxaopen/safe/bindcomponent?action=bindcomponent&no_scan=1&${consentQuery(input)}#wechat_redirect`;
}
