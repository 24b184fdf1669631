import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AwsServiceError, toAwsServiceError } from './aws-service-error';
import type { CallStats } from './call-stats';
import type { FaultInjector } from './fault-injector';
import { readBody, sendResponse } from './http-io';
import type { JsonInput } from './json-input';

/** One operation: takes the parsed JSON body, returns a JSON-ready response or throws `AwsServiceError`. */
export type AwsJsonOperation = (input: JsonInput) => unknown;

/** A service spoken over AWS JSON 1.1 (`X-Amz-Target: <targetPrefix>.<Operation>`). */
export interface AwsJsonService {
  readonly service: 'kms' | 'secretsManager';
  /** `TrentService` for KMS, `secretsmanager` for Secrets Manager. */
  readonly targetPrefix: string;
  readonly operations: Readonly<Record<string, AwsJsonOperation>>;
}

/** Shared fault queue and call counters the handlers consult. */
export interface RequestHooks {
  readonly faults: FaultInjector;
  readonly stats: CallStats;
}

const JSON_11_CONTENT_TYPE = 'application/x-amz-json-1.1';

/** Builds a request handler that dispatches AWS JSON 1.1 calls to `services` by their `X-Amz-Target` header. */
export function createAwsJsonHandler(
  services: readonly AwsJsonService[],
  hooks: RequestHooks,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  return async (req, res) => {
    const requestId = randomUUID();
    try {
      // Read the body before any early error so keep-alive connections stay in a clean state.
      const body = await readBody(req);
      const result = await dispatch(services, hooks, req, body);
      sendResponse(res, 200, jsonHeaders(requestId), JSON.stringify(result ?? {}));
    } catch (err) {
      sendAwsJsonError(res, requestId, toAwsServiceError(err));
    }
  };
}

/** Writes an AWS JSON 1.1 error: the SDK reads the error name from `__type` (see loadJsonRpcErrorCode in @smithy/core). */
export function sendAwsJsonError(res: ServerResponse, requestId: string, err: AwsServiceError): void {
  sendResponse(res, err.httpStatus, jsonHeaders(requestId), JSON.stringify({ __type: err.name, message: err.message }));
}

async function dispatch(services: readonly AwsJsonService[], hooks: RequestHooks, req: IncomingMessage, body: Buffer): Promise<unknown> {
  const target = req.headers['x-amz-target'];
  if (req.method !== 'POST' || typeof target !== 'string') {
    throw new AwsServiceError('UnknownOperationException', 'Requests must be POST with an X-Amz-Target header');
  }
  const dot = target.lastIndexOf('.');
  const prefix = target.slice(0, dot);
  const operationName = target.slice(dot + 1);
  const service = services.find((s) => s.targetPrefix === prefix);
  // Object.hasOwn keeps targets such as "TrentService.constructor" from reaching Object.prototype.
  const operation =
    dot > 0 && service !== undefined && Object.hasOwn(service.operations, operationName) ? service.operations[operationName] : undefined;
  if (service === undefined || operation === undefined) {
    throw new AwsServiceError('UnknownOperationException', 'The X-Amz-Target header names no supported operation');
  }

  hooks.stats.record(service.service, operationName);
  const fault = hooks.faults.take(service.service, operationName);
  if (fault !== undefined) {
    throw fault;
  }
  return operation(parseJsonBody(body));
}

function parseJsonBody(body: Buffer): JsonInput {
  if (body.length === 0) {
    return {};
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw new AwsServiceError('SerializationException', 'Request body is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new AwsServiceError('SerializationException', 'Request body must be a JSON object');
  }
  return parsed as JsonInput;
}

function jsonHeaders(requestId: string): Record<string, string> {
  return { 'content-type': JSON_11_CONTENT_TYPE, 'x-amzn-requestid': requestId };
}
