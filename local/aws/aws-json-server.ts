import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AwsServiceError, toAwsServiceError } from './aws-service-error';
import type { CallStats } from './call-stats';
import type { FaultInjector } from './fault-injector';
import { readBody, sendResponse } from './http-io';
import type { JsonInput } from './json-input';

/** One operation: takes the parsed JSON body, returns a JSON-ready response or throws `AwsServiceError`. */
export type AwsJsonOperation = (input: JsonInput) => unknown;

/** How a service writes an error: the `__type` value and any extra headers. */
export interface AwsJsonErrorShape {
  readonly type: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** A service spoken over AWS JSON 1.0 or 1.1 (`X-Amz-Target: <targetPrefix>.<Operation>`). */
export interface AwsJsonService {
  readonly service: 'kms' | 'secretsManager' | 'sqs';
  /** `TrentService` for KMS, `secretsmanager` for Secrets Manager, `AmazonSQS` for SQS. */
  readonly targetPrefix: string;
  /** The protocol version in the content type: '1.1' for KMS and Secrets Manager, '1.0' for SQS. */
  readonly jsonVersion: '1.0' | '1.1';
  readonly operations: Readonly<Record<string, AwsJsonOperation>>;
  /** @default - `__type` is the bare error name and no header is added */
  errorShape?(err: AwsServiceError): AwsJsonErrorShape;
}

/** Shared fault queue and call counters the handlers consult. */
export interface RequestHooks {
  readonly faults: FaultInjector;
  readonly stats: CallStats;
}

/** Builds a request handler that dispatches AWS JSON calls to `services` by their `X-Amz-Target` header. */
export function createAwsJsonHandler(
  services: readonly AwsJsonService[],
  hooks: RequestHooks,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  return async (req, res) => {
    const requestId = randomUUID();
    const { service, operationName } = resolveTarget(services, req);
    try {
      // Read the body before any early error so keep-alive connections stay in a clean state.
      const body = await readBody(req);
      const result = await dispatch(service, operationName, hooks, req, body);
      sendResponse(res, 200, jsonHeaders(requestId, service), JSON.stringify(result ?? {}));
    } catch (err) {
      sendAwsJsonError(res, requestId, toAwsServiceError(err), service);
    }
  };
}

/**
 * Writes an AWS JSON error. The SDK reads the error name from `__type` (loadJsonRpcErrorCode in @smithy/core); a
 * service may add headers, as SQS adds `x-amzn-query-error`.
 */
export function sendAwsJsonError(res: ServerResponse, requestId: string, err: AwsServiceError, service?: AwsJsonService): void {
  const shape = service?.errorShape?.(err) ?? { type: err.name };
  sendResponse(
    res,
    err.httpStatus,
    { ...jsonHeaders(requestId, service), ...shape.headers },
    JSON.stringify({ __type: shape.type, message: err.message }),
  );
}

interface ResolvedTarget {
  readonly service: AwsJsonService | undefined;
  readonly operationName: string;
}

function resolveTarget(services: readonly AwsJsonService[], req: IncomingMessage): ResolvedTarget {
  const target = req.headers['x-amz-target'];
  if (typeof target !== 'string') {
    return { service: undefined, operationName: '' };
  }
  const dot = target.lastIndexOf('.');
  if (dot <= 0) {
    return { service: undefined, operationName: '' };
  }
  const prefix = target.slice(0, dot);
  return { service: services.find((s) => s.targetPrefix === prefix), operationName: target.slice(dot + 1) };
}

async function dispatch(
  service: AwsJsonService | undefined,
  operationName: string,
  hooks: RequestHooks,
  req: IncomingMessage,
  body: Buffer,
): Promise<unknown> {
  if (req.method !== 'POST' || req.headers['x-amz-target'] === undefined) {
    throw new AwsServiceError('UnknownOperationException', 'Requests must be POST with an X-Amz-Target header');
  }
  // Object.hasOwn keeps targets such as "TrentService.constructor" from reaching Object.prototype.
  const operation =
    service !== undefined && Object.hasOwn(service.operations, operationName) ? service.operations[operationName] : undefined;
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

function jsonHeaders(requestId: string, service: AwsJsonService | undefined): Record<string, string> {
  return { 'content-type': `application/x-amz-json-${service?.jsonVersion ?? '1.1'}`, 'x-amzn-requestid': requestId };
}
