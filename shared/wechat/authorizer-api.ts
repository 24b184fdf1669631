/**
 * The component APIs of the authorizer lifecycle (docs/wechat-protocol.md §4): pre-auth codes, exchanging an
 * authorization code, refreshing an authorizer's token, and reading one or all authorizers. Pure protocol: the
 * component_access_token comes from the caller (the token reader), every answer is checked before it is trusted.
 */
import { WechatApiError } from './errors';
import type { WechatCall } from './wechat-http';

type Call = <T>(call: WechatCall) => Promise<T>;
type Json = Record<string, unknown>;

/** What api_query_auth (and api_get_authorizer_info's authorization_info) tells about one authorization. */
export interface AuthorizationInfo {
  authorizerAppid: string;
  /** Present after api_query_auth; api_get_authorizer_info carries no access token. */
  accessToken?: { token: string; expiresInSec: number };
  /** Never empty when present: an answer with a blank one is treated as carrying none. */
  refreshToken?: string;
  /** The permission sets (funcscope_category ids) the account granted. */
  funcInfo: number[];
}

/** The basics of api_get_authorizer_info's authorizer_info, enough to tell accounts apart; no secrets. */
export interface AuthorizerProfile {
  kind: 'official_account' | 'mini_program';
  nickname: string;
  userName: string;
  principalName: string;
  serviceTypeId: number | null;
  verifyTypeId: number | null;
}

export interface AuthorizerListEntry {
  authorizerAppid: string;
  /** Absent (or blank) for an account whose current authorization was never exchanged (docs §4, unsure). */
  refreshToken?: string;
  authTimeSec: number;
}

/** The most api_get_authorizer_list returns per call. */
export const AUTHORIZER_LIST_PAGE_SIZE = 500;

/** Builds the client on top of createWechatHttp's `call`. */
export function createAuthorizerApi(call: Call) {
  const componentCall = <T>(api: string, componentAccessToken: string, body: Json, secrets: string[] = []): Promise<T> =>
    call<T>({
      api,
      method: 'POST',
      path: `/cgi-bin/component/${api}`,
      query: { component_access_token: componentAccessToken },
      body,
      secrets: [componentAccessToken, ...secrets],
    });

  return {
    /** POST api_create_preauthcode: one code per authorization page view (each costs quota). */
    async createPreAuthCode(input: {
      componentAppid: string;
      componentAccessToken: string;
    }): Promise<{ preAuthCode: string; expiresInSec: number }> {
      const api = 'api_create_preauthcode';
      const raw = await componentCall<Json>(api, input.componentAccessToken, { component_appid: input.componentAppid });
      return { preAuthCode: requireString(raw.pre_auth_code, api, 'pre_auth_code'), expiresInSec: positiveOr(raw.expires_in, 600) };
    },

    /**
     * POST api_query_auth: exchanges an authorization code, once (a second exchange of the same code fails with 61009).
     * Never retried after an attempt that may have reached WeChat: the caller decides, knowing what it recorded.
     */
    async queryAuth(input: {
      componentAppid: string;
      componentAccessToken: string;
      authorizationCode: string;
    }): Promise<AuthorizationInfo> {
      const api = 'api_query_auth';
      const raw = await call<Json>({
        api,
        method: 'POST',
        path: `/cgi-bin/component/${api}`,
        query: { component_access_token: input.componentAccessToken },
        body: { component_appid: input.componentAppid, authorization_code: input.authorizationCode },
        secrets: [input.componentAccessToken, input.authorizationCode],
        singleUse: true,
      });
      const info = readAuthorizationInfo(raw.authorization_info, api);
      if (!info.refreshToken) throw badResponse(api, 'authorization_info.authorizer_refresh_token');
      return info;
    },

    /** POST api_authorizer_token: a fresh access token (and the refresh token WeChat wants used from now on). */
    async refreshAuthorizerToken(input: {
      componentAppid: string;
      componentAccessToken: string;
      authorizerAppid: string;
      refreshToken: string;
    }): Promise<{ accessToken: string; expiresInSec: number; refreshToken?: string }> {
      const api = 'api_authorizer_token';
      const raw = await componentCall<Json>(
        api,
        input.componentAccessToken,
        { component_appid: input.componentAppid, authorizer_appid: input.authorizerAppid, authorizer_refresh_token: input.refreshToken },
        [input.refreshToken],
      );
      const accessToken = requireString(raw.authorizer_access_token, api, 'authorizer_access_token');
      const refreshToken = nonBlank(raw.authorizer_refresh_token);
      return { accessToken, expiresInSec: positiveOr(raw.expires_in, 7200), ...(refreshToken ? { refreshToken } : {}) };
    },

    /** POST api_get_authorizer_info: the account's profile and its authorization (with the refresh token, docs §4). */
    async getAuthorizerInfo(input: {
      componentAppid: string;
      componentAccessToken: string;
      authorizerAppid: string;
    }): Promise<{ profile: AuthorizerProfile; authorization: AuthorizationInfo }> {
      const api = 'api_get_authorizer_info';
      const raw = await componentCall<Json>(api, input.componentAccessToken, {
        component_appid: input.componentAppid,
        authorizer_appid: input.authorizerAppid,
      });
      const authorization = readAuthorizationInfo(raw.authorization_info, api);
      if (authorization.authorizerAppid !== input.authorizerAppid) throw badResponse(api, 'authorization_info.authorizer_appid');
      return { profile: readProfile(raw.authorizer_info, api), authorization };
    },

    /** POST api_get_authorizer_list: one page (at most 500) of the accounts currently authorizing the component. */
    async getAuthorizerList(input: {
      componentAppid: string;
      componentAccessToken: string;
      offset: number;
      count?: number;
    }): Promise<{ totalCount: number; entries: AuthorizerListEntry[] }> {
      const api = 'api_get_authorizer_list';
      const raw = await componentCall<Json>(api, input.componentAccessToken, {
        component_appid: input.componentAppid,
        offset: input.offset,
        count: Math.min(input.count ?? AUTHORIZER_LIST_PAGE_SIZE, AUTHORIZER_LIST_PAGE_SIZE),
      });
      if (!Array.isArray(raw.list) || typeof raw.total_count !== 'number') throw badResponse(api, 'list');
      const entries = raw.list.map((entry: unknown) => {
        const item = (entry ?? {}) as Json;
        const refreshToken = nonBlank(item.refresh_token);
        return {
          authorizerAppid: requireString(item.authorizer_appid, api, 'list[].authorizer_appid'),
          authTimeSec: typeof item.auth_time === 'number' ? item.auth_time : 0,
          ...(refreshToken ? { refreshToken } : {}),
        };
      });
      return { totalCount: raw.total_count, entries };
    },
  };
}

export type AuthorizerApi = ReturnType<typeof createAuthorizerApi>;

/** What a call of the authorizer API resolves to, e.g. `AuthorizerApiResult<'queryAuth'>`. */
export type AuthorizerApiResult<K extends keyof AuthorizerApi> = Awaited<ReturnType<AuthorizerApi[K]>>;

function readAuthorizationInfo(value: unknown, api: string): AuthorizationInfo {
  if (typeof value !== 'object' || value === null) throw badResponse(api, 'authorization_info');
  const raw = value as Json;
  const authorizerAppid = requireString(raw.authorizer_appid, api, 'authorization_info.authorizer_appid');
  const token = nonBlank(raw.authorizer_access_token);
  const refreshToken = nonBlank(raw.authorizer_refresh_token);
  const funcInfo = Array.isArray(raw.func_info)
    ? raw.func_info
        .map((entry: unknown) => (entry as { funcscope_category?: { id?: unknown } })?.funcscope_category?.id)
        .filter((id): id is number => typeof id === 'number')
    : [];
  return {
    authorizerAppid,
    funcInfo,
    ...(token ? { accessToken: { token, expiresInSec: positiveOr(raw.expires_in, 7200) } } : {}),
    ...(refreshToken ? { refreshToken } : {}),
  };
}

function readProfile(value: unknown, api: string): AuthorizerProfile {
  if (typeof value !== 'object' || value === null) throw badResponse(api, 'authorizer_info');
  const raw = value as Json;
  const id = (field: unknown) => {
    const found = (field as { id?: unknown } | undefined)?.id;
    return typeof found === 'number' ? found : null;
  };
  const text = (field: unknown) => (typeof field === 'string' ? field : '');
  return {
    // WeChat marks mini programs with a MiniProgramInfo block.
    kind: typeof raw.MiniProgramInfo === 'object' && raw.MiniProgramInfo !== null ? 'mini_program' : 'official_account',
    nickname: text(raw.nick_name),
    userName: text(raw.user_name),
    principalName: text(raw.principal_name),
    serviceTypeId: id(raw.service_type_info),
    verifyTypeId: id(raw.verify_type_info),
  };
}

function nonBlank(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

function requireString(value: unknown, api: string, field: string): string {
  const text = nonBlank(value);
  if (text === undefined) throw badResponse(api, field);
  return text;
}

function positiveOr(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : fallback;
}

function badResponse(api: string, field: string): WechatApiError {
  return new WechatApiError({
    code: 'BAD_RESPONSE',
    api,
    retryable: false,
    message: `WeChat ${api} failed: response field ${field} is missing or invalid`,
  });
}
