/**
 * Steps of h5-oauth as a browser and a page take them, for the oauth-*.int.test.ts files: start, consent at
 * the simulator, callback, login code redemption, plus the checks every failure page must pass.
 */
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { expect } from 'vitest';
import { FAILURES } from '../../functions/h5-oauth/error-pages';
import { TEST_AUTHORIZER_APPID } from '../../local/wechat-sim/defaults';
import type { H5OAuthErrorCode } from '../../shared/h5-oauth/h5-oauth-errors';
import type { TestBrowser } from '../support/h5-oauth-browser';
import { type Harness, RETURN_TO, RETURN_TO_ORIGIN, TABLE_NAME } from '../support/harness';
import { newPkcePair, type PkcePair } from '../support/pkce';

/** Query parameters of /h5-oauth/start; null leaves one out. */
export interface StartParams {
  appid?: string | null;
  scope?: string | null;
  return_to?: string | null;
  code_challenge?: string | null;
  code_challenge_method?: string | null;
}

/** A fixed PKCE pair for requests whose login code is never redeemed. */
export const FIXED_PKCE = newPkcePair();

/** /h5-oauth/start for the test authorizer, snsapi_base, the allowed RETURN_TO and an S256 challenge unless overridden. */
export function startUrl(h: Harness, params: StartParams = {}): string {
  const query: StartParams = {
    appid: TEST_AUTHORIZER_APPID,
    scope: 'snsapi_base',
    return_to: RETURN_TO,
    code_challenge: FIXED_PKCE.codeChallenge,
    code_challenge_method: 'S256',
    ...params,
  };
  const present = Object.entries(query).filter((entry): entry is [string, string] => typeof entry[1] === 'string');
  return `${h.gateway.url}/h5-oauth/start?${new URLSearchParams(present)}`;
}

export interface Started {
  response: Response;
  /** WeChat's authorize URL, as the Location header says. */
  authorize: URL;
  state: string;
  /** The binding cookie as `name=value`, when one was set. */
  cookie?: string;
  cookieValue?: string;
  /** The PKCE verifier the page keeps in sessionStorage for this sign-in. */
  codeVerifier: string;
}

/** GET /h5-oauth/start in `browser` (which keeps the binding cookie), with a fresh PKCE pair; fails the test unless it redirects. */
export async function start(h: Harness, browser: TestBrowser, params: StartParams = {}, pkce: PkcePair = newPkcePair()): Promise<Started> {
  const response = await browser.get(startUrl(h, { code_challenge: pkce.codeChallenge, ...params }));
  expect(response.status).toBe(302);
  const authorize = new URL(response.headers.get('location')!);
  const [setCookie] = response.headers.getSetCookie();
  const pair = setCookie?.split(';')[0];
  return {
    response,
    authorize,
    state: authorize.searchParams.get('state')!,
    codeVerifier: pkce.codeVerifier,
    ...(pair ? { cookie: pair, cookieValue: pair.slice(pair.indexOf('=') + 1) } : {}),
  };
}

/** Our /h5-oauth/callback URL as WeChat would call it. */
export function callbackUrl(baseUrl: string, query: { code?: string; state: string; appid?: string }): string {
  return `${baseUrl}/h5-oauth/callback?${new URLSearchParams(query as Record<string, string>)}`;
}

/**
 * The user's answer at WeChat's authorize page (the simulator's `sim_user`): consent as `userId`, or `refuse`.
 * Returns the callback URL WeChat redirects to, without following it.
 */
export async function consent(h: Harness, browser: TestBrowser, started: Started, userId = h.sim.oauthUsers()[0]!.id): Promise<string> {
  const authorize = new URL(started.authorize);
  authorize.searchParams.set('sim_user', userId);
  const consented = await browser.get(authorize.href);
  expect(consented.status).toBe(302);
  return consented.headers.get('location')!;
}

export interface SignedIn {
  started: Started;
  /** The callback URL WeChat sent the browser to (with code, state and appid). */
  callback: string;
  /** Where the callback sent the browser: return_to with wx_login. */
  landing: URL;
  loginCode: string;
  /** The WeChat code the simulator issued (a secret). */
  code: string;
  /** The verifier of the page that started the sign-in: what redeems the login code. */
  codeVerifier: string;
}

/** A whole sign-in in `browser`: start, consent as `userId` at the simulator, callback; fails the test unless it lands. */
export async function h5OAuth(
  h: Harness,
  browser: TestBrowser,
  options: { userId?: string; scope?: 'snsapi_base' | 'snsapi_userinfo'; returnTo?: string; appid?: string; pkce?: PkcePair } = {},
): Promise<SignedIn> {
  const started = await start(
    h,
    browser,
    {
      scope: options.scope ?? 'snsapi_base',
      ...(options.returnTo ? { return_to: options.returnTo } : {}),
      ...(options.appid ? { appid: options.appid } : {}),
    },
    options.pkce,
  );
  const callback = await consent(h, browser, started, options.userId);
  const answered = await browser.get(callback);
  expect(answered.status).toBe(302);
  const landing = new URL(answered.headers.get('location')!);
  return {
    started,
    callback,
    landing,
    loginCode: landing.searchParams.get('wx_login')!,
    code: new URL(callback).searchParams.get('code')!,
    codeVerifier: started.codeVerifier,
  };
}

/** What the page sends to redeem a login code. */
export interface Redemption {
  loginCode: unknown;
  codeVerifier?: unknown;
}

/** POST /h5-oauth/session as the H5 page on RETURN_TO_ORIGIN does: `{"loginCode", "codeVerifier"}`. */
export function redeem(h: Harness, redemption: Redemption, origin: string | null = RETURN_TO_ORIGIN): Promise<Response> {
  return fetch(`${h.gateway.url}/h5-oauth/session`, {
    method: 'POST',
    body: JSON.stringify({ loginCode: redemption.loginCode, codeVerifier: redemption.codeVerifier }),
    headers: { 'content-type': 'application/json', ...(origin ? { origin } : {}) },
  });
}

/** GET /h5-oauth/session with a bearer token. */
export function readSession(h: Harness, authorization: string | undefined, origin: string | null = RETURN_TO_ORIGIN): Promise<Response> {
  return fetch(`${h.gateway.url}/h5-oauth/session`, {
    headers: { ...(authorization !== undefined ? { authorization } : {}), ...(origin ? { origin } : {}) },
  });
}

/** How many times the simulator answered `api` so far. */
export const simCalls = (h: Harness, api = 'sns_component_access_token'): number => h.sim.stats().calls[api] ?? 0;

/** Every item whose pk starts with `prefix` (USER#, H5_OAUTH_STATE#, LOGIN_CODE#). */
export async function scanItems(h: Harness, prefix: string): Promise<Array<Record<string, unknown>>> {
  const items: Array<Record<string, unknown>> = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await h.dynamo.send(
      new ScanCommand({
        TableName: TABLE_NAME,
        FilterExpression: 'begins_with(pk, :prefix)',
        ExpressionAttributeValues: { ':prefix': prefix },
        ConsistentRead: true,
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items;
}

/**
 * The checks every failure page must pass: its own status, text/html, the Chinese and the English explanation, the
 * failure code, a retry link, and none of `secrets` anywhere in it. Returns the retry link's href.
 */
export async function expectFailurePage(
  response: Response,
  code: H5OAuthErrorCode,
  secrets: ReadonlyArray<string | undefined> = [],
): Promise<string> {
  const body = await response.text();
  const page = FAILURES[code];

  expect({ status: response.status, code: /<code>([A-Z_]+)<\/code>/.exec(body)?.[1] }).toEqual({ status: page.status, code });
  expect(response.headers.get('content-type')).toMatch(/^text\/html\b/);
  expect(page.zh).toMatch(/[\u4e00-\u9fff]/);
  expect(body).toContain(page.zh);
  expect(body).toContain(page.en);
  const retry = /<a class="retry" href="([^"]+)"/.exec(body)?.[1];
  expect(retry, 'a retry link').toBeDefined();
  for (const secret of secrets) {
    if (secret) expect(body).not.toContain(secret);
  }
  return retry!.replaceAll('&amp;', '&');
}

/** A JSON failure of the session API: status and `error` code. */
export async function expectJsonFailure(response: Response, code: H5OAuthErrorCode): Promise<Record<string, unknown>> {
  const body = (await response.json()) as Record<string, unknown>;
  expect({ status: response.status, error: body.error }).toEqual({ status: FAILURES[code].status, error: code });
  return body;
}
