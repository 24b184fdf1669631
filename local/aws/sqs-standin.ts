import type { AwsJsonErrorShape, AwsJsonOperation, AwsJsonService } from './aws-json-server';
import type { AwsServiceError } from './aws-service-error';
import type { JsonInput } from './json-input';
import { invalidParameterValue, missingParameter, sqsError, sqsErrorShape } from './sqs-errors';
import { optionalIntegerParam, optionalStringListParam, optionalStringMapParam, requireBatchEntries, requireParam } from './sqs-input';
import { prepareMessage, toBatchFailure, toReceivedMessage } from './sqs-message-wire';
import { MAX_VISIBILITY_TIMEOUT_SEC, SqsQueue, type SqsQueueSettings } from './sqs-queue';
import { DEFAULT_QUEUE_SETTINGS, matchesSettings, parseQueueAttributes, renderQueueAttributes } from './sqs-queue-attributes';

/** Options for an SQS stand-in. */
export interface SqsStandinOptions {
  readonly region: string;
  readonly accountId: string;
  /** The stand-in server's base URL; read when a queue is created, since the port is known only after listen. */
  readonly endpoint: () => string;
  /** @default - Date.now */
  readonly now?: () => number;
}

// Standard queue names: 1..80 of letters, digits, hyphens and underscores.
const QUEUE_NAME = /^[A-Za-z0-9_-]{1,80}$/;
const MAX_MESSAGES_PER_RECEIVE = 10;
const MAX_WAIT_TIME_SEC = 20;

/** SQS over AWS JSON 1.0 (`AmazonSQS`): standard queues with visibility timeouts, delays, retention and redrive. */
export class SqsStandin implements AwsJsonService {
  readonly service = 'sqs';
  readonly targetPrefix = 'AmazonSQS';
  readonly jsonVersion = '1.0';
  readonly operations: Readonly<Record<string, AwsJsonOperation>> = {
    CreateQueue: (input) => ({
      QueueUrl: this.createQueue(requireParam(input, 'QueueName'), optionalStringMapParam(input, 'Attributes')).url,
    }),
    GetQueueUrl: (input) => this.getQueueUrl(input),
    GetQueueAttributes: (input) => ({
      Attributes: renderQueueAttributes(this.queueFromInput(input), optionalStringListParam(input, 'AttributeNames')),
    }),
    SendMessage: (input) => this.sendMessage(input),
    SendMessageBatch: (input) => this.sendMessageBatch(input),
    ReceiveMessage: (input) => this.receiveMessage(input),
    DeleteMessage: (input) => {
      this.queueFromInput(input).delete(requireParam(input, 'ReceiptHandle'));
      return {};
    },
    DeleteMessageBatch: (input) => this.deleteMessageBatch(input),
    ChangeMessageVisibility: (input) => this.changeMessageVisibility(input),
    PurgeQueue: (input) => {
      this.queueFromInput(input).purge();
      return {};
    },
  };

  private readonly queues = new Map<string, SqsQueue>();
  private readonly options: SqsStandinOptions;
  private readonly now: () => number;

  constructor(options: SqsStandinOptions) {
    this.options = options;
    this.now = options.now ?? Date.now;
  }

  errorShape(err: AwsServiceError): AwsJsonErrorShape {
    return sqsErrorShape(err);
  }

  /**
   * Creates a standard queue from CreateQueue-style attributes (strings), or returns the existing one when every
   * attribute given matches it; a mismatch is QueueNameExists, as in SQS.
   */
  createQueue(name: string, attributes: Readonly<Record<string, string>> = {}): SqsQueue {
    if (!QUEUE_NAME.test(name)) {
      throw invalidParameterValue(
        'QueueName',
        'Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length. FIFO queues are not supported by the local stand-in.',
      );
    }
    const given = parseQueueAttributes(attributes, (arn) => this.findQueueByArn(arn));
    const existing = this.queues.get(name);
    if (existing !== undefined) {
      if (!matchesSettings(existing, given)) {
        throw sqsError('QueueNameExists', `A queue already exists with the same name (${name}) and a different value for an attribute.`);
      }
      return existing;
    }
    const settings: SqsQueueSettings = { ...DEFAULT_QUEUE_SETTINGS, ...given };
    const identity = {
      name,
      url: `${this.options.endpoint()}/${this.options.accountId}/${name}`,
      arn: `arn:aws:sqs:${this.options.region}:${this.options.accountId}:${name}`,
    };
    const queue = new SqsQueue(identity, settings, { now: this.now, findQueueByArn: (arn) => this.findQueueByArn(arn) });
    this.queues.set(name, queue);
    return queue;
  }

  /** Finds a queue by name, URL or ARN; undefined when there is none. */
  findQueue(reference: string): SqsQueue | undefined {
    if (reference.startsWith('arn:')) {
      return this.findQueueByArn(reference);
    }
    return reference.includes('/') ? this.findQueueByUrl(reference) : this.queues.get(reference);
  }

  private findQueueByUrl(queueUrl: string): SqsQueue | undefined {
    let path: string;
    try {
      path = new URL(queueUrl).pathname;
    } catch {
      return undefined;
    }
    // The path names the queue; the host is whatever the caller used to reach this server.
    const [, account, name, ...rest] = path.split('/');
    return account === this.options.accountId && name !== undefined && rest.length === 0 ? this.queues.get(name) : undefined;
  }

  private findQueueByArn(arn: string): SqsQueue | undefined {
    const prefix = `arn:aws:sqs:${this.options.region}:${this.options.accountId}:`;
    return arn.startsWith(prefix) ? this.queues.get(arn.slice(prefix.length)) : undefined;
  }

  private queueFromInput(input: JsonInput): SqsQueue {
    const queue = this.findQueueByUrl(requireParam(input, 'QueueUrl'));
    if (queue === undefined) {
      throw sqsError('QueueDoesNotExist', 'The specified queue does not exist.');
    }
    return queue;
  }

  private getQueueUrl(input: JsonInput): unknown {
    const name = requireParam(input, 'QueueName');
    const owner = input.QueueOwnerAWSAccountId;
    const queue = owner === undefined || owner === this.options.accountId ? this.queues.get(name) : undefined;
    if (queue === undefined) {
      throw sqsError('QueueDoesNotExist', 'The specified queue does not exist.');
    }
    return { QueueUrl: queue.url };
  }

  private sendMessage(input: JsonInput): unknown {
    const queue = this.queueFromInput(input);
    const prepared = prepareMessage(queue, input);
    const message = queue.send(prepared.body, prepared.attributes, prepared.delaySec);
    return {
      MessageId: message.messageId,
      MD5OfMessageBody: message.md5OfBody,
      ...(message.md5OfMessageAttributes === undefined ? {} : { MD5OfMessageAttributes: message.md5OfMessageAttributes }),
    };
  }

  private sendMessageBatch(input: JsonInput): unknown {
    const queue = this.queueFromInput(input);
    const entries = requireBatchEntries(input);
    const prepared = entries.map((entry) => {
      try {
        return prepareMessage(queue, entry);
      } catch (err) {
        return toBatchFailure(entry, err);
      }
    });
    // The whole batch, like one message, may not exceed the queue's maximum message size.
    const totalBytes = prepared.reduce((sum, p) => sum + ('sizeBytes' in p ? p.sizeBytes : 0), 0);
    if (totalBytes > queue.settings.maximumMessageBytes) {
      throw sqsError('BatchRequestTooLong', `Batch requests cannot be longer than ${queue.settings.maximumMessageBytes} bytes.`);
    }
    const successful: unknown[] = [];
    const failed: unknown[] = [];
    prepared.forEach((p, index) => {
      if (!('sizeBytes' in p)) {
        failed.push(p);
        return;
      }
      const message = queue.send(p.body, p.attributes, p.delaySec);
      successful.push({
        Id: entries[index]?.Id,
        MessageId: message.messageId,
        MD5OfMessageBody: message.md5OfBody,
        ...(message.md5OfMessageAttributes === undefined ? {} : { MD5OfMessageAttributes: message.md5OfMessageAttributes }),
      });
    });
    return { Successful: successful, Failed: failed };
  }

  private receiveMessage(input: JsonInput): unknown {
    const queue = this.queueFromInput(input);
    const maxMessages = optionalIntegerParam(input, 'MaxNumberOfMessages', 1, MAX_MESSAGES_PER_RECEIVE) ?? 1;
    const visibilityTimeoutSec = optionalIntegerParam(input, 'VisibilityTimeout', 0, MAX_VISIBILITY_TIMEOUT_SEC);
    // Validated as SQS does, then ignored: the stand-in answers at once (see README, "no long polling").
    optionalIntegerParam(input, 'WaitTimeSeconds', 0, MAX_WAIT_TIME_SEC);
    const systemNames = [
      ...optionalStringListParam(input, 'AttributeNames'),
      ...optionalStringListParam(input, 'MessageSystemAttributeNames'),
    ];
    const attributeNames = optionalStringListParam(input, 'MessageAttributeNames');
    const received = queue.receive(maxMessages, visibilityTimeoutSec);
    if (received.length === 0) {
      return {};
    }
    return { Messages: received.map((r) => toReceivedMessage(r, systemNames, attributeNames)) };
  }

  private deleteMessageBatch(input: JsonInput): unknown {
    const queue = this.queueFromInput(input);
    const successful: unknown[] = [];
    const failed: unknown[] = [];
    for (const entry of requireBatchEntries(input)) {
      try {
        queue.delete(requireParam(entry, 'ReceiptHandle'));
        successful.push({ Id: entry.Id });
      } catch (err) {
        failed.push(toBatchFailure(entry, err));
      }
    }
    return { Successful: successful, Failed: failed };
  }

  private changeMessageVisibility(input: JsonInput): unknown {
    const queue = this.queueFromInput(input);
    const receiptHandle = requireParam(input, 'ReceiptHandle');
    const timeoutSec = optionalIntegerParam(input, 'VisibilityTimeout', 0, MAX_VISIBILITY_TIMEOUT_SEC);
    if (timeoutSec === undefined) {
      throw missingParameter('VisibilityTimeout');
    }
    queue.changeVisibility(receiptHandle, timeoutSec);
    return {};
  }
}
