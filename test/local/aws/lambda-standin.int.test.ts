import { InvokeCommand, LambdaClient, ResourceNotFoundException } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LambdaLikeContext, type LocalAws, startLocalAws } from '../../../local/aws/local-aws';

const FIXED_NOW_MS = Date.UTC(2025, 0, 2, 3, 4, 5);

describe('Lambda stand-in', () => {
  let aws: LocalAws;
  let lambda: LambdaClient;

  beforeAll(async () => {
    aws = await startLocalAws({ now: () => FIXED_NOW_MS });
    lambda = new LambdaClient(aws.clientConfig('lambda'));
  });

  afterAll(async () => {
    lambda.destroy();
    await aws.close();
  });

  it('returns the handler result as the JSON payload of a RequestResponse invoke', async () => {
    aws.registerFunction<{ n: number }>('double', async (event) => ({ doubled: event.n * 2 }));

    const result = await lambda.send(new InvokeCommand({ FunctionName: 'double', Payload: JSON.stringify({ n: 21 }) }));

    expect(result.StatusCode).toBe(200);
    expect(result.FunctionError).toBeUndefined();
    expect(result.ExecutedVersion).toBe('$LATEST');
    expect(decode(result.Payload)).toEqual({ doubled: 42 });
  });

  it('passes an empty payload to the handler as an empty object and answers null for an undefined result', async () => {
    let received: unknown;
    aws.registerFunction('sink', async (event) => {
      received = event;
      return undefined;
    });

    const result = await lambda.send(new InvokeCommand({ FunctionName: 'sink' }));

    expect(received).toEqual({});
    expect(decode(result.Payload)).toBeNull();
  });

  it('gives the handler a Lambda context', async () => {
    let seen: LambdaLikeContext | undefined;
    let remainingMs = -1;
    const arn = aws.registerFunction(
      'ctx',
      async (_event, context) => {
        seen = context;
        remainingMs = context.getRemainingTimeInMillis();
        return null;
      },
      { timeoutSec: 10 },
    );

    await lambda.send(new InvokeCommand({ FunctionName: 'ctx' }));

    expect(arn).toBe('arn:aws:lambda:us-east-1:000000000000:function:ctx');
    expect(seen).toMatchObject({
      functionName: 'ctx',
      functionVersion: '$LATEST',
      invokedFunctionArn: arn,
      memoryLimitInMB: '256',
      logGroupName: '/aws/lambda/ctx',
      callbackWaitsForEmptyEventLoop: true,
    });
    expect(seen?.awsRequestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(seen?.logStreamName).toMatch(/^2025\/01\/02\/\[\$LATEST\][0-9a-f]{32}$/);
    expect(remainingMs).toBe(10_000);
  });

  it.each([
    ['a full ARN', 'arn:aws:lambda:us-east-1:000000000000:function:named', 'arn:aws:lambda:us-east-1:000000000000:function:named'],
    ['name:qualifier', 'named:live', 'arn:aws:lambda:us-east-1:000000000000:function:named:live'],
    ['a partial ARN', '000000000000:function:named', 'arn:aws:lambda:us-east-1:000000000000:function:named'],
  ])('invokes a function addressed by %s', async (_label, functionName, expectedInvokedArn) => {
    aws.registerFunction('named', async (_event, context) => context.invokedFunctionArn);

    const result = await lambda.send(new InvokeCommand({ FunctionName: functionName }));

    expect(decode(result.Payload)).toBe(expectedInvokedArn);
  });

  it('reports a handler error as FunctionError Unhandled with errorType and errorMessage', async () => {
    aws.registerFunction('fails', async () => {
      throw new TypeError('upstream answered 500');
    });

    const result = await lambda.send(new InvokeCommand({ FunctionName: 'fails' }));

    expect(result.StatusCode).toBe(200);
    expect(result.FunctionError).toBe('Unhandled');
    expect(decode(result.Payload)).toEqual({ errorType: 'TypeError', errorMessage: 'upstream answered 500' });
  });

  it('reports a synchronous throw from a handler as Unhandled too', async () => {
    aws.registerFunction('throws-sync', (() => {
      throw new RangeError('sync');
    }) as () => Promise<unknown>);

    const result = await lambda.send(new InvokeCommand({ FunctionName: 'throws-sync' }));

    expect(result.FunctionError).toBe('Unhandled');
    expect(decode(result.Payload)).toMatchObject({ errorType: 'RangeError' });
  });

  it('reports a result that cannot be serialized as an Unhandled Runtime.MarshalError without retrying', async () => {
    let calls = 0;
    aws.registerFunction('cyclic', async () => {
      calls += 1;
      const cyclic: Record<string, unknown> = {};
      cyclic.self = cyclic;
      return cyclic;
    });

    const result = await lambda.send(new InvokeCommand({ FunctionName: 'cyclic' }));

    expect(result.FunctionError).toBe('Unhandled');
    expect(decode(result.Payload)).toMatchObject({ errorType: 'Runtime.MarshalError' });
    expect(calls).toBe(1);
  });

  it('answers an Event invoke with 202 before the handler finishes, then runs it in the background', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const events: unknown[] = [];
    aws.registerFunction('background', async (event) => {
      await gate;
      events.push(event);
    });

    const result = await lambda.send(
      new InvokeCommand({ FunctionName: 'background', InvocationType: 'Event', Payload: JSON.stringify({ id: 1 }) }),
    );
    const seenBeforeRelease = events.length;
    release();
    await aws.waitForEventInvocations();

    expect(result.StatusCode).toBe(202);
    expect(seenBeforeRelease).toBe(0);
    expect(events).toEqual([{ id: 1 }]);
  });

  it('answers a DryRun invoke with 204 without running the handler', async () => {
    let calls = 0;
    aws.registerFunction('dry', async () => {
      calls += 1;
    });

    const result = await lambda.send(new InvokeCommand({ FunctionName: 'dry', InvocationType: 'DryRun' }));

    expect(result.StatusCode).toBe(204);
    expect(calls).toBe(0);
  });

  it('runs invocations of one function concurrently', async () => {
    let active = 0;
    let maxActive = 0;
    let allIn!: () => void;
    const allInvoked = new Promise<void>((resolve) => (allIn = resolve));
    aws.registerFunction('concurrent', async () => {
      active += 1;
      maxActive = Math.max(maxActive, active);
      if (active === 3) allIn();
      // Each waits for the others (a fixed 50 ms was too short on a loaded machine); run one at a time, they give up.
      await Promise.race([allInvoked, new Promise((resolve) => setTimeout(resolve, 2_000))]);
      active -= 1;
      return null;
    });

    await Promise.all([1, 2, 3].map(() => lambda.send(new InvokeCommand({ FunctionName: 'concurrent' }))));

    expect(maxActive).toBe(3);
  });

  it.each([
    ['an unknown name', 'no-such-function'],
    ['an ARN in another region', 'arn:aws:lambda:eu-west-1:000000000000:function:double'],
  ])('rejects %s as ResourceNotFoundException with status 404', async (_label, functionName) => {
    const attempt = lambda.send(new InvokeCommand({ FunctionName: functionName }));

    await expect(attempt).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(attempt).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 } });
  });

  it('rejects a payload that is not JSON as InvalidRequestContentException', async () => {
    aws.registerFunction('json-only', async () => null);

    const attempt = lambda.send(new InvokeCommand({ FunctionName: 'json-only', Payload: Buffer.from('{not json') }));

    await expect(attempt).rejects.toMatchObject({ name: 'InvalidRequestContentException' });
  });

  it('throws when registering a name Lambda would refuse', () => {
    const act = () => aws.registerFunction('bad:name', async () => null);

    expect(act).toThrow(RangeError);
  });
});

function decode(payload: Uint8Array | undefined): unknown {
  return JSON.parse(Buffer.from(payload ?? new Uint8Array()).toString('utf8'));
}
