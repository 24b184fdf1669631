import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHooks } from './aws-json-server';
import { AwsServiceError, toAwsServiceError } from './aws-service-error';
import { readBody, sendResponse } from './http-io';
import { createLambdaContext, type LambdaLikeContext } from './lambda-context';
import { parseFunctionName } from './lambda-function-name';
import { sendRestJsonError } from './rest-json-error';

/** A function body the stand-in can run; the event is the JSON the caller sent. */
export type LocalLambdaHandler<TEvent = unknown> = (event: TEvent, context: LambdaLikeContext) => Promise<unknown>;

/** Per-function settings. */
export interface RegisterFunctionOptions {
  /** Only feeds `context.getRemainingTimeInMillis()`; the stand-in does not stop a handler that runs longer.
   *  @default 30 */
  readonly timeoutSec?: number;
}

/** Options for a Lambda stand-in. */
export interface LambdaStandinOptions extends RequestHooks {
  readonly region: string;
  readonly accountId: string;
  /** @default - Date.now */
  readonly now?: () => number;
}

interface RegisteredFunction {
  readonly name: string;
  readonly arn: string;
  readonly handler: LocalLambdaHandler;
  readonly timeoutMs: number;
}

const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;
const FUNCTION_NAME = /^[A-Za-z0-9_-]{1,64}$/;
const DEFAULT_TIMEOUT_SEC = 30;

/** Lambda's Invoke over REST JSON, running registered in-process handlers. */
export class LambdaStandin {
  private readonly functions = new Map<string, RegisteredFunction>();
  private readonly backgroundRuns = new Set<Promise<void>>();
  private readonly options: LambdaStandinOptions;
  private readonly now: () => number;

  constructor(options: LambdaStandinOptions) {
    this.options = options;
    this.now = options.now ?? Date.now;
  }

  /** Registers (or replaces) the handler behind function `name` and returns its unqualified ARN. */
  registerFunction<TEvent = unknown>(name: string, handler: LocalLambdaHandler<TEvent>, options: RegisterFunctionOptions = {}): string {
    if (!FUNCTION_NAME.test(name)) {
      throw new RangeError('name must be 1-64 letters, digits, hyphens or underscores');
    }
    const timeoutSec = options.timeoutSec ?? DEFAULT_TIMEOUT_SEC;
    if (!(timeoutSec > 0)) {
      throw new RangeError('timeoutSec must be positive');
    }
    const arn = `${this.functionArnPrefix()}${name}`;
    // The event is whatever JSON the caller sent; typing it is the registering caller's claim, as with real Lambda.
    this.functions.set(name, { name, arn, handler: handler as LocalLambdaHandler, timeoutMs: timeoutSec * 1000 });
    return arn;
  }

  /** True when a function of that name is registered. */
  hasFunction(name: string): boolean {
    return this.functions.has(name);
  }

  /**
   * Runs a registered function in-process with `event`, as an event source mapping invokes it: no HTTP request and
   * no Invoke call counted. The function is looked up now, so a handler registered again since takes effect.
   */
  async invokeInProcess(name: string, event: unknown): Promise<HandlerOutcome> {
    const fn = this.functions.get(name);
    if (fn === undefined) {
      return { ok: false, errorType: 'ResourceNotFoundException', errorMessage: `Function not found: ${name}` };
    }
    return this.runHandler(fn, event, fn.arn);
  }

  /** True when the request path is Lambda's REST API (everything else goes to the JSON services). */
  handles(req: IncomingMessage): boolean {
    return (req.url ?? '').startsWith('/2015-03-31/');
  }

  /** Answers one Lambda REST request. */
  async handleRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    try {
      const body = await readBody(req);
      await this.invoke(req, res, requestId, body);
    } catch (err) {
      sendRestJsonError(res, requestId, toAwsServiceError(err));
    }
  }

  /** Resolves once every `Event` invocation started so far has finished (successfully or not). */
  async waitForEventInvocations(): Promise<void> {
    while (this.backgroundRuns.size > 0) {
      await Promise.allSettled([...this.backgroundRuns]);
    }
  }

  private async invoke(req: IncomingMessage, res: ServerResponse, requestId: string, body: Buffer): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const match = INVOKE_PATH.exec(url.pathname);
    if (req.method !== 'POST' || match?.[1] === undefined) {
      throw new AwsServiceError('UnknownOperationException', 'Only Invoke is supported by the local Lambda stand-in', 404);
    }
    this.options.stats.record('lambda', 'Invoke');
    const fault = this.options.faults.take('lambda', 'Invoke');
    if (fault !== undefined) {
      throw fault;
    }

    const functionName = decodeFunctionName(match[1]);
    // Any qualifier resolves to $LATEST: the stand-in keeps no versions or aliases.
    const { name, qualifier } = parseFunctionName(functionName, url.searchParams.get('Qualifier'), this.options);
    const fn = this.functions.get(name);
    if (fn === undefined) {
      throw new AwsServiceError('ResourceNotFoundException', `Function not found: ${functionName}`, 404);
    }
    const invocationType = headerValue(req, 'x-amz-invocation-type') ?? 'RequestResponse';
    if (invocationType !== 'RequestResponse' && invocationType !== 'Event' && invocationType !== 'DryRun') {
      throw new AwsServiceError('InvalidParameterValueException', 'X-Amz-Invocation-Type must be RequestResponse, Event or DryRun');
    }
    const event = parseEvent(body);
    const headers = { 'x-amzn-requestid': requestId, 'x-amz-executed-version': '$LATEST' };
    if (invocationType === 'DryRun') {
      sendResponse(res, 204, headers);
      return;
    }

    const invokedFunctionArn = qualifier === undefined ? fn.arn : `${fn.arn}:${qualifier}`;
    const run = () => this.runHandler(fn, event, invokedFunctionArn);
    if (invocationType === 'Event') {
      this.startInBackground(run);
      sendResponse(res, 202, headers);
      return;
    }
    const outcome = await run();
    if (outcome.ok) {
      sendResponse(res, 200, { ...headers, 'content-type': 'application/json' }, outcome.payload);
    } else {
      // An unhandled handler error is still HTTP 200: Lambda reports it in this header and the payload.
      sendResponse(
        res,
        200,
        { ...headers, 'content-type': 'application/json', 'x-amz-function-error': 'Unhandled' },
        JSON.stringify({ errorType: outcome.errorType, errorMessage: outcome.errorMessage }),
      );
    }
  }

  private async runHandler(fn: RegisteredFunction, event: unknown, invokedFunctionArn: string): Promise<HandlerOutcome> {
    const context = createLambdaContext({ functionName: fn.name, invokedFunctionArn, timeoutMs: fn.timeoutMs, now: this.now });
    try {
      // Promise.resolve().then also turns a synchronous throw into a rejection.
      const result = await Promise.resolve().then(() => fn.handler(event, context));
      return { ok: true, payload: serializeResult(result) };
    } catch (err) {
      if (err instanceof MarshalError) {
        return { ok: false, errorType: 'Runtime.MarshalError', errorMessage: 'Unable to stringify response body' };
      }
      return {
        ok: false,
        errorType: err instanceof Error ? err.name : typeof err,
        errorMessage: err instanceof Error ? err.message : String(err),
      };
    }
  }

  private startInBackground(run: () => Promise<HandlerOutcome>): void {
    // Event invocations are fire-and-forget, as in Lambda (minus its retries); waitForEventInvocations observes them.
    const promise: Promise<void> = new Promise<void>((resolve) => setImmediate(resolve))
      .then(run)
      .then(() => undefined)
      .finally(() => this.backgroundRuns.delete(promise));
    this.backgroundRuns.add(promise);
  }

  private functionArnPrefix(): string {
    return `arn:aws:lambda:${this.options.region}:${this.options.accountId}:function:`;
  }
}

/** How one run of a handler ended: its serialized result, or the error Lambda would report. */
export type HandlerOutcome = { ok: true; payload: string } | { ok: false; errorType: string; errorMessage: string };

class MarshalError extends Error {}

// Serializing here, inside the handler outcome, keeps an unserializable result (a cycle, a BigInt) an Unhandled
// function error as in Lambda, instead of a 500 the SDK would retry, running the handler again.
function serializeResult(result: unknown): string {
  try {
    return JSON.stringify(result ?? null);
  } catch {
    throw new MarshalError();
  }
}

function parseEvent(body: Buffer): unknown {
  // Lambda hands an empty payload to the handler as an empty object.
  if (body.length === 0) {
    return {};
  }
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    throw new AwsServiceError('InvalidRequestContentException', 'Could not parse request body into json', 400);
  }
}

function decodeFunctionName(encoded: string): string {
  try {
    return decodeURIComponent(encoded);
  } catch {
    throw new AwsServiceError('InvalidParameterValueException', 'FunctionName is not correctly URI-encoded');
  }
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
