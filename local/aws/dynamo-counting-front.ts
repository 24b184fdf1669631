import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { crc32 } from 'node:zlib';
import { AwsServiceError } from './aws-service-error';
import { withIndexWriteCounting } from './dynamo-index-writes';
import type { DynamoStats } from './dynamo-stats';
import { readBody, sendResponse } from './http-io';
import { closeServer, listenOnEphemeralPort } from './server-lifecycle';

/** The HTTP front of dynalite that counts requests by operation and the capacity units they consumed. */
export interface DynamoCountingFront {
  readonly endpoint: string;
  close(): Promise<void>;
}

/**
 * dynalite's request listener. It reads the body from `data`/`end` events and answers through `statusCode`,
 * `setHeader` and `end` (dynalite 4.0.0 index.js: httpHandler and sendData), which is all the front gives it.
 */
export type DynaliteRequestListener = (req: IncomingMessage, res: ServerResponse) => void;

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
 * Starts the counting front on an ephemeral port of `host`. It hands each request to dynalite's own listener
 * in-process: one HTTP hop instead of the two a forwarding proxy needs, which cost 13-18 % of the throughput where
 * this costs 6-9 % of the CPU per request (measured with the SDK DocumentClient). A request that did not ask
 * for consumed capacity reaches dynalite with `ReturnConsumedCapacity: 'TOTAL'`, and the `ConsumedCapacity` is taken
 * out of the answer again, so clients see exactly what DynamoDB would send them.
 */
export async function startDynamoCountingFront(
  host: string,
  dynalite: DynaliteRequestListener,
  stats: DynamoStats,
): Promise<DynamoCountingFront> {
  const server: Server = createServer((req, res) => {
    handle(req, res, dynalite, stats).catch((err: unknown) => answerFailure(res, err));
  });
  const endpoint = await listenOnEphemeralPort(server, host);
  return { endpoint, close: () => closeServer(server) };
}

interface DynaliteAnswer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
}

async function handle(req: IncomingMessage, res: ServerResponse, dynalite: DynaliteRequestListener, stats: DynamoStats): Promise<void> {
  const body = await readBody(req, MAX_REQUEST_BYTES);
  const operation = operationOf(req.headers['x-amz-target']);
  const kind = operation === undefined ? undefined : CAPACITY_KIND[operation];
  const request = kind === undefined ? undefined : parseObject(body);
  // Only a request that did not ask for capacity gets it added, and only its answer loses it again.
  const addCapacity = request !== undefined && (request.ReturnConsumedCapacity === undefined || request.ReturnConsumedCapacity === 'NONE');
  const forwarded = addCapacity ? Buffer.from(JSON.stringify({ ...request, ReturnConsumedCapacity: 'TOTAL' })) : body;

  let indexWriteUnits = 0;
  const answer = await withIndexWriteCounting(
    (units) => {
      indexWriteUnits += units;
    },
    () => callDynalite(dynalite, req, forwarded),
  );
  let responseBody = answer.body;
  const headers = { ...answer.headers };
  if (operation !== undefined) {
    const parsed = parseObject(answer.body);
    const units = kind === undefined ? 0 : sumCapacityUnits(parsed?.ConsumedCapacity);
    stats.record({
      operation,
      readUnits: kind === 'read' ? units : 0,
      writeUnits: kind === 'write' ? units : 0,
      indexWriteUnits,
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

/** Runs dynalite's listener on a request that replays `body`, capturing the answer it writes. */
function callDynalite(dynalite: DynaliteRequestListener, req: IncomingMessage, body: Buffer): Promise<DynaliteAnswer> {
  return new Promise((resolve) => {
    const headers: IncomingHttpHeaders = { ...req.headers, 'content-length': String(body.length) };
    const replay = Object.assign(Readable.from(body.length === 0 ? [] : [body]), { headers, method: req.method, url: req.url });
    const captured = {
      statusCode: 200,
      headers: {} as Record<string, string>,
      setHeader(name: string, value: string | number): void {
        captured.headers[name.toLowerCase()] = String(value);
      },
      end(answerBody?: string | Buffer): void {
        resolve({ status: captured.statusCode, headers: captured.headers, body: Buffer.from(answerBody ?? '') });
      },
    };
    dynalite(replay as unknown as IncomingMessage, captured as unknown as ServerResponse);
  });
}

// An oversized body gets DynamoDB's 413; anything unexpected, a 500 the SDK retries.
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
