import { AwsServiceError } from './aws-service-error';
import type { JsonInput } from './json-input';
import { invalidParameterValue, sqsError } from './sqs-errors';
import { optionalIntegerParam, requireParam } from './sqs-input';
import {
  md5OfMessageAttributes,
  messageAttributesSize,
  parseMessageAttributes,
  pickMessageAttributes,
  renderMessageAttributes,
  type SqsMessageAttributes,
} from './sqs-message-attributes';
import type { SqsQueue, SqsReceivedMessage } from './sqs-queue';

/** A message of a send request, checked and ready to store. */
export interface PreparedMessage {
  readonly body: string;
  readonly attributes: SqsMessageAttributes;
  readonly delaySec: number | undefined;
  readonly sizeBytes: number;
}

const MAX_DELAY_SEC = 900;
// SQS allows #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF in a body.
const INVALID_BODY_CHARACTER = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
const SYSTEM_ATTRIBUTES = ['ApproximateReceiveCount', 'SentTimestamp', 'SenderId', 'ApproximateFirstReceiveTimestamp'] as const;

/** Validates one message of a send (body, attributes, delay, size) against the queue, without storing it. */
export function prepareMessage(queue: SqsQueue, input: JsonInput): PreparedMessage {
  const body = requireParam(input, 'MessageBody');
  if (INVALID_BODY_CHARACTER.test(body)) {
    throw sqsError(
      'InvalidMessageContents',
      'Invalid binary character in the message body; see the allowed characters in the SQS documentation.',
    );
  }
  const attributes = parseMessageAttributes(input.MessageAttributes);
  const delaySec = optionalIntegerParam(input, 'DelaySeconds', 0, MAX_DELAY_SEC);
  const sizeBytes = Buffer.byteLength(body, 'utf8') + messageAttributesSize(attributes);
  if (sizeBytes > queue.settings.maximumMessageBytes) {
    throw invalidParameterValue('MessageBody', `Message must be shorter than ${queue.settings.maximumMessageBytes} bytes.`);
  }
  return { body, attributes, delaySec, sizeBytes };
}

/** A batch entry's `Failed` answer for the SQS error it met. */
export function toBatchFailure(entry: JsonInput, err: unknown): { Id: unknown; SenderFault: boolean; Code: string; Message: string } {
  if (!(err instanceof AwsServiceError)) {
    throw err;
  }
  return { Id: entry.Id, SenderFault: err.httpStatus < 500, Code: err.name, Message: err.message };
}

/** A received message as ReceiveMessage answers it, with the system and message attributes asked for. */
export function toReceivedMessage(
  received: SqsReceivedMessage,
  systemNames: readonly string[],
  attributeNames: readonly string[],
): unknown {
  const { message } = received;
  const values: Record<(typeof SYSTEM_ATTRIBUTES)[number], string> = {
    ApproximateReceiveCount: String(message.receiveCount),
    SentTimestamp: String(message.sentTimestampMs),
    SenderId: message.senderId,
    ApproximateFirstReceiveTimestamp: String(message.firstReceiveTimestampMs),
  };
  const attributes: Record<string, string> = {};
  for (const name of SYSTEM_ATTRIBUTES) {
    if (systemNames.includes('All') || systemNames.includes(name)) {
      attributes[name] = values[name];
    }
  }
  // The MD5 covers the attributes returned, so a client can check what it got.
  const messageAttributes = pickMessageAttributes(message.messageAttributes, attributeNames);
  const md5OfAttributes = md5OfMessageAttributes(messageAttributes);
  return {
    MessageId: message.messageId,
    ReceiptHandle: received.receiptHandle,
    MD5OfBody: message.md5OfBody,
    Body: message.body,
    ...(Object.keys(attributes).length === 0 ? {} : { Attributes: attributes }),
    ...(md5OfAttributes === undefined
      ? {}
      : { MessageAttributes: renderMessageAttributes(messageAttributes), MD5OfMessageAttributes: md5OfAttributes }),
  };
}
