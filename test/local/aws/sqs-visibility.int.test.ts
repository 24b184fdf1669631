import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  type Message,
  MessageNotInflight,
  ReceiptHandleIsInvalid,
  ReceiveMessageCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import type { LocalAws } from '../../../local/aws/local-aws';
import { useLocalSqs } from './local-sqs-fixture';

describe('SQS stand-in on the injected clock', () => {
  const ctx = useLocalSqs();
  let queueCount = 0;

  function newQueue(options: Parameters<LocalAws['createQueue']>[1] = {}): string {
    queueCount += 1;
    return ctx.aws.createQueue(`vis-${queueCount}`, options).url;
  }

  async function send(queueUrl: string, body = 'm', delaySec?: number): Promise<void> {
    await ctx.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body, DelaySeconds: delaySec }));
  }

  async function receive(queueUrl: string, visibilityTimeoutSec?: number): Promise<Message[]> {
    const { Messages = [] } = await ctx.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: visibilityTimeoutSec,
        MessageSystemAttributeNames: ['ApproximateReceiveCount'],
      }),
    );
    return Messages;
  }

  async function attributes(queueUrl: string): Promise<Record<string, string>> {
    const { Attributes = {} } = await ctx.sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['All'] }));
    return Attributes;
  }

  describe('visibility timeout', () => {
    it('hides a received message until the queue visibility timeout has passed, then redelivers it', async () => {
      const queueUrl = newQueue({ visibilityTimeoutSec: 30 });
      await send(queueUrl);
      const [first] = await receive(queueUrl);

      ctx.clock.advance(29_999);
      const beforeTimeout = await receive(queueUrl);
      ctx.clock.advance(1);
      const [second] = await receive(queueUrl);

      expect(beforeTimeout).toEqual([]);
      expect(second?.MessageId).toBe(first?.MessageId);
      expect(second?.Attributes?.ApproximateReceiveCount).toBe('2');
      expect(second?.ReceiptHandle).not.toBe(first?.ReceiptHandle);
    });

    it('uses the VisibilityTimeout given to ReceiveMessage instead of the queue default', async () => {
      const queueUrl = newQueue({ visibilityTimeoutSec: 30 });
      await send(queueUrl);
      await receive(queueUrl, 5);

      ctx.clock.advance(5_000);
      const again = await receive(queueUrl);

      expect(again).toHaveLength(1);
    });

    it('reports visible and in-flight counts in GetQueueAttributes', async () => {
      const queueUrl = newQueue();
      await send(queueUrl, 'a');
      await send(queueUrl, 'b');
      await ctx.sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 1 }));

      const counts = await attributes(queueUrl);

      expect(counts.ApproximateNumberOfMessages).toBe('1');
      expect(counts.ApproximateNumberOfMessagesNotVisible).toBe('1');
    });

    it('deletes nothing with the receipt handle of an earlier receive, as SQS documents', async () => {
      const queueUrl = newQueue({ visibilityTimeoutSec: 10 });
      await send(queueUrl);
      const [stale] = await receive(queueUrl);
      ctx.clock.advance(10_000);
      const [current] = await receive(queueUrl);

      await ctx.sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: stale?.ReceiptHandle }));
      const afterStaleDelete = await attributes(queueUrl);
      await ctx.sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: current?.ReceiptHandle }));
      const afterCurrentDelete = await attributes(queueUrl);

      expect(afterStaleDelete.ApproximateNumberOfMessagesNotVisible).toBe('1');
      expect(afterCurrentDelete.ApproximateNumberOfMessagesNotVisible).toBe('0');
    });

    it('still deletes with the latest handle after the timeout if nobody received the message again', async () => {
      const queueUrl = newQueue({ visibilityTimeoutSec: 10 });
      await send(queueUrl);
      const [message] = await receive(queueUrl);
      ctx.clock.advance(60_000);

      await ctx.sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message?.ReceiptHandle }));

      expect(await receive(queueUrl)).toEqual([]);
    });
  });

  describe('ChangeMessageVisibility', () => {
    it('extends the timeout of a message in flight, counted from now', async () => {
      const queueUrl = newQueue({ visibilityTimeoutSec: 10 });
      await send(queueUrl);
      const [message] = await receive(queueUrl);
      ctx.clock.advance(8_000);

      await ctx.sqs.send(
        new ChangeMessageVisibilityCommand({ QueueUrl: queueUrl, ReceiptHandle: message?.ReceiptHandle, VisibilityTimeout: 60 }),
      );
      ctx.clock.advance(59_999);
      const stillHidden = await receive(queueUrl);
      ctx.clock.advance(1);
      const back = await receive(queueUrl);

      expect(stillHidden).toEqual([]);
      expect(back).toHaveLength(1);
    });

    it('makes a message visible at once with a timeout of 0', async () => {
      const queueUrl = newQueue();
      await send(queueUrl);
      const [message] = await receive(queueUrl);

      await ctx.sqs.send(
        new ChangeMessageVisibilityCommand({ QueueUrl: queueUrl, ReceiptHandle: message?.ReceiptHandle, VisibilityTimeout: 0 }),
      );

      expect(await receive(queueUrl)).toHaveLength(1);
    });

    it('rejects a message whose timeout already ran out with MessageNotInflight', async () => {
      const queueUrl = newQueue({ visibilityTimeoutSec: 10 });
      await send(queueUrl);
      const [message] = await receive(queueUrl);
      ctx.clock.advance(10_000);

      const attempt = ctx.sqs.send(
        new ChangeMessageVisibilityCommand({ QueueUrl: queueUrl, ReceiptHandle: message?.ReceiptHandle, VisibilityTimeout: 30 }),
      );

      await expect(attempt).rejects.toBeInstanceOf(MessageNotInflight);
    });

    it('rejects the handle of an earlier receive as expired (InvalidParameterValue)', async () => {
      const queueUrl = newQueue({ visibilityTimeoutSec: 10 });
      await send(queueUrl);
      const [stale] = await receive(queueUrl);
      ctx.clock.advance(10_000);
      await receive(queueUrl);

      const attempt = ctx.sqs.send(
        new ChangeMessageVisibilityCommand({ QueueUrl: queueUrl, ReceiptHandle: stale?.ReceiptHandle, VisibilityTimeout: 30 }),
      );

      await expect(attempt).rejects.toMatchObject({ name: 'InvalidParameterValue', message: expect.stringContaining('expired') });
    });

    it('rejects a handle that is not one with ReceiptHandleIsInvalid', async () => {
      const queueUrl = newQueue();

      const attempt = ctx.sqs.send(
        new ChangeMessageVisibilityCommand({ QueueUrl: queueUrl, ReceiptHandle: 'bogus', VisibilityTimeout: 1 }),
      );

      await expect(attempt).rejects.toBeInstanceOf(ReceiptHandleIsInvalid);
    });

    it('rejects a timeout that would end more than 12 hours after the receive', async () => {
      const queueUrl = newQueue();
      await send(queueUrl);
      const [message] = await receive(queueUrl);
      ctx.clock.advance(10_000);

      const attempt = ctx.sqs.send(
        new ChangeMessageVisibilityCommand({ QueueUrl: queueUrl, ReceiptHandle: message?.ReceiptHandle, VisibilityTimeout: 43_200 }),
      );

      await expect(attempt).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    });
  });

  describe('delays and retention', () => {
    it('holds a delayed message back until its delay has passed', async () => {
      const queueUrl = newQueue();
      await send(queueUrl, 'later', 60);

      const early = await receive(queueUrl);
      const { ApproximateNumberOfMessagesDelayed } = await attributes(queueUrl);
      ctx.clock.advance(60_000);
      const onTime = await receive(queueUrl);

      expect(early).toEqual([]);
      expect(ApproximateNumberOfMessagesDelayed).toBe('1');
      expect(onTime.map((m) => m.Body)).toEqual(['later']);
    });

    it('applies the queue DelaySeconds to messages sent without one', async () => {
      const queueUrl = newQueue({ delaySec: 5 });
      await send(queueUrl);

      const early = await receive(queueUrl);
      ctx.clock.advance(5_000);

      expect(early).toEqual([]);
      expect(await receive(queueUrl)).toHaveLength(1);
    });

    it('drops a message once its retention period has passed, even while it is in flight', async () => {
      const queueUrl = newQueue({ messageRetentionPeriodSec: 60, visibilityTimeoutSec: 30 });
      await send(queueUrl);
      await receive(queueUrl);
      ctx.clock.advance(60_000);

      const counts = await attributes(queueUrl);

      expect(counts.ApproximateNumberOfMessages).toBe('0');
      expect(counts.ApproximateNumberOfMessagesNotVisible).toBe('0');
    });
  });

  describe('redrive to a dead-letter queue', () => {
    it('moves a message to the DLQ instead of delivering it a (maxReceiveCount + 1)th time', async () => {
      const dlq = ctx.aws.createQueue(`dlq-${queueCount + 1}`);
      const queueUrl = newQueue({ visibilityTimeoutSec: 10, redrivePolicy: { deadLetterTargetArn: dlq.arn, maxReceiveCount: 2 } });
      await send(queueUrl, 'poison');
      const [first] = await receive(queueUrl);
      ctx.clock.advance(10_000);
      const [second] = await receive(queueUrl);
      ctx.clock.advance(10_000);

      const third = await receive(queueUrl);
      const [dead] = await receive(dlq.url);

      expect(second?.MessageId).toBe(first?.MessageId);
      expect(third).toEqual([]);
      expect(dead).toMatchObject({ MessageId: first?.MessageId, Body: 'poison' });
      expect((await attributes(queueUrl)).ApproximateNumberOfMessagesNotVisible).toBe('0');
    });

    it('reports the redrive policy in GetQueueAttributes', async () => {
      const dlq = ctx.aws.createQueue(`dlq-attr-${queueCount + 1}`);
      const queueUrl = newQueue({ redrivePolicy: { deadLetterTargetArn: dlq.arn, maxReceiveCount: 5 } });

      const { RedrivePolicy } = await attributes(queueUrl);

      expect(JSON.parse(RedrivePolicy ?? '{}')).toEqual({ deadLetterTargetArn: dlq.arn, maxReceiveCount: 5 });
    });
  });

  describe('LocalAws.createQueue', () => {
    it('returns the queue URL and ARN', () => {
      const queue = ctx.aws.createQueue('local-api');

      expect(queue).toEqual({
        url: `${ctx.aws.endpoints.sqs}/000000000000/local-api`,
        arn: 'arn:aws:sqs:us-east-1:000000000000:local-api',
      });
    });

    it.each([
      ['a name SQS refuses', 'bad.name', {}],
      ['a fractional visibility timeout', 'frac', { visibilityTimeoutSec: 1.5 }],
      [
        'a DLQ that does not exist',
        'orphan',
        { redrivePolicy: { deadLetterTargetArn: 'arn:aws:sqs:us-east-1:000000000000:none', maxReceiveCount: 1 } },
      ],
      [
        'a maxReceiveCount of 0',
        'zero',
        { redrivePolicy: { deadLetterTargetArn: 'arn:aws:sqs:us-east-1:000000000000:local-api', maxReceiveCount: 0 } },
      ],
    ])('throws RangeError for %s', (_label, name, options) => {
      const act = () => ctx.aws.createQueue(name, options);

      expect(act).toThrow(RangeError);
    });
  });
});
