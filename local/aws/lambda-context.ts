import { randomBytes, randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';

/**
 * The context a stand-in function receives. It is aws-lambda's `Context`, so handlers typed for real Lambda (and
 * Powertools' injectLambdaContext) accept it unchanged.
 */
export type LambdaLikeContext = Context;

/** What one invocation's context is built from. */
export interface LambdaContextInput {
  readonly functionName: string;
  /** The ARN the caller used, qualified when the caller gave a qualifier. */
  readonly invokedFunctionArn: string;
  readonly timeoutMs: number;
  readonly now: () => number;
}

/** Builds a fresh context for one invocation, with a random request id and a deadline `timeoutMs` from now. */
export function createLambdaContext(input: LambdaContextInput): LambdaLikeContext {
  const deadlineMs = input.now() + input.timeoutMs;
  const unsupported = (): never => {
    // The callback-era done/fail/succeed are deprecated; stand-in handlers must return a promise.
    throw new Error('context.done/fail/succeed are not supported by the local Lambda stand-in; return a promise');
  };
  return {
    functionName: input.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: input.invokedFunctionArn,
    memoryLimitInMB: '256',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${input.functionName}`,
    logStreamName: `${formatLogStreamDate(input.now())}/[$LATEST]${randomBytes(16).toString('hex')}`,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadlineMs - input.now()),
    done: unsupported,
    fail: unsupported,
    succeed: unsupported,
  };
}

// Real log stream names start with the UTC date as YYYY/MM/DD.
function formatLogStreamDate(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 10).replaceAll('-', '/');
}
