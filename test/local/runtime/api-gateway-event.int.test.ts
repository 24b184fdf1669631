import { createServer, type OutgoingHttpHeaders, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromApiGatewayResult, toApiGatewayEvent } from '../../../local/runtime/api-gateway-event';

const NOW_MS = Date.parse('2026-11-28T08:30:00.000Z');
const ROUTE_KEY = 'POST /wechat/component/events';

// A bare server that turns each request it receives into an event, so the tests see real IncomingMessages.
let server: Server;
let port: number;
let lastEvent: APIGatewayProxyEventV2 | undefined;

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      lastEvent = toApiGatewayEvent(req, Buffer.concat(chunks), ROUTE_KEY, NOW_MS);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** Sends a request with exactly these headers (arrays send a header once per value) and returns the event built for it. */
async function eventFor(
  path: string,
  options: { method?: string; headers?: OutgoingHttpHeaders; body?: Buffer | string } = {},
): Promise<APIGatewayProxyEventV2> {
  lastEvent = undefined;
  await new Promise<void>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: options.method ?? 'POST', headers: options.headers ?? {} }, (res) => {
      res.resume();
      res.on('end', resolve);
    });
    req.on('error', reject);
    req.end(options.body);
  });
  if (!lastEvent) throw new Error('no event was built');
  return lastEvent;
}

describe('toApiGatewayEvent', () => {
  it('builds a payload format 2.0 event carrying the route key and the request line', async () => {
    const event = await eventFor('/wechat/component/events?timestamp=1795000000', { headers: { 'user-agent': 'Mozilla/5.0 (WeChat)' } });

    expect(event).toMatchObject({
      version: '2.0',
      routeKey: ROUTE_KEY,
      rawPath: '/wechat/component/events',
      rawQueryString: 'timestamp=1795000000',
      requestContext: {
        routeKey: ROUTE_KEY,
        stage: '$default',
        domainName: `127.0.0.1:${port}`,
        http: {
          method: 'POST',
          path: '/wechat/component/events',
          protocol: 'HTTP/1.1',
          sourceIp: '127.0.0.1',
          userAgent: 'Mozilla/5.0 (WeChat)',
        },
        time: 'Sat, 28 Nov 2026 08:30:00 GMT',
        timeEpoch: NOW_MS,
      },
    });
    expect(event.requestContext.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('gives each request its own request id', async () => {
    const first = await eventFor('/a');

    const second = await eventFor('/a');

    expect(second.requestContext.requestId).not.toBe(first.requestContext.requestId);
  });

  it('joins the values of a repeated query key with commas and decodes them', async () => {
    const event = await eventFor('/e?a=1&b=x%2By%20z&a=2&a=');

    expect(event.queryStringParameters).toEqual({ a: '1,2,', b: 'x+y z' });
    expect(event.rawQueryString).toBe('a=1&b=x%2By%20z&a=2&a=');
  });

  it('keeps query keys that share a name with Object members as plain keys', async () => {
    const event = await eventFor('/e?toString=1&constructor=2&__proto__=3&hasOwnProperty=4');

    expect(event.queryStringParameters).toEqual({ toString: '1', constructor: '2', ['__proto__']: '3', hasOwnProperty: '4' });
    expect(Object.keys(event.queryStringParameters ?? {})).toEqual(['toString', 'constructor', '__proto__', 'hasOwnProperty']);
  });

  it('leaves queryStringParameters out when there is no query string', async () => {
    const event = await eventFor('/e');

    expect(event).not.toHaveProperty('queryStringParameters');
    expect(event.rawQueryString).toBe('');
  });

  it('lower-cases header names', async () => {
    const event = await eventFor('/e', { headers: { 'X-WeChat-Test': 'Value', 'Content-Type': 'text/xml' } });

    expect(event.headers).toMatchObject({ 'x-wechat-test': 'Value', 'content-type': 'text/xml' });
    expect(Object.keys(event.headers).every((name) => name === name.toLowerCase())).toBe(true);
  });

  it('joins the values of a repeated header with commas, as API Gateway does', async () => {
    const event = await eventFor('/e', { headers: { 'x-forwarded-for': ['203.0.113.7', '198.51.100.1'], 'x-custom': ['a', 'b'] } });

    expect(event.headers['x-forwarded-for']).toBe('203.0.113.7,198.51.100.1');
    expect(event.headers['x-custom']).toBe('a,b');
  });

  it('splits the Cookie header into cookies and leaves it out of the headers', async () => {
    const event = await eventFor('/e', { headers: { cookie: 'session=abc; theme=dark;  lang=zh-CN' } });

    expect(event.cookies).toEqual(['session=abc', 'theme=dark', 'lang=zh-CN']);
    expect(event.headers).not.toHaveProperty('cookie');
  });

  it('leaves cookies out when there is no Cookie header', async () => {
    const event = await eventFor('/e');

    expect(event).not.toHaveProperty('cookies');
  });

  it('passes text bodies as text', async () => {
    const contentTypes = [
      'text/xml',
      'text/plain; charset=utf-8',
      'application/json',
      'application/xml',
      'application/x-www-form-urlencoded',
      'application/javascript',
    ];
    for (const contentType of contentTypes) {
      const body = '<xml><ToUserName>令牌</ToUserName></xml>';

      const event = await eventFor('/e', { headers: { 'content-type': contentType }, body });

      expect(event.body, contentType).toBe(body);
      expect(event.isBase64Encoded, contentType).toBe(false);
    }
  });

  it('base64-encodes binary bodies and says so', async () => {
    const bytes = Buffer.from([0x00, 0xff, 0x10, 0x80, 0x7f]);
    for (const headers of [{ 'content-type': 'application/octet-stream' }, { 'content-type': 'image/png' }, {}]) {
      const event = await eventFor('/e', { headers, body: bytes });

      expect(event.isBase64Encoded, JSON.stringify(headers)).toBe(true);
      expect(Buffer.from(event.body ?? '', 'base64')).toEqual(bytes);
    }
  });

  it('has no body and no base64 flag for an empty request', async () => {
    const event = await eventFor('/e', { method: 'GET', headers: { 'content-type': 'application/octet-stream' } });

    expect(event).not.toHaveProperty('body');
    expect(event.isBase64Encoded).toBe(false);
  });
});

describe('fromApiGatewayResult', () => {
  it('turns cookies into Set-Cookie headers, one per cookie', () => {
    const out = fromApiGatewayResult({ statusCode: 302, headers: { Location: '/done' }, cookies: ['a=1; HttpOnly', 'b=2; Secure'] });

    expect(out.status).toBe(302);
    expect(out.headers).toEqual({ location: '/done', 'set-cookie': ['a=1; HttpOnly', 'b=2; Secure'] });
  });

  it('lower-cases header names and writes non-string values as text', () => {
    const out = fromApiGatewayResult({
      statusCode: 200,
      headers: { 'Content-Type': 'text/plain', 'X-Count': 3, 'X-Flag': true },
      body: 'ok',
    });

    expect(out.headers).toEqual({ 'content-type': 'text/plain', 'x-count': '3', 'x-flag': 'true' });
  });

  it('decodes a base64 body to its bytes', () => {
    const bytes = Buffer.from([0x00, 0xff, 0x10]);

    const out = fromApiGatewayResult({ statusCode: 200, body: bytes.toString('base64'), isBase64Encoded: true });

    expect(out.body).toEqual(bytes);
  });

  it('sends a text body as UTF-8', () => {
    const out = fromApiGatewayResult({ statusCode: 200, body: 'success ✓' });

    expect(out.body).toEqual(Buffer.from('success ✓', 'utf8'));
  });

  it('defaults to status 200, no headers and an empty body', () => {
    const out = fromApiGatewayResult({});

    expect(out).toEqual({ status: 200, headers: {}, body: Buffer.alloc(0) });
  });
});
