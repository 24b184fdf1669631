/**
 * The component-level WeChat APIs this service calls (docs/wechat-protocol.md §3), on top of createWechatHttp.
 */
import { WechatApiError } from './errors';
import { createWechatHttp, type WechatHttpOptions } from './wechat-http';

export { createWechatHttp, type WechatCall, type WechatHttpOptions } from './wechat-http';

/** The component token API and the "push a ticket now" API. */
export interface ComponentApi {
  /** POST api_component_token: exchanges the latest component_verify_ticket for a component_access_token. */
  getComponentAccessToken(input: {
    componentAppid: string;
    componentAppsecret: string;
    componentVerifyTicket: string;
  }): Promise<{ componentAccessToken: string; expiresInSec: number }>;
  /** POST api_start_push_ticket: asks WeChat to push a component_verify_ticket now. */
  startPushTicket(input: { componentAppid: string; componentAppsecret: string }): Promise<void>;
}

/** Builds the component API client; `options` are passed to createWechatHttp. */
export function createComponentApi(options: WechatHttpOptions): ComponentApi {
  const http = createWechatHttp(options);

  return {
    async getComponentAccessToken(input) {
      const api = 'api_component_token';
      const body = await http<Record<string, unknown>>({
        api,
        method: 'POST',
        path: '/cgi-bin/component/api_component_token',
        body: {
          component_appid: input.componentAppid,
          component_appsecret: input.componentAppsecret,
          component_verify_ticket: input.componentVerifyTicket,
        },
        secrets: [input.componentAppsecret, input.componentVerifyTicket],
      });
      const token = body.component_access_token;
      const expiresIn = body.expires_in;
      if (typeof token !== 'string' || token === '') throw badResponse(api, 'component_access_token');
      if (typeof expiresIn !== 'number' || !Number.isFinite(expiresIn) || expiresIn <= 0) {
        throw badResponse(api, 'expires_in');
      }
      return { componentAccessToken: token, expiresInSec: expiresIn };
    },

    async startPushTicket(input) {
      await http({
        api: 'api_start_push_ticket',
        method: 'POST',
        path: '/cgi-bin/component/api_start_push_ticket',
        // This API names the appsecret `component_secret`, unlike api_component_token.
        body: { component_appid: input.componentAppid, component_secret: input.componentAppsecret },
        secrets: [input.componentAppsecret],
      });
    },
  };
}

function badResponse(api: string, field: string): WechatApiError {
  return new WechatApiError({
    code: 'BAD_RESPONSE',
    api,
    retryable: false,
    message: `WeChat ${api} failed: response field ${field} is missing or invalid`,
  });
}
