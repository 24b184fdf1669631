/**
 * Validates the query of /connect/oauth2/authorize (docs/wechat-protocol.md §5) and builds the redirects back
 * to the caller's redirect_uri.
 */
import type { SimContext } from '../sim-context';
import { OAUTH_SCOPES } from '../state/oauth-state';
import type { OAuthScope } from '../types';
import { appendQuery, parseRedirectUri } from './redirect-location';

/** `state` is echoed back and limited to 128 bytes (section 5). */
export const MAX_STATE_BYTES = 128;

/** A valid authorize request. */
export interface AuthorizeRequest {
  authorizerAppid: string;
  /** As the caller sent it (decoded once from the query): redirects append to this exact string. */
  redirectUri: string;
  scope: OAuthScope;
  /** '' when the caller sent none. */
  state: string;
}

/** Why an authorize request is refused; WeChat shows an error page, never a redirect. */
export interface AuthorizeProblem {
  /** The query parameter at fault; also sent as the X-Wechat-Sim-Error header so tests need not parse HTML. */
  param: 'appid' | 'component_appid' | 'redirect_uri' | 'response_type' | 'scope' | 'state' | 'sim_user' | 'user';
  /** The number WeChat's own error page shows, where one is known. */
  wechatErrorCode?: number;
  messageZh: string;
  messageEn: string;
}

/**
 * Checks, in this order: appid, component_appid, redirect_uri, response_type, scope, state. Messages name the
 * parameter and never repeat its value. Each authorization page WeChat shows starts from the same checks, so
 * the consent link is validated again rather than trusted.
 */
export function parseAuthorizeRequest(params: URLSearchParams, ctx: SimContext): AuthorizeRequest | AuthorizeProblem {
  const authorizerAppid = params.get('appid') ?? '';
  if (authorizerAppid === '') return problem('appid', 'appid 不能为空', 'appid is missing', 10012);
  if (!ctx.oauth.isAuthorizer(authorizerAppid)) {
    return problem('appid', '公众号未授权第三方平台，请检查授权状态', 'this official account has not authorized the component', 10015);
  }
  if (params.get('component_appid') !== ctx.componentAppid) {
    return problem('component_appid', 'component_appid 参数错误', 'component_appid is missing or not this component');
  }

  const redirectUri = params.get('redirect_uri') ?? '';
  if (redirectUri === '') return problem('redirect_uri', 'redirect_uri 不能为空', 'redirect_uri is missing', 10011);
  if (!isAllowedRedirect(redirectUri, ctx)) {
    return problem(
      'redirect_uri',
      'redirect_uri 参数错误：域名与后台配置不一致',
      'redirect_uri is not an absolute http(s) URL on the official account development domain list',
      10003,
    );
  }

  if (params.get('response_type') !== 'code') return problem('response_type', 'response_type 参数错误', 'response_type must be code');

  const scope = params.get('scope') ?? '';
  if (scope === '') return problem('scope', 'scope 不能为空', 'scope is missing', 10010);
  if (!isScope(scope)) {
    return problem('scope', 'Scope 参数错误或没有 Scope 权限', 'scope must be snsapi_base or snsapi_userinfo', 10005);
  }

  const state = params.get('state') ?? '';
  if (Buffer.byteLength(state, 'utf8') > MAX_STATE_BYTES) {
    return problem('state', 'state 参数错误：最多 128 字节', `state must be at most ${MAX_STATE_BYTES} bytes`);
  }
  return { authorizerAppid, redirectUri, scope, state };
}

/** True when parseAuthorizeRequest refused the request. */
export function isAuthorizeProblem(value: AuthorizeRequest | AuthorizeProblem): value is AuthorizeProblem {
  return 'param' in value;
}

/** Builds a problem for a parameter the simulator adds itself (`sim_user`, `user`). */
export function problem(
  param: AuthorizeProblem['param'],
  messageZh: string,
  messageEn: string,
  wechatErrorCode?: number,
): AuthorizeProblem {
  return { param, messageZh, messageEn, ...(wechatErrorCode === undefined ? {} : { wechatErrorCode }) };
}

/** Where consent sends the browser: `redirect_uri?code=CODE&state=STATE&appid=AUTHORIZER_APPID` (section 5). */
export function consentedLocation(request: AuthorizeRequest, code: string): string {
  return appendQuery(request.redirectUri, { code, state: request.state, appid: request.authorizerAppid });
}

/** Where refusal sends the browser: `redirect_uri?state=STATE`, without a code (section 5). */
export function refusedLocation(request: AuthorizeRequest): string {
  return appendQuery(request.redirectUri, { state: request.state });
}

function isAllowedRedirect(redirectUri: string, ctx: SimContext): boolean {
  const url = parseRedirectUri(redirectUri);
  return url !== null && ctx.oauth.allowsRedirectHost(url.hostname);
}

function isScope(value: string): value is OAuthScope {
  return (OAUTH_SCOPES as readonly string[]).includes(value);
}
