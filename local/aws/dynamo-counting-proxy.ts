import { Agent, createServer, request, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { crc32 } from 'node:zlib';
import type { DynamoStats } from './dynamo-stats';
import { AwsServiceError } from './aws-service-error';
import { readBody, sendResponse } from './http-io';
import { closeServer, formatEndpoint } from './server-lifecycle';

/** A proxy in front of dynalite that counts requests by operation and the capacity units they consumed. */
export interface DynamoCountingProxy {
  readonly endpoint: string;
  close(): Promise<void>;
}

// Operations that accept ReturnConsumedCapacity, and which kind of units they consume.
const CAPACITY_KIND: Readonly<Record<string, 'read' | 'write'>> = {
  GetItem: 'read',
  BatchGetItem: 'read',
  Query: 'read',
  Scan: 'read',
  TransactGetItems: 'read',
  PutItem: 'write',
  UpdateItem: 'write',
  DeleteItem: 'write',
  BatchWriteItem: 'write',
  TransactWriteItems: 'write',
};
// DynamoDB takes requests up to 16 MB (BatchWriteItem); dynalite refuses larger ones itself.
const MAX_REQUEST_BYTES = 16 * 1024 * 1024;

/**
 * Starts the proxy on an ephemeral port of `host`, forwarding to dynalite at `upstreamPort`. A request that did not
 * ask for consumed capacity is sent on with `ReturnConsumedCapacity: 'TOTAL'` and the `ConsumedCapacity` is taken
 * out of the answer again, so clients see exactly what DynamoDB would send them.
 */
export async function startDynamoCountingProxy(host: string, upstreamPort: number, stats: DynamoStats): Promise<DynamoCountingProxy> {
  const agent = new Agent({ keepAlive: true });
  const server: Server = createServer((req, res) => {
    proxy(req, res, { host, port: upstreamPort, agent }, stats).catch((err: unknown) => answerFailure(res, err));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    endpoint: formatEndpoint(host, (server.address() as AddressInfo).port),
    close: async () => {
      await closeServer(server);
      agent.destroy();
    },
  };
}

interface Upstream {
  readonly host: string;
  readonly port: number;
  readonly agent: Agent;
}

interface UpstreamResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

async function proxy(req: IncomingMessage, res: ServerResponse, upstream: Upstream, stats: DynamoStats): Promise<void> {
  const body = await readBody(req, MAX_REQUEST_BYTES);
  const operation = operationOf(req.headers['x-amz-target']);
  const kind = operation === undefined ? undefined : CAPACITY_KIND[operation];
  const request = kind === undefined ? undefined : parseObject(body);
  // Only a request that did not ask for capacity gets it added, and only its answer loses it again.
  const addCapacity = request !== undefined && (request.ReturnConsumedCapacity === undefined || request.ReturnConsumedCapacity === 'NONE');
  const forwarded = addCapacity ? Buffer.from(JSON.stringify({ ...request, ReturnConsumedCapacity: 'TOTAL' })) : body;

  const answer = await forward(req, forwarded, upstream);
  let responseBody = answer.body;
  const headers = { ...answer.headers };
  if (operation !== undefined) {
    const parsed = parseObject(answer.body);
    const units = kind === undefined ? 0 : sumCapacityUnits(parsed?.ConsumedCapacity);
    stats.record({
      operation,
      readUnits: kind === 'read' ? units : 0,
      writeUnits: kind === 'write' ? units : 0,
      errorType: answer.status >= 400 ? errorTypeOf(parsed) : undefined,
    });
    if (addCapacity && parsed !== undefined && 'ConsumedCapacity' in parsed) {
      const { ConsumedCapacity: _added, ...rest } = parsed;
      responseBody = Buffer.from(JSON.stringify(rest));
      headers['content-length'] = String(responseBody.length);
      // DynamoDB signs its answers with a CRC32 of the body; some clients check it.
      headers['x-amz-crc32'] = String(crc32(responseBody));
    }
  }
  res.writeHead(answer.status, headers);
  res.end(responseBody);
}

// An oversized body gets DynamoDB's 413; a dynalite that cannot be reached, a 500 the SDK retries.
function answerFailure(res: ServerResponse, err: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const failure = err instanceof AwsServiceError ? err : new AwsServiceError('InternalFailure', 'The local DynamoDB did not answer', 500);
  sendResponse(
    res,
    failure.httpStatus,
    { 'content-type': 'application/x-amz-json-1.0' },
    JSON.stringify({ __type: `com.amazon.coral.service#${failure.name}`, message: failure.message }),
  );
}

function forward(req: IncomingMessage, body: Buffer, upstream: Upstream): Promise<UpstreamResponse> {
  return new Promise((resolve, reject) => {
    const headers = { ...req.headers, 'content-length': String(body.length) };
    const upstreamRequest = request(
      { host: upstream.host, port: upstream.port, method: req.method, path: req.url, headers, agent: upstream.agent },
      (upstreamResponse) => {
        const chunks: Buffer[] = [];
        upstreamResponse.on('data', (chunk: Buffer) => chunks.push(chunk));
        upstreamResponse.on('error', reject);
        upstreamResponse.on('end', () =>
          resolve({ status: upstreamResponse.statusCode ?? 500, headers: upstreamResponse.headers, body: Buffer.concat(chunks) }),
        );
      },
    );
    upstreamRequest.on('error', reject);
    upstreamRequest.end(body);
  });
}

function operationOf(target: string | string[] | undefined): string | undefined {
  if (typeof target !== 'string') {
    return undefined;
  }
  const dot = target.lastIndexOf('.');
  return dot > 0 && target.startsWith('DynamoDB_') ? target.slice(dot + 1) : undefined;
}

function parseObject(body: Buffer): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(body.toString('utf8'));
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

// ConsumedCapacity is one object for single-table operations and a list (one per table) for batches and transactions.
function sumCapacityUnits(consumed: unknown): number {
  const entries = Array.isArray(consumed) ? consumed : consumed === undefined ? [] : [consumed];
  let total = 0;
  for (const entry of entries) {
    const units = (entry as { CapacityUnits?: unknown } | null)?.CapacityUnits;
    if (typeof units === 'number') {
      total += units;
    }
  }
  return total;
}

// `__type` is "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException"; the name follows the '#'.
function errorTypeOf(answer: Record<string, unknown> | undefined): string {
  const type = typeof answer?.__type === 'string' ? answer.__type : 'UnknownError';
  return type.slice(type.lastIndexOf('#') + 1);
}
