import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createComponentApi, createWechatHttp, type WechatHttpOptions } from '../../../shared/wechat/component-api';
import { isRetryableErrcode, WechatApiError } from '../../../shared/wechat/errors';

const APPSECRET = 'CANARY-appsecret-7f3a9c';
const TICKET = 'CANARY-ticket@@@b81e22';
const ACCESS_TOKEN = 'CANARY-access-token-40c1d9';

interface Recorded {
  method: string;
  path: string;
  search: string;
  contentType: string | undefined;
  body: string;
}
type Reply = { status?: number; json?: unknown; raw?: string } | 'hang';

// A tiny stand-in for api.weixin.qq.com: replies are queued per test, requests are recorded.
let server: Server;
let baseUrl: string;
let refusedUrl: string; // a port that was just freed, so connecting is refused
let replies: Reply[] = [];
let requests: Recorded[] = [];

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

beforeAll(async () => {
  server = createServer((req, res) => {
    void readBody(req).then((body) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      requests.push({ method: req.method ?? '', path: url.pathname, search: url.search, contentType: req.headers['content-type'], body });
      const reply = replies.shift() ?? { status: 500, raw: 'no reply queued' };
      if (reply === 'hang') return; // never answers: the client's timeout must fire
      res.writeHead(reply.status ?? 200, { 'content-type': 'application/json' });
      res.end(reply.raw ?? JSON.stringify(reply.json));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  refusedUrl = `http://127.0.0.1:${(probe.address() as AddressInfo).port}`;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  replies = [];
  requests = [];
});

const delays: number[] = [];
function options(overrides: Partial<WechatHttpOptions> = {}): WechatHttpOptions {
  delays.length = 0;
  return {
    baseUrl,
    timeoutMs: 1000,
    sleep: async (ms) => {
      delays.push(ms);
    },
    random: () => 0.5,
    ...overrides,
  };
}

const tokenInput = { componentAppid: 'wx1234567890abcdef', componentAppsecret: APPSECRET, componentVerifyTicket: TICKET };
const tokenOk = { json: { component_access_token: ACCESS_TOKEN, expires_in: 7200 } };

async function catchAsync(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected the promise to reject');
}

/** Every way an error could end up in a log line. */
function serialise(err: unknown): string {
  return [
    inspect(err, { depth: 10, showHidden: true }),
    JSON.stringify(err),
    JSON.stringify(err, Object.getOwnPropertyNames(err as object)),
    String(err),
  ].join('\n');
}

describe('isRetryableErrcode', () => {
  it.each([
    [-1, true],
    [0, false],
    [40001, false],
    [40125, false],
    [45009, false],
    [61004, false],
  ])('classifies errcode %i as retryable: %s', (errcode, retryable) => {
    expect(isRetryableErrcode(errcode)).toBe(retryable);
  });
});

describe('createComponentApi', () => {
  it('fetches a component_access_token with the documented request body', async () => {
    replies = [tokenOk];
    const api = createComponentApi(options({ baseUrl: `${baseUrl}/` }));

    const token = await api.getComponentAccessToken(tokenInput);

    expect(token).toEqual({ componentAccessToken: ACCESS_TOKEN, expiresInSec: 7200 });
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({
      method: 'POST',
      path: '/cgi-bin/component/api_component_token',
      search: '',
      contentType: 'application/json',
    });
    expect(JSON.parse(requests[0]?.body ?? '')).toEqual({
      component_appid: 'wx1234567890abcdef',
      component_appsecret: APPSECRET,
      component_verify_ticket: TICKET,
    });
  });

  it('asks WeChat to push a ticket, sending the appsecret as component_secret', async () => {
    replies = [{ json: { errcode: 0, errmsg: 'ok' } }];
    const api = createComponentApi(options());

    await api.startPushTicket({ componentAppid: 'wx1234567890abcdef', componentAppsecret: APPSECRET });

    expect(requests[0]?.path).toBe('/cgi-bin/component/api_start_push_ticket');
    expect(JSON.parse(requests[0]?.body ?? '')).toEqual({ component_appid: 'wx1234567890abcdef', component_secret: APPSECRET });
  });

  it('retries errcode -1 (system busy) and then succeeds', async () => {
    replies = [{ json: { errcode: -1, errmsg: 'system error' } }, tokenOk];
    const api = createComponentApi(options());

    const token = await api.getComponentAccessToken(tokenInput);

    expect(token.componentAccessToken).toBe(ACCESS_TOKEN);
    expect(requests).toHaveLength(2);
    expect(delays).toEqual([100]); // 0.5 * min(2000, 200 * 2 ** 0)
  });

  it.each([40125, 45009, 61004, 61006])('throws errcode %i after exactly one request', async (errcode) => {
    replies = [{ json: { errcode, errmsg: 'nope' } }, tokenOk];
    const api = createComponentApi(options());

    const err = await catchAsync(api.getComponentAccessToken(tokenInput));

    expect(err).toBeInstanceOf(WechatApiError);
    expect(err).toMatchObject({ code: 'ERRCODE', api: 'api_component_token', errcode, errmsg: 'nope', retryable: false });
    expect((err as Error).message).toBe(`WeChat api_component_token failed: errcode ${errcode}`);
    expect(requests).toHaveLength(1);
  });

  it('throws a retryable ERRCODE after maxAttempts of errcode -1, backing off with full jitter', async () => {
    replies = [1, 2, 3].map(() => ({ json: { errcode: -1, errmsg: 'system error' } }));
    const api = createComponentApi(options({ random: () => 1, baseDelayMs: 300, maxDelayMs: 500 }));

    const err = await catchAsync(api.getComponentAccessToken(tokenInput));

    expect(err).toMatchObject({ code: 'ERRCODE', errcode: -1, retryable: true });
    expect(requests).toHaveLength(3);
    expect(delays).toEqual([300, 500]);
  });

  it('retries HTTP 5xx', async () => {
    replies = [{ status: 502, raw: 'bad gateway' }, { status: 503, raw: '' }, tokenOk];
    const api = createComponentApi(options());

    const token = await api.getComponentAccessToken(tokenInput);

    expect(token.expiresInSec).toBe(7200);
    expect(requests).toHaveLength(3);
  });

  it('throws HTTP_STATUS for a 5xx that persists', async () => {
    replies = [1, 2, 3].map(() => ({ status: 500, raw: 'oops' }));
    const api = createComponentApi(options());

    const err = await catchAsync(api.getComponentAccessToken(tokenInput));

    expect(err).toMatchObject({ code: 'HTTP_STATUS', httpStatus: 500, retryable: true });
    expect(requests).toHaveLength(3);
  });

  it.each([400, 403, 404, 429])('throws HTTP_STATUS %i without retrying', async (status) => {
    replies = [{ status, raw: '{}' }, tokenOk];
    const api = createComponentApi(options());

    const err = await catchAsync(api.getComponentAccessToken(tokenInput));

    expect(err).toMatchObject({ code: 'HTTP_STATUS', httpStatus: status, retryable: false });
    expect(requests).toHaveLength(1);
  });

  it.each([
    ['is not JSON', { raw: '<html>busy</html>' }],
    ['is a JSON array', { raw: '[]' }],
    ['has a non-numeric errcode', { json: { errcode: 'oops' } }],
    ['lacks component_access_token', { json: { expires_in: 7200 } }],
    ['has an empty component_access_token', { json: { component_access_token: '', expires_in: 7200 } }],
    ['lacks expires_in', { json: { component_access_token: ACCESS_TOKEN } }],
    ['has a zero expires_in', { json: { component_access_token: ACCESS_TOKEN, expires_in: 0 } }],
    ['has a string expires_in', { json: { component_access_token: ACCESS_TOKEN, expires_in: '7200' } }],
  ])('throws BAD_RESPONSE without retrying when the response %s', async (_label, reply) => {
    replies = [reply, tokenOk];
    const api = createComponentApi(options());

    const err = await catchAsync(api.getComponentAccessToken(tokenInput));

    expect(err).toBeInstanceOf(WechatApiError);
    expect(err).toMatchObject({ code: 'BAD_RESPONSE', retryable: false });
    expect(requests).toHaveLength(1);
    expect(serialise(err)).not.toContain(ACCESS_TOKEN);
  });

  it('retries a timeout and then throws TIMEOUT', async () => {
    replies = ['hang', 'hang'];
    const api = createComponentApi(options({ timeoutMs: 50, maxAttempts: 2 }));

    const err = await catchAsync(api.getComponentAccessToken(tokenInput));

    expect(err).toBeInstanceOf(WechatApiError);
    expect(err).toMatchObject({ code: 'TIMEOUT', retryable: true });
    expect(requests).toHaveLength(2);
  });

  it('throws TIMEOUT even when an injected fetch ignores the abort signal', async () => {
    let calls = 0;
    const neverSettles = (() => {
      calls++;
      return new Promise<Response>(() => undefined);
    }) as typeof fetch;
    const api = createComponentApi(options({ fetch: neverSettles, timeoutMs: 20, maxAttempts: 3 }));

    const err = await catchAsync(api.getComponentAccessToken(tokenInput));

    expect(err).toMatchObject({ code: 'TIMEOUT' });
    expect(calls).toBe(3);
  });

  it('retries a network error and then succeeds', async () => {
    let calls = 0;
    const flaky = (async (...args: Parameters<typeof fetch>) => {
      calls++;
      if (calls === 1) throw new TypeError('fetch failed', { cause: Object.assign(new Error('connect'), { code: 'ECONNRESET' }) });
      return fetch(...args);
    }) as typeof fetch;
    replies = [tokenOk];
    const api = createComponentApi(options({ fetch: flaky }));

    const token = await api.getComponentAccessToken(tokenInput);

    expect(token.componentAccessToken).toBe(ACCESS_TOKEN);
    expect(calls).toBe(2);
  });

  it('never puts the appsecret or ticket into an error, even when WeChat echoes them in errmsg', async () => {
    replies = [{ json: { errcode: 40125, errmsg: `invalid appsecret ${APPSECRET} for ticket ${TICKET}, rid: 65a1-2b3c` } }];
    const api = createComponentApi(options());

    const err = await catchAsync(api.getComponentAccessToken(tokenInput));

    expect(err).toMatchObject({ code: 'ERRCODE', errcode: 40125 });
    expect((err as WechatApiError).errmsg).toBe('invalid appsecret [redacted] for ticket [redacted], rid: 65a1-2b3c');
    expect(serialise(err)).not.toContain(APPSECRET);
    expect(serialise(err)).not.toContain(TICKET);
  });
});

describe('createWechatHttp', () => {
  it('serialises the query in the given key order and sends no body for GET', async () => {
    replies = [{ json: { openid: 'o1' } }];
    const http = createWechatHttp(options());

    const body = await http<{ openid: string }>({
      api: 'sns_component_access_token',
      method: 'GET',
      path: '/sns/oauth2/component/access_token',
      query: { appid: 'wxa', code: 'c d', grant_type: 'authorization_code', component_appid: 'wxc' },
    });

    expect(body).toEqual({ openid: 'o1' });
    expect(requests[0]).toMatchObject({
      method: 'GET',
      search: '?appid=wxa&code=c+d&grant_type=authorization_code&component_appid=wxc',
      body: '',
    });
  });

  it('caps a long errmsg at about 200 characters', async () => {
    replies = [{ json: { errcode: 47001, errmsg: 'x'.repeat(5000) } }];
    const http = createWechatHttp(options());

    const err = await catchAsync(http({ api: 'demo', method: 'POST', path: '/demo', body: {} }));

    expect((err as WechatApiError).errmsg?.length).toBeLessThanOrEqual(210);
  });

  it.each([
    ['an unreachable host', () => createWechatHttp(options({ baseUrl: refusedUrl, maxAttempts: 2 }))],
    [
      'a timeout',
      () => {
        replies = ['hang'];
        return createWechatHttp(options({ timeoutMs: 30, maxAttempts: 1 }));
      },
    ],
    [
      'an HTTP error',
      () => {
        replies = [{ status: 500, raw: ACCESS_TOKEN }];
        return createWechatHttp(options({ maxAttempts: 1 }));
      },
    ],
  ])('never puts the query string (and its access token) into the error for %s', async (_label, makeHttp) => {
    const http = makeHttp();

    const err = await catchAsync(
      http({
        api: 'api_create_preauthcode',
        method: 'POST',
        path: '/cgi-bin/component/api_create_preauthcode',
        query: { component_access_token: ACCESS_TOKEN },
        body: { component_appid: 'wxc', secret: APPSECRET },
        secrets: [ACCESS_TOKEN],
      }),
    );

    expect(err).toBeInstanceOf(WechatApiError);
    expect(['NETWORK', 'TIMEOUT', 'HTTP_STATUS']).toContain((err as WechatApiError).code);
    expect(serialise(err)).not.toContain(ACCESS_TOKEN);
    expect(serialise(err)).not.toContain(APPSECRET);
  });

  it('reports a connection failure as a retryable NETWORK error after maxAttempts', async () => {
    const http = createWechatHttp(options({ baseUrl: refusedUrl, maxAttempts: 2 }));

    const err = await catchAsync(http({ api: 'demo', method: 'GET', path: '/demo' }));

    expect(err).toMatchObject({ code: 'NETWORK', api: 'demo', retryable: true });
    expect((err as Error).message).toBe('WeChat demo failed: network error (ECONNREFUSED)');
    expect(delays).toHaveLength(1);
  });
});

describe('createWechatHttp with a single-use call (an OAuth code exchange)', () => {
  const codeCall = {
    api: 'sns_component_access_token',
    method: 'GET' as const,
    path: '/sns/oauth2/component/access_token',
    singleUse: true,
  };

  it('does not repeat an attempt that timed out, because WeChat may already have used the code', async () => {
    replies = ['hang', 'hang', 'hang'];
    const http = createWechatHttp(options({ timeoutMs: 50, maxAttempts: 3 }));

    const err = await catchAsync(http(codeCall));

    expect(err).toMatchObject({ code: 'TIMEOUT', retryable: false });
    expect(requests).toHaveLength(1);
  });

  it('does not repeat an attempt answered with HTTP 5xx', async () => {
    replies = [{ status: 502, raw: 'bad gateway' }, tokenOk];
    const http = createWechatHttp(options({ maxAttempts: 3 }));

    const err = await catchAsync(http(codeCall));

    expect(err).toMatchObject({ code: 'HTTP_STATUS', httpStatus: 502, retryable: false });
    expect(requests).toHaveLength(1);
  });

  it('still retries errcode -1 (WeChat answered busy without processing) and a connection refused before sending', async () => {
    replies = [{ json: { errcode: -1, errmsg: 'system error' } }, { json: { access_token: 'x' } }];
    const http = createWechatHttp(options({ maxAttempts: 3 }));
    const refused = createWechatHttp(options({ baseUrl: refusedUrl, maxAttempts: 2 }));

    const answered = await http<{ access_token: string }>(codeCall);
    const err = await catchAsync(refused(codeCall));

    expect(answered.access_token).toBe('x');
    expect(requests).toHaveLength(2);
    expect(err).toMatchObject({ code: 'NETWORK', retryable: true });
  });
});
