import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { createLambdaContext } from '../aws/lambda-context';
import { fromApiGatewayResult, toApiGatewayEvent } from './api-gateway-event';

export type HttpLambdaHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

export interface GatewayRoute {
  /** e.g. 'POST /wechat/component/events'; method 'ANY' matches every method. */
  routeKey: string;
  functionName: string;
  handler: HttpLambdaHandler;
}

export interface HttpGateway {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

// API Gateway's own payload limit is 10 MB; nothing we serve needs more than a sliver of that.
const MAX_BODY_BYTES = 1024 * 1024;

/** A local stand-in for an API Gateway HTTP API: routes requests to the same handlers that run in Lambda. */
export async function startHttpGateway(input: {
  routes: GatewayRoute[];
  port?: number;
  host?: string;
  now?: () => number;
  /** Answers for paths no Lambda serves (health, demo pages); return null to fall through to 404. */
  extra?: (req: IncomingMessage) => Promise<APIGatewayProxyStructuredResultV2 | null>;
}): Promise<HttpGateway> {
  const now = input.now ?? Date.now;
  const server: Server = createServer(async (req, res) => {
    try {
      const body = await readBody(req);
      if (body === null) {
        res.writeHead(413, { 'content-type': 'text/plain' }).end('request body too large');
        return;
      }
      const { pathname } = new URL(req.url ?? '/', 'http://localhost');
      const route = input.routes.find((r) => {
        const [method, path] = r.routeKey.split(' ');
        return path === pathname && (method === 'ANY' || method === req.method);
      });
      let result: APIGatewayProxyStructuredResultV2 | null;
      if (route) {
        const context = createLambdaContext({
          functionName: route.functionName,
          invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${route.functionName}`,
          timeoutMs: 30_000,
          now,
        });
        result = await route.handler(toApiGatewayEvent(req, body, route.routeKey, now()), context);
      } else {
        result = (await input.extra?.(req)) ?? { statusCode: 404, headers: { 'content-type': 'text/plain' }, body: 'not found' };
      }
      const out = fromApiGatewayResult(result);
      res.writeHead(out.status, out.headers).end(out.body);
    } catch {
      // As API Gateway does when the integration fails; the handler already logged what went wrong.
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end('{"message":"Internal Server Error"}');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(input.port ?? 0, input.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${input.host ?? '127.0.0.1'}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function readBody(req: IncomingMessage): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  // Read to the end even past the limit, keeping nothing: leaving the rest of the body unread leaves the
  // keep-alive connection stuck, and the client's next request on it would hang and then be reset.
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size <= MAX_BODY_BYTES) chunks.push(chunk as Buffer);
  }
  return size > MAX_BODY_BYTES ? null : Buffer.concat(chunks);
}
