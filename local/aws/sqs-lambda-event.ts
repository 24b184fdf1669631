import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { toLambdaMessageAttributes } from './sqs-message-attributes';
import type { SqsQueue, SqsReceivedMessage } from './sqs-queue';

/** The event Lambda's SQS trigger hands a function for one received batch. */
export function toSqsEvent(queue: SqsQueue, region: string, batch: readonly SqsReceivedMessage[]): SQSEvent {
  return { Records: batch.map((received) => toSqsRecord(queue, region, received)) };
}

function toSqsRecord(queue: SqsQueue, region: string, { message, receiptHandle }: SqsReceivedMessage): SQSRecord {
  return {
    messageId: message.messageId,
    receiptHandle,
    body: message.body,
    attributes: {
      ApproximateReceiveCount: String(message.receiveCount),
      SentTimestamp: String(message.sentTimestampMs),
      SenderId: message.senderId,
      ApproximateFirstReceiveTimestamp: String(message.firstReceiveTimestampMs),
    },
    messageAttributes: toLambdaMessageAttributes(message.messageAttributes),
    md5OfBody: message.md5OfBody,
    ...(message.md5OfMessageAttributes === undefined ? {} : { md5OfMessageAttributes: message.md5OfMessageAttributes }),
    eventSource: 'aws:sqs',
    eventSourceARN: queue.arn,
    awsRegion: region,
  };
}
