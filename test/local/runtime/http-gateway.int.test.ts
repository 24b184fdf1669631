import { Agent, request } from 'node:http';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type HttpGateway, startHttpGateway } from '../../../local/runtime/http-gateway';
import { FakeClock } from '../../support/fake-clock';

const MIB = 1024 * 1024;

describe('startHttpGateway', () => {
  const clock = new FakeClock();
  let gateway: HttpGateway;
  let calls: Array<{ functionName: string; event: APIGatewayProxyEventV2 }>;

  beforeAll(async () => {
    gateway = await startHttpGateway({
      now: clock.now,
      routes: [
        {
          routeKey: 'POST /wechat/component/events',
          functionName: 'push-receiver',
          handler: async (event, context) => {
            calls.push({ functionName: context.functionName, event });
            return { statusCode: 200, headers: { 'Content-Type': 'text/plain' }, body: 'success' };
          },
        },
        {
          routeKey: 'ANY /any',
          functionName: 'any-method',
          handler: async (event, context) => {
            calls.push({ functionName: context.functionName, event });
            return { statusCode: 200, body: event.requestContext.http.method };
          },
        },
        {
          routeKey: 'GET /login',
          functionName: 'login',
          handler: async () => ({
            statusCode: 302,
            headers: { Location: '/done' },
            cookies: ['state=CANARYstate; HttpOnly', 'theme=dark'],
          }),
        },
        {
          routeKey: 'GET /boom',
          functionName: 'boom',
          handler: async () => {
            throw new Error('handler failed');
          },
        },
      ],
      extra: async (req) =>
        req.url === '/healthz' ? { statusCode: 200, headers: { 'content-type': 'application/json' }, body: '{"status":"ok"}' } : null,
    });
  });
  afterAll(async () => {
    await gateway.close();
  });
  beforeEach(() => {
    calls = [];
  });

  const send = (path: string, init: RequestInit = {}) => fetch(`${gateway.url}${path}`, { redirect: 'manual', ...init });

  it('listens on 127.0.0.1 only, on the port it reports', () => {
    const url = new URL(gateway.url);

    expect(url.hostname).toBe('127.0.0.1');
    expect(Number(url.port)).toBe(gateway.port);
  });

  it("hands a request to the handler of its method and path, with that function's context", async () => {
    const res = await send('/wechat/component/events?timestamp=1', {
      method: 'POST',
      headers: { 'content-type': 'text/xml' },
      body: '<xml/>',
    });

    expect(res.status).toBe(200);
    expect(await res.text()).toBe('success');
    expect(res.headers.get('content-type')).toBe('text/plain');
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({
      functionName: 'push-receiver',
      event: {
        routeKey: 'POST /wechat/component/events',
        rawPath: '/wechat/component/events',
        body: '<xml/>',
        requestContext: { timeEpoch: clock.now() },
      },
    });
  });

  it('answers 404 for a known path with another method', async () => {
    const res = await send('/wechat/component/events', { method: 'GET' });

    expect(res.status).toBe(404);
    expect(await res.text()).toBe('not found');
    expect(calls).toHaveLength(0);
  });

  it('answers 404 for a path no route or extra serves', async () => {
    for (const path of ['/', '/wechat/component/events/', '/wechat/component', '/WECHAT/component/events', '/nothing']) {
      const res = await send(path, { method: 'POST', body: 'x' });

      expect(res.status, path).toBe(404);
    }
    expect(calls).toHaveLength(0);
  });

  it('routes every method to an ANY route', async () => {
    for (const method of ['GET', 'POST', 'PUT', 'DELETE', 'PATCH']) {
      const res = await send('/any', { method });

      expect(await res.text(), method).toBe(method);
    }
    expect(calls.map((c) => c.functionName)).toEqual(Array(5).fill('any-method'));
  });

  it('lets extra answer paths no route serves', async () => {
    const res = await send('/healthz');

    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('sends each cookie of the result as its own Set-Cookie header', async () => {
    const res = await send('/login');

    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/done');
    expect(res.headers.getSetCookie()).toEqual(['state=CANARYstate; HttpOnly', 'theme=dark']);
  });

  it('accepts a body of exactly 1 MiB', async () => {
    const res = await send('/wechat/component/events', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'a'.repeat(MIB),
    });

    expect(res.status).toBe(200);
    expect(calls[0]?.event.body).toHaveLength(MIB);
  });

  it('rejects a body over 1 MiB with 413 and never calls the handler', async () => {
    for (const size of [MIB + 1, 3 * MIB]) {
      const res = await send('/wechat/component/events', {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: 'a'.repeat(size),
      });

      expect(res.status, String(size)).toBe(413);
      expect(await res.text()).toBe('request body too large');
    }
    expect(calls).toHaveLength(0);
  });

  it('keeps serving on the same keep-alive connection after refusing a large body', async () => {
    // One socket, kept alive: the request after the refused one must travel on the very same connection.
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const exchange = (method: string, path: string, body?: string) =>
      new Promise<number>((resolve, reject) => {
        const req = request(`${gateway.url}${path}`, { method, agent, timeout: 2000, headers: { 'content-type': 'text/plain' } }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        });
        req.on('timeout', () => req.destroy(new Error('no answer within 2 s')));
        req.on('error', reject);
        req.end(body);
      });
    try {
      const refused = await exchange('POST', '/wechat/component/events', 'a'.repeat(3 * MIB));

      const next = await exchange('GET', '/healthz');

      expect(refused).toBe(413);
      expect(next).toBe(200);
    } finally {
      agent.destroy();
    }
  });

  it('answers 500 as API Gateway does when the handler throws, and keeps serving', async () => {
    const res = await send('/boom');
    const next = await send('/healthz');

    expect(res.status).toBe(500);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.json()).toEqual({ message: 'Internal Server Error' });
    expect(next.status).toBe(200);
  });

  it('stops accepting connections once closed', async () => {
    const other = await startHttpGateway({ routes: [] });
    await other.close();

    const attempt = fetch(`${other.url}/healthz`);

    await expect(attempt).rejects.toThrow();
  });
});
