/**
 * Helpers for the tests of authorizing accounts (docs/wechat-protocol.md §4): component API calls, the
 * consent page URLs, and a full authorization with its code exchanged.
 */
import type { WechatSim } from '../../../local/wechat-sim/server';
import { openPush, type PushReceiver, xmlField } from './push-receiver-stub';
import { CANARY, postJson } from './sim-harness';

/** The component APIs about authorizers, by WeChat's name. */
export type AuthorizerApi =
  | 'api_create_preauthcode'
  | 'api_query_auth'
  | 'api_authorizer_token'
  | 'api_get_authorizer_info'
  | 'api_get_authorizer_list';

/** Where the consent redirects in these tests; its host is on the default authorization domains. */
export const CALLBACK_URI = 'http://127.0.0.1:8080/authorized?keep=1';
/** A page on the same host that "opened" the consent page. */
export const INITIATION_PAGE = 'http://127.0.0.1:8080/authorize-account';

/** POSTs `body` (component_appid added) to a component API with `token`; returns the parsed answer. */
export async function callApi(
  sim: WechatSim,
  token: string,
  api: AuthorizerApi,
  body: Record<string, unknown> = {},
): Promise<Record<string, unknown>> {
  const { json } = await postJson(`${sim.url}/cgi-bin/component/${api}?component_access_token=${token}`, {
    component_appid: CANARY.componentAppid,
    ...body,
  });
  return json;
}

/** A fresh pre_auth_code through the API. */
export async function createPreAuthCode(sim: WechatSim, token: string): Promise<string> {
  const json = await callApi(sim, token, 'api_create_preauthcode');
  if (typeof json.pre_auth_code !== 'string') throw new Error(`no pre_auth_code: errcode ${String(json.errcode)}`);
  return json.pre_auth_code;
}

/** The `authorization_info` of a successful api_query_auth, or throws with the errcode. */
export async function exchangeCode(sim: WechatSim, token: string, code: string): Promise<Record<string, unknown>> {
  const json = await callApi(sim, token, 'api_query_auth', { authorization_code: code });
  const info = json.authorization_info as Record<string, unknown> | undefined;
  if (!info) throw new Error(`api_query_auth failed: errcode ${String(json.errcode)}`);
  return info;
}

/** Authorizes `authorizerAppid` in process and exchanges its code; returns the account's tokens. */
export async function authorizeAccount(
  sim: WechatSim,
  token: string,
  authorizerAppid: string,
): Promise<{ refreshToken: string; accessToken: string; code: string }> {
  const { authorizationCode } = await sim.authorize({ authorizerAppid });
  const info = await exchangeCode(sim, token, authorizationCode);
  return {
    refreshToken: String(info.authorizer_refresh_token),
    accessToken: String(info.authorizer_access_token),
    code: authorizationCode,
  };
}

/** api_authorizer_token for `authorizerAppid` with `refreshToken`. */
export function refreshAuthorizerToken(
  sim: WechatSim,
  token: string,
  authorizerAppid: string,
  refreshToken: string,
): Promise<Record<string, unknown>> {
  return callApi(sim, token, 'api_authorizer_token', { authorizer_appid: authorizerAppid, authorizer_refresh_token: refreshToken });
}

/** The PC consent page URL; `null` leaves a parameter out. */
export function loginPageUrl(sim: WechatSim, params: Record<string, string | null>, path = '/cgi-bin/componentloginpage'): string {
  const query = new URLSearchParams();
  const fields: Record<string, string | null> = {
    component_appid: CANARY.componentAppid,
    redirect_uri: CALLBACK_URI,
    auth_type: '3',
    ...params,
  };
  for (const [name, value] of Object.entries(fields)) if (value !== null) query.append(name, value);
  return `${sim.url}${path}?${query.toString()}`;
}

/** The in-WeChat consent page URL, with `action=bindcomponent&no_scan=1` first as WeChat documents it. */
export function bindComponentUrl(sim: WechatSim, params: Record<string, string | null>): string {
  return loginPageUrl(sim, { action: 'bindcomponent', no_scan: '1', ...params }, '/wxaopen/safe/bindcomponent');
}

/** A page as a browser opens it from `referer` (none when null), without following redirects. */
export async function openPage(
  url: string,
  referer: string | null = INITIATION_PAGE,
): Promise<{ status: number; body: string; headers: Headers }> {
  const response = await fetch(url, { redirect: 'manual', headers: referer === null ? {} : { Referer: referer } });
  return { status: response.status, body: await response.text(), headers: response.headers };
}

/** The `data-error` marker of a page, or null. */
export function pageError(body: string): string | null {
  return /data-error="([^"]*)"/.exec(body)?.[1] ?? null;
}

/** The consent id and the offered appids of a consent page. */
export function consentOf(body: string): { consentId: string; appids: string[] } {
  const consentId = /name="consent_id" value="([^"]+)"/.exec(body)?.[1];
  if (!consentId) throw new Error('not a consent page');
  return { consentId, appids: [...body.matchAll(/data-authorizer-appid="([^"]+)"/g)].map((match) => match[1]!) };
}

/** Submits a consent page button as the browser's form post would; never follows the redirect. */
export async function submitConsent(
  sim: WechatSim,
  action: 'approve' | 'cancel',
  fields: Record<string, string>,
): Promise<{ status: number; location: string | null; body: string }> {
  const response = await fetch(`${sim.url}/__consent/${action}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });
  return { status: response.status, location: response.headers.get('location'), body: await response.text() };
}

/** The inner XML of every push `rx` got except ticket pushes (fetching a component token pushes one). */
export function authorizationEvents(rx: PushReceiver): string[] {
  return rx.pushes.map((push) => openPush(push).innerXml).filter((xml) => xmlField(xml, 'InfoType') !== 'component_verify_ticket');
}
