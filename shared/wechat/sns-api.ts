import { secretRegistry } from '../log/redaction';
import type { WechatUserProfile } from '../store/user-store';
import type { WechatCall } from '../wechat/component-api';
import { WechatApiError } from '../wechat/errors';

export interface SnsAccessToken {
  accessToken: string;
  expiresInSec: number;
  refreshToken: string;
  openid: string;
  scope: string;
  unionid?: string;
  /** A snapshot-mode virtual user (WeChat reports it here, in the code exchange). */
  isSnapshotUser: boolean;
}

type Call = <T>(call: WechatCall) => Promise<T>;

/** The sns/* calls of web authorization on behalf of an official account (docs/wechat-protocol.md §5). */
export function createSnsApi(call: Call) {
  return {
    /** Exchanges a code; the component_access_token comes from the token reader. */
    async exchangeCode(input: {
      authorizerAppid: string;
      code: string;
      componentAppid: string;
      componentAccessToken: string;
    }): Promise<SnsAccessToken> {
      const raw = await call<Record<string, unknown>>({
        api: 'sns_component_access_token',
        method: 'GET',
        path: '/sns/oauth2/component/access_token',
        query: {
          appid: input.authorizerAppid,
          code: input.code,
          grant_type: 'authorization_code',
          component_appid: input.componentAppid,
          component_access_token: input.componentAccessToken,
        },
        secrets: [input.code, input.componentAccessToken],
        // A code is single use: a retry after a timeout would only earn 40163 and hide WeChat's real trouble.
        singleUse: true,
      });
      const { access_token, refresh_token, openid, expires_in, scope, unionid, is_snapshotuser } = raw;
      // Each on its own, for this invocation: a log line may hold one without the other or the sealed JSON of both.
      // The code too, now that WeChat has accepted it as real.
      secretRegistry.add(
        input.code,
        typeof access_token === 'string' ? access_token : undefined,
        typeof refresh_token === 'string' ? refresh_token : undefined,
      );
      if (typeof access_token !== 'string' || typeof refresh_token !== 'string' || typeof openid !== 'string' || !openid) {
        throw badResponse('sns_component_access_token');
      }
      return {
        accessToken: access_token,
        refreshToken: refresh_token,
        openid,
        expiresInSec: typeof expires_in === 'number' ? expires_in : 7200,
        scope: typeof scope === 'string' ? scope : '',
        isSnapshotUser: is_snapshotuser === 1,
        ...(typeof unionid === 'string' && unionid ? { unionid } : {}),
      };
    },

    /** The profile behind a snsapi_userinfo user token. */
    async getUserInfo(input: { accessToken: string; openid: string }): Promise<WechatUserProfile & { unionid?: string }> {
      const raw = await call<Record<string, unknown>>({
        api: 'sns_userinfo',
        method: 'GET',
        path: '/sns/userinfo',
        query: { access_token: input.accessToken, openid: input.openid, lang: 'zh_CN' },
        secrets: [input.accessToken],
      });
      if (raw.openid !== input.openid) throw badResponse('sns_userinfo');
      const text = (value: unknown) => (typeof value === 'string' ? value : '');
      return {
        nickname: text(raw.nickname),
        sex: typeof raw.sex === 'number' ? raw.sex : 0,
        province: text(raw.province),
        city: text(raw.city),
        country: text(raw.country),
        headimgurl: text(raw.headimgurl),
        isSnapshotUser: raw.is_snapshotuser === 1,
        ...(typeof raw.unionid === 'string' && raw.unionid ? { unionid: raw.unionid } : {}),
      };
    },
  };
}

function badResponse(api: string): WechatApiError {
  return new WechatApiError({ code: 'BAD_RESPONSE', api, message: `WeChat ${api} answered without the expected fields`, retryable: false });
}

export type SnsApi = ReturnType<typeof createSnsApi>;
