import { LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalAws, startLocalAws } from '../../../local/aws/local-aws';
import { createLambdaAuthorizerRefreshTrigger } from '../../../shared/token/lambda-authorizer-refresh-trigger';
import { createLambdaRefreshTrigger } from '../../../shared/token/lambda-refresh-trigger';

const APPID = 'wxa000000000000001';

/** Both readers' triggers, over the same Lambda Invoke, each failing with its own reader's error class. */
const TRIGGERS = [
  {
    name: 'component refresher',
    errorName: 'ComponentTokenError',
    make: (functionName: string, lambda: LambdaClient) => () =>
      createLambdaRefreshTrigger({ functionName, lambda })({ action: 'refresh', reason: 'reader-miss' }),
  },
  {
    name: 'authorizer worker',
    errorName: 'AuthorizerTokenError',
    make: (functionName: string, lambda: LambdaClient) => () =>
      createLambdaAuthorizerRefreshTrigger({ functionName, lambda })({ action: 'refresh', authorizerAppid: APPID, reason: 'reader-miss' }),
  },
] as const;

describe.each(TRIGGERS)('the $name trigger (Lambda Invoke)', ({ errorName, make }) => {
  let aws: LocalAws;
  let lambda: LambdaClient;
  const received: unknown[] = [];

  beforeAll(async () => {
    aws = await startLocalAws();
    // One attempt: a throttle is not retried by the SDK, so the test does not wait for its backoff.
    lambda = new LambdaClient({ ...aws.clientConfig('lambda'), maxAttempts: 1 });
    aws.registerFunction('answers', async (event) => {
      received.push(event);
      return { status: 'busy' };
    });
    aws.registerFunction('throws', async () => {
      throw new Error('refused');
    });
    aws.registerFunction('answers-nonsense', async () => 'not an outcome');
    aws.registerFunction('answers-null', async () => null);
  });
  afterAll(async () => aws.close());

  it("sends the request and returns the function's answer", async () => {
    received.length = 0;

    const outcome = await make('answers:reader', lambda)();

    expect(outcome).toEqual({ status: 'busy' });
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ action: 'refresh', reason: 'reader-miss' });
  });

  it('treats a throttled invoke as a refresh in progress', async () => {
    aws.injectFault({ service: 'lambda', operation: 'Invoke', errorType: 'TooManyRequestsException', count: 1, httpStatus: 429 });

    expect(await make('answers:reader', lambda)()).toEqual({ status: 'busy' });
  });

  it.each([
    ['the function throws', 'throws', /failed \(Unhandled\)/],
    ['the answer is not an outcome', 'answers-nonsense', /unreadable answer/],
    ['the answer is null', 'answers-null', /unreadable answer/],
    ['the function does not exist', 'no-such-function', /could not invoke/],
  ])('throws UNAVAILABLE when %s', async (_case, functionName, message) => {
    const error = await make(functionName, lambda)().catch((err: unknown) => err);

    expect(error).toMatchObject({ name: errorName, code: 'UNAVAILABLE' });
    expect((error as Error).message).toMatch(message);
  });
});
