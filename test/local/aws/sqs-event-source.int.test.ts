import { SendMessageBatchCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import type { CreateQueueOptions, LocalQueue } from '../../../local/aws/local-aws';
import { useLocalSqs } from './local-sqs-fixture';

/** Lets other pending work run, so concurrent handlers really interleave, without a real-time sleep. */
async function yieldTurns(turns = 5): Promise<void> {
  for (let i = 0; i < turns; i += 1) {
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

describe('SQS event source', () => {
  const ctx = useLocalSqs();
  let count = 0;

  function newQueue(options: CreateQueueOptions = {}): LocalQueue {
    count += 1;
    return ctx.aws.createQueue(`esm-${count}`, options);
  }

  function newFunctionName(): string {
    count += 1;
    return `worker-${count}`;
  }

  async function sendBodies(queue: LocalQueue, bodies: readonly string[]): Promise<void> {
    for (let i = 0; i < bodies.length; i += 10) {
      const entries = bodies.slice(i, i + 10).map((body, j) => ({ Id: `m${i + j}`, MessageBody: body }));
      await ctx.sqs.send(new SendMessageBatchCommand({ QueueUrl: queue.url, Entries: entries }));
    }
  }

  const bodies = (n: number, prefix = 'm') => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

  it('hands the function a real-shaped SQSEvent and a Lambda context, then deletes the batch', async () => {
    const queue = newQueue();
    const functionName = newFunctionName();
    let seen: { event: SQSEvent; context: Context } | undefined;
    const functionArn = ctx.aws.registerFunction<SQSEvent>(functionName, async (event, context) => {
      seen = { event, context };
    });
    const source = ctx.aws.addSqsEventSource({ queue: queue.url, functionName });
    const sentAtMs = ctx.clock.now();
    const sent = await ctx.sqs.send(
      new SendMessageCommand({
        QueueUrl: queue.url,
        MessageBody: '{"authorizerAppid":"wx0000000000000001"}',
        MessageAttributes: { kind: { DataType: 'String', StringValue: 'refresh' } },
      }),
    );

    const outcome = await source.pollOnce();

    expect(outcome).toEqual({ messageIds: [sent.MessageId], result: 'success', failedMessageIds: [] });
    expect(seen?.event.Records).toEqual([
      {
        messageId: sent.MessageId,
        receiptHandle: expect.any(String),
        body: '{"authorizerAppid":"wx0000000000000001"}',
        attributes: {
          ApproximateReceiveCount: '1',
          SentTimestamp: String(sentAtMs),
          SenderId: expect.any(String),
          ApproximateFirstReceiveTimestamp: String(sentAtMs),
        },
        messageAttributes: { kind: { stringValue: 'refresh', stringListValues: [], binaryListValues: [], dataType: 'String' } },
        md5OfBody: sent.MD5OfMessageBody,
        md5OfMessageAttributes: sent.MD5OfMessageAttributes,
        eventSource: 'aws:sqs',
        eventSourceARN: queue.arn,
        awsRegion: 'us-east-1',
      },
    ]);
    expect(seen?.context).toMatchObject({ functionName, invokedFunctionArn: functionArn });
    expect(source.eventSourceArn).toBe(queue.arn);
    expect(source.isIdle()).toBe(true);
  });

  it('answers pollOnce with undefined when no message is visible', async () => {
    const queue = newQueue();
    const functionName = newFunctionName();
    ctx.aws.registerFunction(functionName, async () => null);
    const source = ctx.aws.addSqsEventSource({ queue: queue.arn, functionName });

    expect(await source.pollOnce()).toBeUndefined();
  });

  it('drains the queue in batches of batchSize', async () => {
    const queue = newQueue();
    const functionName = newFunctionName();
    const batchSizes: number[] = [];
    ctx.aws.registerFunction<SQSEvent>(functionName, async (event) => {
      batchSizes.push(event.Records.length);
    });
    const source = ctx.aws.addSqsEventSource({ queue: queue.url, functionName, batchSize: 10 });
    await sendBodies(queue, bodies(25));

    const result = await source.drain();

    expect(batchSizes.sort((a, b) => b - a)).toEqual([10, 10, 5]);
    expect(result).toEqual({ batches: 3, clockAdvancedMs: 0, remaining: { visible: 0, notVisible: 0, delayed: 0 } });
    expect(source.stats()).toMatchObject({ invocations: 3, messagesReceived: 25, messagesDeleted: 25, functionErrors: 0 });
  });

  it.each([
    ['maxConcurrency 3', 3, 3],
    ['the default, 2 as Lambda at its minimum', undefined, 2],
  ])('never has more invocations in flight than %s, and uses all of them', async (_label, maxConcurrency, expected) => {
    const queue = newQueue();
    const functionName = newFunctionName();
    let active = 0;
    let maxActive = 0;
    ctx.aws.registerFunction(functionName, async () => {
      active += 1;
      maxActive = Math.max(maxActive, active);
      await yieldTurns();
      active -= 1;
    });
    const source = ctx.aws.addSqsEventSource({ queue: queue.url, functionName, batchSize: 1, maxConcurrency });
    await sendBodies(queue, bodies(40));

    await source.drain();

    expect(maxActive).toBe(expected);
    expect(source.stats()).toMatchObject({ invocations: 40, maxInFlight: expected });
  });

  describe('failures', () => {
    it('keeps only the items listed in batchItemFailures and redelivers them after the visibility timeout', async () => {
      const queue = newQueue({ visibilityTimeoutSec: 30 });
      const functionName = newFunctionName();
      const deliveries: Array<{ body: string; receiveCount: string }> = [];
      ctx.aws.registerFunction<SQSEvent>(functionName, async (event): Promise<SQSBatchResponse> => {
        deliveries.push(...event.Records.map((r) => ({ body: r.body, receiveCount: r.attributes.ApproximateReceiveCount })));
        const failing = event.Records.filter((r) => r.body.startsWith('fail') && r.attributes.ApproximateReceiveCount === '1');
        return { batchItemFailures: failing.map((r) => ({ itemIdentifier: r.messageId })) };
      });
      const source = ctx.aws.addSqsEventSource({ queue: queue.url, functionName, reportBatchItemFailures: true });
      await sendBodies(queue, ['ok0', 'fail1', 'ok2', 'fail3']);

      const first = await source.pollOnce();
      const hiddenAfterFirst = source.status();
      ctx.clock.advance(30_000);
      const second = await source.pollOnce();

      expect(first?.result).toBe('partialFailure');
      expect(first?.failedMessageIds).toHaveLength(2);
      expect(hiddenAfterFirst).toMatchObject({ visible: 0, notVisible: 2, nextVisibleInMs: 30_000 });
      expect(second?.result).toBe('success');
      expect(deliveries.slice(4)).toEqual([
        { body: 'fail1', receiveCount: '2' },
        { body: 'fail3', receiveCount: '2' },
      ]);
      expect(source.isIdle()).toBe(true);
    });

    it('ignores batchItemFailures unless reportBatchItemFailures is on', async () => {
      const queue = newQueue();
      const functionName = newFunctionName();
      ctx.aws.registerFunction<SQSEvent>(functionName, async (event) => ({
        batchItemFailures: event.Records.map((r) => ({ itemIdentifier: r.messageId })),
      }));
      const source = ctx.aws.addSqsEventSource({ queue: queue.url, functionName });
      await sendBodies(queue, bodies(3));

      const outcome = await source.pollOnce();

      expect(outcome?.result).toBe('success');
      expect(source.isIdle()).toBe(true);
    });

    it.each([
      ['an itemIdentifier from another batch', () => ({ batchItemFailures: [{ itemIdentifier: 'not-in-this-batch' }] })],
      ['an empty itemIdentifier', () => ({ batchItemFailures: [{ itemIdentifier: '' }] })],
      ['an entry with the wrong key', () => ({ batchItemFailures: [{ id: 'x' }] })],
      ['a string instead of an object', () => 'done'],
    ])('treats a response with %s as a failure of the whole batch', async (_label, respond) => {
      const queue = newQueue();
      const functionName = newFunctionName();
      ctx.aws.registerFunction(functionName, async () => respond());
      const source = ctx.aws.addSqsEventSource({ queue: queue.url, functionName, reportBatchItemFailures: true });
      await sendBodies(queue, bodies(2));

      const outcome = await source.pollOnce();

      expect(outcome).toMatchObject({ result: 'functionError', errorType: 'InvalidBatchItemFailures' });
      expect(source.status()).toMatchObject({ visible: 0, notVisible: 2 });
    });

    it.each([
      ['null', null],
      ['an empty object', {}],
      ['an empty list', { batchItemFailures: [] }],
    ])('treats %s as full success', async (_label, response) => {
      const queue = newQueue();
      const functionName = newFunctionName();
      ctx.aws.registerFunction(functionName, async () => response);
      const source = ctx.aws.addSqsEventSource({ queue: queue.url, functionName, reportBatchItemFailures: true });
      await sendBodies(queue, bodies(2));

      const outcome = await source.pollOnce();

      expect(outcome?.result).toBe('success');
      expect(source.isIdle()).toBe(true);
    });

    it('leaves the whole batch for redelivery when the function throws', async () => {
      const queue = newQueue({ visibilityTimeoutSec: 20 });
      const functionName = newFunctionName();
      ctx.aws.registerFunction(functionName, async () => {
        throw new TypeError('WeChat answered -1');
      });
      const source = ctx.aws.addSqsEventSource({ queue: queue.url, functionName, reportBatchItemFailures: true });
      await sendBodies(queue, bodies(3));

      const outcome = await source.pollOnce();
      const hidden = source.status();
      ctx.clock.advance(20_000);

      expect(outcome).toMatchObject({ result: 'functionError', errorType: 'TypeError' });
      expect(outcome?.failedMessageIds).toHaveLength(3);
      expect(hidden).toMatchObject({ visible: 0, notVisible: 3 });
      expect(source.status()).toMatchObject({ visible: 3, notVisible: 0 });
      expect(source.stats()).toMatchObject({ functionErrors: 1, messagesDeleted: 0 });
    });
  });

  describe('drain', () => {
    it('waits out visibility timeouts through advanceClock until a retried message succeeds', async () => {
      const queue = newQueue({ visibilityTimeoutSec: 45 });
      const functionName = newFunctionName();
      ctx.aws.registerFunction<SQSEvent>(functionName, async (event) => {
        if (event.Records.some((r) => r.attributes.ApproximateReceiveCount === '1')) {
          throw new Error('first attempt fails');
        }
      });
      const source = ctx.aws.addSqsEventSource({ queue: queue.url, functionName });
      await sendBodies(queue, bodies(1));
      const startMs = ctx.clock.now();

      const result = await source.drain({ advanceClock: (ms) => ctx.clock.advance(ms) });

      expect(result).toEqual({ batches: 2, clockAdvancedMs: 45_000, remaining: { visible: 0, notVisible: 0, delayed: 0 } });
      expect(ctx.clock.now() - startMs).toBe(45_000);
      expect(source.isIdle()).toBe(true);
      expect(source.stats().maxAgeAtDeliveryMs).toBe(45_000);
      // The first delivery was at once: the 45 s are the retry's wait, told apart from how long fresh work waits.
      expect(source.stats().maxAgeAtFirstDeliveryMs).toBe(0);
    });

    it('stops with hidden messages left when no advanceClock is given', async () => {
      const queue = newQueue({ visibilityTimeoutSec: 45 });
      const functionName = newFunctionName();
      ctx.aws.registerFunction(functionName, async () => {
        throw new Error('always fails');
      });
      const source = ctx.aws.addSqsEventSource({ queue: queue.url, functionName });
      await sendBodies(queue, bodies(2));

      const result = await source.drain();

      ctx.clock.advance(10_000);

      expect(result.remaining).toEqual({ visible: 0, notVisible: 2, delayed: 0 });
      expect(source.isIdle()).toBe(false);
      expect(source.status()).toMatchObject({ nextVisibleInMs: 35_000, oldestMessageAgeMs: 10_000 });
    });

    it('ends with a poison message in the dead-letter queue after maxReceiveCount failed invocations', async () => {
      const dlq = newQueue();
      const queue = newQueue({ visibilityTimeoutSec: 30, redrivePolicy: { deadLetterTargetArn: dlq.arn, maxReceiveCount: 3 } });
      const functionName = newFunctionName();
      ctx.aws.registerFunction(functionName, async () => {
        throw new Error('poison');
      });
      const source = ctx.aws.addSqsEventSource({ queue: queue.url, functionName });
      await sendBodies(queue, ['poison']);

      const result = await source.drain({ advanceClock: (ms) => ctx.clock.advance(ms) });

      expect(source.stats()).toMatchObject({ invocations: 3, functionErrors: 3 });
      expect(result.remaining).toEqual({ visible: 0, notVisible: 0, delayed: 0 });
      expect(ctx.aws.addSqsEventSource({ queue: dlq.url, functionName }).status()).toMatchObject({ visible: 1 });
    });

    it('processes the messages a handler sends to its own queue, including delayed ones', async () => {
      const queue = newQueue();
      const functionName = newFunctionName();
      const handled: string[] = [];
      ctx.aws.registerFunction<SQSEvent>(functionName, async (event) => {
        for (const record of event.Records) {
          handled.push(record.body);
          if (record.body === 'parent') {
            await ctx.sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: 'child', DelaySeconds: 60 }));
          }
        }
      });
      const source = ctx.aws.addSqsEventSource({ queue: queue.url, functionName });
      await sendBodies(queue, ['parent']);

      const result = await source.drain({ advanceClock: (ms) => ctx.clock.advance(ms) });

      expect(handled).toEqual(['parent', 'child']);
      expect(result.clockAdvancedMs).toBe(60_000);
    });

    it('throws once maxBatches is reached with messages still in the queue', async () => {
      const queue = newQueue({ visibilityTimeoutSec: 1 });
      const functionName = newFunctionName();
      ctx.aws.registerFunction(functionName, async () => {
        throw new Error('forever');
      });
      const source = ctx.aws.addSqsEventSource({ queue: queue.url, functionName });
      await sendBodies(queue, ['stuck']);

      const attempt = source.drain({ advanceClock: (ms) => ctx.clock.advance(ms), maxBatches: 5 });

      await expect(attempt).rejects.toThrow(/maxBatches \(5\)/);
      expect(source.stats().invocations).toBe(5);
    });

    it('throws when advanceClock does not move the clock, instead of spinning', async () => {
      const queue = newQueue();
      const functionName = newFunctionName();
      ctx.aws.registerFunction(functionName, async () => {
        throw new Error('fails');
      });
      const source = ctx.aws.addSqsEventSource({ queue: queue.url, functionName });
      await sendBodies(queue, ['m']);

      const attempt = source.drain({ advanceClock: () => undefined });

      await expect(attempt).rejects.toThrow(/advanceClock did not move the clock/);
    });
  });

  it('runs the handler registered last under the function name', async () => {
    const queue = newQueue();
    const functionName = newFunctionName();
    const calls: string[] = [];
    ctx.aws.registerFunction(functionName, async () => calls.push('old'));
    const source = ctx.aws.addSqsEventSource({ queue: queue.url, functionName });
    ctx.aws.registerFunction(functionName, async () => calls.push('new'));
    await sendBodies(queue, ['m']);

    await source.drain();

    expect(calls).toEqual(['new']);
  });

  describe('background polling (start/stop)', () => {
    it('delivers a message sent after start without waiting for a poll interval, and stop waits for the run', async () => {
      const queue = newQueue();
      const functionName = newFunctionName();
      let delivered: (body: string) => void = () => undefined;
      const received = new Promise<string>((resolve) => {
        delivered = resolve;
      });
      ctx.aws.registerFunction<SQSEvent>(functionName, async (event) => {
        delivered(event.Records[0]?.body ?? '');
      });
      const source = ctx.aws.addSqsEventSource({ queue: queue.url, functionName });
      source.start();

      await sendBodies(queue, ['hello']);
      const body = await received;
      await source.stop();

      expect(body).toBe('hello');
      expect(source.isIdle()).toBe(true);
    });

    it('fills a batch within the batching window before invoking', async () => {
      const queue = newQueue();
      const functionName = newFunctionName();
      const batchSizes: number[] = [];
      let delivered: () => void = () => undefined;
      const received = new Promise<void>((resolve) => {
        delivered = resolve;
      });
      ctx.aws.registerFunction<SQSEvent>(functionName, async (event) => {
        batchSizes.push(event.Records.length);
        delivered();
      });
      const source = ctx.aws.addSqsEventSource({ queue: queue.url, functionName, batchSize: 3, maximumBatchingWindowMs: 10_000 });
      source.start();

      for (const body of ['a', 'b', 'c']) {
        await ctx.sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: body }));
      }
      await received;
      await source.stop();

      expect(batchSizes).toEqual([3]);
    });

    it('refuses pollOnce and drain while started', async () => {
      const queue = newQueue();
      const functionName = newFunctionName();
      ctx.aws.registerFunction(functionName, async () => null);
      const source = ctx.aws.addSqsEventSource({ queue: queue.url, functionName });
      source.start();

      const poll = await source.pollOnce().catch((err: unknown) => err);
      const drain = await source.drain().catch((err: unknown) => err);
      await source.stop();

      expect(poll).toBeInstanceOf(Error);
      expect(drain).toBeInstanceOf(Error);
      expect((drain as Error).message).toMatch(/stop\(\) first/);
    });
  });

  describe('addSqsEventSource', () => {
    it.each([
      ['an unknown queue', { queue: 'no-such-queue' }],
      ['an unregistered function', { functionName: 'not-registered' }],
      ['a batchSize of 11', { batchSize: 11 }],
      ['a maxConcurrency of 1 (Lambda allows 2 to 1000)', { maxConcurrency: 1 }],
      ['a negative batching window', { maximumBatchingWindowMs: -1 }],
    ])('throws RangeError for %s', (_label, override) => {
      const queue = newQueue();
      const functionName = newFunctionName();
      ctx.aws.registerFunction(functionName, async () => null);

      const act = () => ctx.aws.addSqsEventSource({ queue: queue.url, functionName, ...override });

      expect(act).toThrow(RangeError);
    });
  });
});
