/**
 * Helpers for the H5 authorization tests: authorize URLs, a browser-less GET that does not follow redirects,
 * and the code exchange.
 */
import { TEST_AUTHORIZER_APPID } from '../../../local/wechat-sim/defaults';
import type { WechatSim } from '../../../local/wechat-sim/server';
import { CANARY } from './sim-harness';

export const AUTHORIZE_PATH = '/connect/oauth2/authorize';
export const CONSENT_PATH = '/connect/oauth2/authorize/consent';
export const ACCESS_TOKEN_PATH = '/sns/oauth2/component/access_token';
export const REFRESH_TOKEN_PATH = '/sns/oauth2/component/refresh_token';
export const USERINFO_PATH = '/sns/userinfo';
export const REDIRECT_URI = 'http://127.0.0.1:8080/oauth/callback';

/** The authorize query in WeChat's documented order; `null` leaves a parameter out. */
export function authorizeUrl(sim: WechatSim, overrides: Record<string, string | null> = {}, path = AUTHORIZE_PATH): string {
  const fields: Record<string, string | null> = {
    appid: TEST_AUTHORIZER_APPID,
    redirect_uri: REDIRECT_URI,
    response_type: 'code',
    scope: 'snsapi_base',
    state: 'abc123',
    component_appid: CANARY.componentAppid,
    ...overrides,
  };
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(fields)) if (value !== null) query.append(name, value);
  return `${sim.url}${path}?${query.toString()}`;
}

/** A GET as a browser would send it, without following redirects. */
export async function browse(url: string): Promise<{ status: number; location: string | null; headers: Headers; body: string }> {
  const response = await fetch(url, { redirect: 'manual' });
  return { status: response.status, location: response.headers.get('location'), headers: response.headers, body: await response.text() };
}

/** The query of a redirect Location as a plain object. */
export function queryOf(location: string | null): Record<string, string> {
  if (location === null) throw new Error('no Location header');
  return Object.fromEntries(new URL(location).searchParams);
}

/** GETs a WeChat API and parses its JSON answer. */
export async function getJson(url: string): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(url);
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

/** The code exchange URL with valid parameters; `null` leaves one out. */
export function accessTokenUrl(sim: WechatSim, params: Record<string, string | null>): string {
  return apiUrl(sim, ACCESS_TOKEN_PATH, {
    appid: TEST_AUTHORIZER_APPID,
    grant_type: 'authorization_code',
    component_appid: CANARY.componentAppid,
    ...params,
  });
}

/** The refresh URL with valid parameters; `null` leaves one out. */
export function refreshTokenUrl(sim: WechatSim, params: Record<string, string | null>): string {
  return apiUrl(sim, REFRESH_TOKEN_PATH, {
    appid: TEST_AUTHORIZER_APPID,
    grant_type: 'refresh_token',
    component_appid: CANARY.componentAppid,
    ...params,
  });
}

/** The userinfo URL; `null` leaves a parameter out. */
export function userinfoUrl(sim: WechatSim, params: Record<string, string | null>): string {
  return apiUrl(sim, USERINFO_PATH, { lang: 'zh_CN', ...params });
}

function apiUrl(sim: WechatSim, path: string, params: Record<string, string | null>): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== null) query.append(name, value);
  return `${sim.url}${path}?${query.toString()}`;
}

/** Issues a code in process and exchanges it; throws when the exchange fails. */
export async function userTokenFor(
  sim: WechatSim,
  componentToken: string,
  input: { userId: string; scope: 'snsapi_base' | 'snsapi_userinfo'; authorizerAppid?: string },
): Promise<Record<string, unknown>> {
  const authorizerAppid = input.authorizerAppid ?? TEST_AUTHORIZER_APPID;
  const code = sim.issueOAuthCode({ authorizerAppid, userId: input.userId, scope: input.scope });
  const { json } = await getJson(accessTokenUrl(sim, { appid: authorizerAppid, code, component_access_token: componentToken }));
  if (typeof json.access_token !== 'string') throw new Error(`no user token: errcode ${String(json.errcode)}`);
  return json;
}
