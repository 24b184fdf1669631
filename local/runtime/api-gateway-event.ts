import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

// API Gateway passes these as text; everything else arrives base64-encoded with isBase64Encoded set.
const TEXT_TYPES = /^(text\/|application\/(json|xml|x-www-form-urlencoded|javascript))/i;

/**
 * Builds the HTTP API (payload format 2.0) event API Gateway would hand a Lambda for this request: same query
 * parsing (repeated keys joined by commas), lower-cased headers, cookies split out, base64 for binary bodies.
 */
export function toApiGatewayEvent(req: IncomingMessage, body: Buffer, routeKey: string, nowMs: number): APIGatewayProxyEventV2 {
  const url = new URL(req.url ?? '/', 'http://localhost');
  // A Map, not an object literal: `key in {}` is true for 'toString' or 'constructor', and '__proto__' cannot be set.
  const query = new Map<string, string>();
  for (const [key, value] of url.searchParams) {
    const earlier = query.get(key);
    query.set(key, earlier === undefined ? value : `${earlier},${value}`);
  }

  // headersDistinct, not headers: Node joins most repeated headers with ", ", API Gateway joins them with ",".
  const headers: Record<string, string> = {};
  for (const [key, values] of Object.entries(req.headersDistinct)) {
    if (values !== undefined && key !== 'cookie') headers[key] = values.join(',');
  }
  const cookies = (req.headers.cookie ?? '')
    .split(';')
    .map((c) => c.trim())
    .filter(Boolean);
  const contentType = req.headers['content-type'] ?? '';
  const isText = body.length === 0 || TEXT_TYPES.test(contentType);

  return {
    version: '2.0',
    routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    ...(cookies.length > 0 ? { cookies } : {}),
    headers,
    ...(url.search ? { queryStringParameters: Object.fromEntries(query) } : {}),
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: 'local',
      http: {
        method: req.method ?? 'GET',
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey,
      stage: '$default',
      time: new Date(nowMs).toUTCString(),
      timeEpoch: nowMs,
    },
    ...(body.length > 0 ? { body: isText ? body.toString('utf8') : body.toString('base64') } : {}),
    isBase64Encoded: !isText,
  };
}

/** What API Gateway does with a structured result: status, headers, cookies as Set-Cookie, body. */
export function fromApiGatewayResult(result: APIGatewayProxyStructuredResultV2): {
  status: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
} {
  const headers: Record<string, string | string[]> = {};
  for (const [key, value] of Object.entries(result.headers ?? {})) headers[key.toLowerCase()] = String(value);
  if (result.cookies?.length) headers['set-cookie'] = result.cookies;
  const raw = result.body ?? '';
  return {
    status: result.statusCode ?? 200,
    headers,
    body: result.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8'),
  };
}
