import { LambdaClient } from '@aws-sdk/client-lambda';
import { ComponentTokenError } from './component-token-error';
import { invokeTokenFunction } from './invoke-token-function';
import type { RefreshOutcome, RefreshRequest } from './refresh-request';

/** How a reader asks the refresher to run now, and gets its outcome. */
export type RefreshTrigger = (request: RefreshRequest) => Promise<RefreshOutcome>;

/** Invokes the token-refresher Lambda synchronously (in AWS, its `reader` alias). */
export function createLambdaRefreshTrigger(input: { functionName: string; lambda?: LambdaClient }): RefreshTrigger {
  const lambda = input.lambda ?? new LambdaClient({});
  return async (request) => {
    const result = await invokeTokenFunction<RefreshOutcome>(lambda, input.functionName, request);
    if (result.ok) return result.outcome;
    switch (result.failure) {
      case 'throttled':
        return { status: 'busy' };
      case 'unreachable':
        throw new ComponentTokenError('UNAVAILABLE', 'could not invoke the token refresher', undefined, { cause: result.cause });
      case 'function-error':
        throw new ComponentTokenError('UNAVAILABLE', `the token refresher failed (${result.functionError})`);
      case 'unreadable':
        throw new ComponentTokenError('UNAVAILABLE', 'the token refresher returned an unreadable answer');
    }
  };
}
