import { InvokeCommand, type InvokeCommandOutput, LambdaClient } from '@aws-sdk/client-lambda';
import { ComponentTokenError } from './component-token-error';
import type { RefreshOutcome, RefreshRequest } from './refresh-request';

/** How a reader asks the refresher to run now, and gets its outcome. */
export type RefreshTrigger = (request: RefreshRequest) => Promise<RefreshOutcome>;

/**
 * Invokes the token-refresher Lambda synchronously. Locally the same call reaches the local runtime's Lambda
 * stand-in through AWS_ENDPOINT_URL_LAMBDA, so readers take one code path everywhere.
 */
export function createLambdaRefreshTrigger(input: { functionName: string; lambda?: LambdaClient }): RefreshTrigger {
  const lambda = input.lambda ?? new LambdaClient({});
  return async (request) => {
    let out: InvokeCommandOutput;
    try {
      out = await lambda.send(
        new InvokeCommand({ FunctionName: input.functionName, InvocationType: 'RequestResponse', Payload: JSON.stringify(request) }),
      );
    } catch (err) {
      // Throttled: plenty of refreshers are already running, so one of them is refreshing. Wait and read the store.
      if (err instanceof Error && err.name === 'TooManyRequestsException') return { status: 'busy' };
      throw new ComponentTokenError('UNAVAILABLE', 'could not invoke the token refresher', undefined, { cause: err });
    }
    const text = out.Payload ? Buffer.from(out.Payload).toString('utf8') : '';
    if (out.FunctionError) {
      throw new ComponentTokenError('UNAVAILABLE', `the token refresher failed (${out.FunctionError})`);
    }
    try {
      return JSON.parse(text) as RefreshOutcome;
    } catch {
      throw new ComponentTokenError('UNAVAILABLE', 'the token refresher returned an unreadable answer');
    }
  };
}
