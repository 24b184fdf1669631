import { LambdaClient } from '@aws-sdk/client-lambda';
import type { AuthorizerRefreshOutcome } from '../authorizer/refresh-authorizer-token';
import { AuthorizerTokenError } from './authorizer-token-error';
import { invokeTokenFunction } from './invoke-token-function';

/** What a reader may ask the authorizer worker for (its `reader` alias refuses every other request; see worker-request.ts). */
export type AuthorizerReaderRequest = { action: 'refresh'; authorizerAppid: string } & (
  | { reason: 'reader-miss' }
  | { reason: 'invalidate'; staleTokenSha256: string }
);

/** How a reader asks the authorizer worker to refresh one authorizer now, and gets its outcome. */
export type AuthorizerRefreshTrigger = (request: AuthorizerReaderRequest) => Promise<AuthorizerRefreshOutcome>;

/** Invokes the authorizer worker synchronously; in AWS `functionName` names its `reader` alias. */
export function createLambdaAuthorizerRefreshTrigger(input: { functionName: string; lambda?: LambdaClient }): AuthorizerRefreshTrigger {
  const lambda = input.lambda ?? new LambdaClient({});
  return async (request) => {
    const result = await invokeTokenFunction<AuthorizerRefreshOutcome>(lambda, input.functionName, request);
    if (result.ok) return result.outcome;
    const { authorizerAppid } = request;
    switch (result.failure) {
      case 'throttled':
        return { status: 'busy' };
      case 'unreachable':
        throw new AuthorizerTokenError('UNAVAILABLE', 'could not invoke the authorizer worker', { authorizerAppid, cause: result.cause });
      case 'function-error':
        throw new AuthorizerTokenError('UNAVAILABLE', `the authorizer worker failed (${result.functionError}): see its logs`, {
          authorizerAppid,
        });
      case 'unreadable':
        throw new AuthorizerTokenError('UNAVAILABLE', 'the authorizer worker returned an unreadable answer', { authorizerAppid });
    }
  };
}
