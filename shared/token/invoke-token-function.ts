import { InvokeCommand, type InvokeCommandOutput, type LambdaClient } from '@aws-sdk/client-lambda';

/**
 * What became of a synchronous invoke of a token function (the component token refresher or the authorizer worker).
 * Each trigger turns the failures into its own reader's error.
 */
export type InvokeResult<T> =
  | { ok: true; outcome: T }
  /** Throttled: plenty of instances already run, so one of them is refreshing; the reader waits and reads the store. */
  | { ok: false; failure: 'throttled' }
  | { ok: false; failure: 'unreachable'; cause: unknown }
  /** The function threw (FunctionError: 'Unhandled', or a refused request). */
  | { ok: false; failure: 'function-error'; functionError: string }
  | { ok: false; failure: 'unreadable' };

/**
 * Invokes `functionName` (RequestResponse) with `request` and reads its JSON answer, which must be an object with a
 * string `status`. Locally the same call reaches the Lambda stand-in through AWS_ENDPOINT_URL_LAMBDA, so readers take
 * one code path everywhere.
 */
export async function invokeTokenFunction<T extends { status: string }>(
  lambda: LambdaClient,
  functionName: string,
  request: unknown,
): Promise<InvokeResult<T>> {
  let out: InvokeCommandOutput;
  try {
    out = await lambda.send(
      new InvokeCommand({ FunctionName: functionName, InvocationType: 'RequestResponse', Payload: JSON.stringify(request) }),
    );
  } catch (err) {
    if (err instanceof Error && err.name === 'TooManyRequestsException') return { ok: false, failure: 'throttled' };
    return { ok: false, failure: 'unreachable', cause: err };
  }
  if (out.FunctionError) return { ok: false, failure: 'function-error', functionError: out.FunctionError };
  let answer: unknown;
  try {
    answer = JSON.parse(out.Payload ? Buffer.from(out.Payload).toString('utf8') : '');
  } catch {
    return { ok: false, failure: 'unreadable' };
  }
  if (typeof answer !== 'object' || answer === null || typeof (answer as { status?: unknown }).status !== 'string')
    return { ok: false, failure: 'unreadable' };
  return { ok: true, outcome: answer as T };
}
