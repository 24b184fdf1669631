import { createHash } from 'node:crypto';
import {
  BatchEntryIdsNotDistinct,
  BatchRequestTooLong,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  EmptyBatchRequest,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  InvalidAttributeName,
  InvalidAttributeValue,
  InvalidBatchEntryId,
  InvalidMessageContents,
  PurgeQueueCommand,
  type QueueAttributeName,
  QueueDoesNotExist,
  QueueNameExists,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  TooManyEntriesInBatchRequest,
} from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { useLocalSqs } from './local-sqs-fixture';

const md5 = (text: string) => createHash('md5').update(text, 'utf8').digest('hex');

describe('SQS stand-in', () => {
  const ctx = useLocalSqs();
  let queueCount = 0;

  async function newQueue(attributes?: Record<string, string>): Promise<string> {
    queueCount += 1;
    const { QueueUrl } = await ctx.sqs.send(new CreateQueueCommand({ QueueName: `q-${queueCount}`, Attributes: attributes }));
    return QueueUrl ?? '';
  }

  async function countsOf(queueUrl: string): Promise<Record<string, string> | undefined> {
    const { Attributes } = await ctx.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    return Attributes;
  }

  describe('queues', () => {
    it('creates a queue whose URL and ARN name the fake account', async () => {
      const createdAtSec = ctx.clock.nowSec;
      const { QueueUrl } = await ctx.sqs.send(new CreateQueueCommand({ QueueName: 'authorizer-refresh' }));
      const { Attributes } = await ctx.sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] }));

      expect(QueueUrl).toBe(`${ctx.aws.endpoints.sqs}/000000000000/authorizer-refresh`);
      expect(Attributes).toMatchObject({
        QueueArn: 'arn:aws:sqs:us-east-1:000000000000:authorizer-refresh',
        VisibilityTimeout: '30',
        MessageRetentionPeriod: '345600',
        DelaySeconds: '0',
        MaximumMessageSize: '262144',
        ApproximateNumberOfMessages: '0',
        ApproximateNumberOfMessagesNotVisible: '0',
        ApproximateNumberOfMessagesDelayed: '0',
        CreatedTimestamp: String(createdAtSec),
      });
    });

    it('finds a queue URL by name', async () => {
      const queueUrl = await newQueue();

      const { QueueUrl } = await ctx.sqs.send(new GetQueueUrlCommand({ QueueName: queueUrl.split('/').pop() }));

      expect(QueueUrl).toBe(queueUrl);
    });

    it('answers CreateQueue of an existing name with its URL when the attributes match', async () => {
      const first = await ctx.sqs.send(new CreateQueueCommand({ QueueName: 'same', Attributes: { VisibilityTimeout: '60' } }));

      const again = await ctx.sqs.send(new CreateQueueCommand({ QueueName: 'same', Attributes: { VisibilityTimeout: '60' } }));

      expect(again.QueueUrl).toBe(first.QueueUrl);
    });

    it('rejects CreateQueue of an existing name with other attributes as QueueNameExists', async () => {
      await ctx.sqs.send(new CreateQueueCommand({ QueueName: 'taken', Attributes: { VisibilityTimeout: '60' } }));

      const attempt = ctx.sqs.send(new CreateQueueCommand({ QueueName: 'taken', Attributes: { VisibilityTimeout: '90' } }));

      await expect(attempt).rejects.toBeInstanceOf(QueueNameExists);
    });

    it.each([
      ['an out-of-range VisibilityTimeout', { VisibilityTimeout: '43201' }, InvalidAttributeValue],
      ['a retention period under a minute', { MessageRetentionPeriod: '59' }, InvalidAttributeValue],
      [
        'a redrive policy to a queue that does not exist',
        { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: 'arn:aws:sqs:us-east-1:000000000000:nope', maxReceiveCount: 3 }) },
        InvalidAttributeValue,
      ],
      ['an unknown attribute', { Colour: 'blue' }, InvalidAttributeName],
      ['a FIFO queue', { FifoQueue: 'true' }, InvalidAttributeName],
    ])('rejects %s', async (_label, attributes, errorClass) => {
      const attempt = ctx.sqs.send(
        new CreateQueueCommand({ QueueName: 'rejected', Attributes: attributes as Record<QueueAttributeName, string> }),
      );

      await expect(attempt).rejects.toBeInstanceOf(errorClass);
    });

    it('rejects a queue name SQS would refuse with InvalidParameterValue', async () => {
      const attempt = ctx.sqs.send(new CreateQueueCommand({ QueueName: 'has space' }));

      await expect(attempt).rejects.toMatchObject({ name: 'InvalidParameterValue', $metadata: { httpStatusCode: 400 } });
    });

    it.each([
      ['GetQueueUrl of an unknown name', () => ctx.sqs.send(new GetQueueUrlCommand({ QueueName: 'missing' }))],
      [
        'SendMessage to an unknown URL',
        () => ctx.sqs.send(new SendMessageCommand({ QueueUrl: `${ctx.aws.endpoints.sqs}/000000000000/missing`, MessageBody: 'x' })),
      ],
      [
        'ReceiveMessage from another account',
        () => ctx.sqs.send(new ReceiveMessageCommand({ QueueUrl: `${ctx.aws.endpoints.sqs}/111111111111/authorizer-refresh` })),
      ],
    ])('rejects %s with QueueDoesNotExist', async (_label, call: () => Promise<unknown>) => {
      const attempt = call();

      await expect(attempt).rejects.toBeInstanceOf(QueueDoesNotExist);
      await expect(attempt).rejects.toMatchObject({ Code: 'AWS.SimpleQueueService.NonExistentQueue', Type: 'Sender' });
    });

    it('rejects an unknown attribute name in GetQueueAttributes with InvalidAttributeName', async () => {
      const queueUrl = await newQueue();

      const attempt = ctx.sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateAgeOfOldestMessage' as 'All'] }),
      );

      await expect(attempt).rejects.toBeInstanceOf(InvalidAttributeName);
    });
  });

  describe('SendMessage and ReceiveMessage', () => {
    it('returns the MD5 of the UTF-8 body, which the SDK checks on send and receive', async () => {
      const queueUrl = await newQueue();
      const body = JSON.stringify({ authorizerAppid: 'wx0000000000000001', note: '授权刷新' });

      const sent = await ctx.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
      const { Messages } = await ctx.sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl }));

      expect(sent.MD5OfMessageBody).toBe(md5(body));
      expect(Messages).toHaveLength(1);
      expect(Messages?.[0]).toMatchObject({ MessageId: sent.MessageId, Body: body, MD5OfBody: md5(body) });
    });

    it('returns the system attributes asked for, on the injected clock', async () => {
      const queueUrl = await newQueue();
      const sentAtMs = ctx.clock.now();
      await ctx.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'a' }));
      ctx.clock.advance(1500);

      const { Messages } = await ctx.sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MessageSystemAttributeNames: ['All'] }));

      expect(Messages?.[0]?.Attributes).toEqual({
        ApproximateReceiveCount: '1',
        SentTimestamp: String(sentAtMs),
        SenderId: expect.any(String),
        ApproximateFirstReceiveTimestamp: String(sentAtMs + 1500),
      });
    });

    it('omits attributes and message attributes that were not asked for', async () => {
      const queueUrl = await newQueue();
      await ctx.sqs.send(
        new SendMessageCommand({
          QueueUrl: queueUrl,
          MessageBody: 'a',
          MessageAttributes: { kind: { DataType: 'String', StringValue: 'refresh' } },
        }),
      );

      const { Messages } = await ctx.sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl }));

      expect(Messages?.[0]?.Attributes).toBeUndefined();
      expect(Messages?.[0]?.MessageAttributes).toBeUndefined();
    });

    it('round-trips string and binary message attributes with their MD5', async () => {
      const queueUrl = await newQueue();
      const messageAttributes = {
        kind: { DataType: 'String', StringValue: 'refresh' },
        blob: { DataType: 'Binary', BinaryValue: Uint8Array.from([1, 2, 3]) },
      };
      const sent = await ctx.sqs.send(
        new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'a', MessageAttributes: messageAttributes }),
      );

      const { Messages } = await ctx.sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MessageAttributeNames: ['All'] }));

      expect(Messages?.[0]?.MessageAttributes?.kind).toEqual({ DataType: 'String', StringValue: 'refresh' });
      expect(Buffer.from(Messages?.[0]?.MessageAttributes?.blob?.BinaryValue ?? [])).toEqual(Buffer.from([1, 2, 3]));
      expect(Messages?.[0]?.MD5OfMessageAttributes).toBe(sent.MD5OfMessageAttributes);
    });

    it('receives at most MaxNumberOfMessages, oldest first, and none twice while hidden', async () => {
      const queueUrl = await newQueue();
      for (let i = 0; i < 12; i += 1) {
        await ctx.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: `m${i}` }));
      }

      const first = await ctx.sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }));
      const second = await ctx.sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }));
      const third = await ctx.sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }));

      expect(first.Messages?.map((m) => m.Body)).toEqual(['m0', 'm1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7', 'm8', 'm9']);
      expect(second.Messages?.map((m) => m.Body)).toEqual(['m10', 'm11']);
      expect(third.Messages).toBeUndefined();
      expect(await countsOf(queueUrl)).toEqual({ ApproximateNumberOfMessages: '0', ApproximateNumberOfMessagesNotVisible: '12' });
    });

    it.each([0, 11])('rejects MaxNumberOfMessages %i with InvalidParameterValue', async (max) => {
      const queueUrl = await newQueue();

      const attempt = ctx.sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: max }));

      await expect(attempt).rejects.toMatchObject({
        name: 'InvalidParameterValue',
        message: expect.stringContaining('MaxNumberOfMessages'),
      });
    });

    it('accepts a body of exactly 256 KiB and rejects one byte more with InvalidParameterValue', async () => {
      const queueUrl = await newQueue();

      const atLimit = await ctx.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'x'.repeat(262_144) }));
      const overLimit = ctx.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'x'.repeat(262_145) }));

      expect(atLimit.MessageId).toBeDefined();
      await expect(overLimit).rejects.toMatchObject({ name: 'InvalidParameterValue', message: expect.stringContaining('262144 bytes') });
    });

    it('counts message attributes towards the size limit', async () => {
      const queueUrl = await newQueue();

      const attempt = ctx.sqs.send(
        new SendMessageCommand({
          QueueUrl: queueUrl,
          MessageBody: 'x'.repeat(262_140),
          MessageAttributes: { kind: { DataType: 'String', StringValue: 'refresh' } },
        }),
      );

      await expect(attempt).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    });

    it.each([
      ['an empty body', '', 'MissingParameter'],
      ['a body with a control character', 'a\u0001b', 'InvalidMessageContents'],
    ])('rejects %s', async (_label, body, errorName) => {
      const queueUrl = await newQueue();

      const attempt = ctx.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));

      await expect(attempt).rejects.toMatchObject({ name: errorName });
    });

    it('rejects a DelaySeconds over 900 with InvalidParameterValue', async () => {
      const queueUrl = await newQueue();

      const attempt = ctx.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'a', DelaySeconds: 901 }));

      await expect(attempt).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    });
  });

  describe('SendMessageBatch', () => {
    const entries = (n: number, body = 'b') => Array.from({ length: n }, (_, i) => ({ Id: `e${i}`, MessageBody: `${body}${i}` }));

    it('answers each entry, storing the good ones and listing the bad ones as Failed', async () => {
      const queueUrl = await newQueue();

      const result = await ctx.sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: [
            { Id: 'good', MessageBody: 'fine' },
            { Id: 'bad', MessageBody: 'nul\u0000' },
            { Id: 'late', MessageBody: 'later', DelaySeconds: 5 },
          ],
        }),
      );

      expect(result.Successful?.map((s) => [s.Id, s.MD5OfMessageBody])).toEqual([
        ['good', md5('fine')],
        ['late', md5('later')],
      ]);
      expect(result.Failed).toEqual([{ Id: 'bad', SenderFault: true, Code: 'InvalidMessageContents', Message: expect.any(String) }]);
      const { Attributes } = await ctx.sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['All'] }));
      expect(Attributes).toMatchObject({ ApproximateNumberOfMessages: '1', ApproximateNumberOfMessagesDelayed: '1' });
    });

    it.each([
      ['no entries', [], EmptyBatchRequest],
      ['eleven entries', entries(11), TooManyEntriesInBatchRequest],
      [
        'a repeated id',
        [
          { Id: 'x', MessageBody: 'a' },
          { Id: 'x', MessageBody: 'b' },
        ],
        BatchEntryIdsNotDistinct,
      ],
      ['an id with a dot', [{ Id: 'a.b', MessageBody: 'a' }], InvalidBatchEntryId],
      ['ten entries of 30 KiB (over 256 KiB in total)', entries(10, 'x'.repeat(30 * 1024)), BatchRequestTooLong],
    ])('rejects a batch with %s and stores nothing', async (_label, batch, errorClass) => {
      const queueUrl = await newQueue();

      const attempt = ctx.sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: batch }));

      await expect(attempt).rejects.toBeInstanceOf(errorClass);
      expect((await countsOf(queueUrl))?.ApproximateNumberOfMessages).toBe('0');
    });
  });

  describe('DeleteMessage', () => {
    it('deletes a received message, and deleting it again still succeeds', async () => {
      const queueUrl = await newQueue();
      await ctx.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'a' }));
      const { Messages } = await ctx.sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl }));
      const receiptHandle = Messages?.[0]?.ReceiptHandle;

      await ctx.sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: receiptHandle }));
      await ctx.sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: receiptHandle }));

      expect(await countsOf(queueUrl)).toEqual({ ApproximateNumberOfMessages: '0', ApproximateNumberOfMessagesNotVisible: '0' });
    });

    it('rejects a receipt handle that is not one with ReceiptHandleIsInvalid (404)', async () => {
      const queueUrl = await newQueue();

      const attempt = ctx.sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: 'not-a-handle' }));

      await expect(attempt).rejects.toMatchObject({ name: 'ReceiptHandleIsInvalid', $metadata: { httpStatusCode: 404 } });
    });

    it('deletes in a batch and lists an invalid handle as a Failed entry', async () => {
      const queueUrl = await newQueue();
      await ctx.sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: [
            { Id: 'a', MessageBody: 'a' },
            { Id: 'b', MessageBody: 'b' },
          ],
        }),
      );
      const { Messages = [] } = await ctx.sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }));

      const result = await ctx.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: [...Messages.map((m, i) => ({ Id: `d${i}`, ReceiptHandle: m.ReceiptHandle })), { Id: 'junk', ReceiptHandle: 'junk' }],
        }),
      );

      expect(result.Successful?.map((s) => s.Id)).toEqual(['d0', 'd1']);
      expect(result.Failed).toEqual([{ Id: 'junk', SenderFault: true, Code: 'ReceiptHandleIsInvalid', Message: expect.any(String) }]);
      expect(await countsOf(queueUrl)).toEqual({ ApproximateNumberOfMessages: '0', ApproximateNumberOfMessagesNotVisible: '0' });
    });

    it('rejects an empty DeleteMessageBatch with EmptyBatchRequest', async () => {
      const queueUrl = await newQueue();

      const attempt = ctx.sqs.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: [] }));

      await expect(attempt).rejects.toBeInstanceOf(EmptyBatchRequest);
    });
  });

  describe('PurgeQueue', () => {
    it('deletes every message, visible or not, and refuses a second purge within 60 s', async () => {
      const queueUrl = await newQueue();
      await ctx.sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: [
            { Id: 'a', MessageBody: 'a' },
            { Id: 'b', MessageBody: 'b' },
          ],
        }),
      );
      await ctx.sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl }));

      await ctx.sqs.send(new PurgeQueueCommand({ QueueUrl: queueUrl }));
      const tooSoon = await ctx.sqs.send(new PurgeQueueCommand({ QueueUrl: queueUrl })).catch((err: unknown) => err);
      ctx.clock.advance(60_000);
      const aMinuteLater = await ctx.sqs.send(new PurgeQueueCommand({ QueueUrl: queueUrl }));

      expect(await countsOf(queueUrl)).toEqual({ ApproximateNumberOfMessages: '0', ApproximateNumberOfMessagesNotVisible: '0' });
      expect(tooSoon).toMatchObject({ name: 'PurgeQueueInProgress', $metadata: { httpStatusCode: 403 } });
      expect(aMinuteLater.$metadata.httpStatusCode).toBe(200);
    });
  });

  it('rejects a body with an invalid character as InvalidMessageContents (the modeled class)', async () => {
    const queueUrl = await newQueue();

    const attempt = ctx.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: '\uFFFF' }));

    await expect(attempt).rejects.toBeInstanceOf(InvalidMessageContents);
  });
});
