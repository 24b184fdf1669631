import { randomBytes, randomUUID } from 'node:crypto';
import { invalidParameterValue, sqsError } from './sqs-errors';
import type { SqsMessageAttributes } from './sqs-message-attributes';
import { md5OfBody, md5OfMessageAttributes } from './sqs-message-attributes';

/** Settings of one standard queue (SQS's defaults in brackets). */
export interface SqsQueueSettings {
  /** [30] */
  readonly visibilityTimeoutSec: number;
  /** [345600, four days] */
  readonly messageRetentionPeriodSec: number;
  /** [0] */
  readonly delaySec: number;
  /** [262144] */
  readonly maximumMessageBytes: number;
  /** [0] Stored and reported only: the stand-in never long-polls. */
  readonly receiveMessageWaitTimeSec: number;
  readonly redrivePolicy?: SqsRedrivePolicy;
}

/** Moves a message to `deadLetterTargetArn` once it has been received `maxReceiveCount` times without a delete. */
export interface SqsRedrivePolicy {
  readonly deadLetterTargetArn: string;
  readonly maxReceiveCount: number;
}

/** A message as the queue keeps it. */
export interface SqsMessage {
  readonly messageId: string;
  readonly body: string;
  readonly md5OfBody: string;
  readonly messageAttributes: SqsMessageAttributes;
  readonly md5OfMessageAttributes: string | undefined;
  readonly sentTimestampMs: number;
  readonly senderId: string;
  receiveCount: number;
  firstReceiveTimestampMs: number | undefined;
  lastReceiveTimestampMs: number | undefined;
  visibleAtMs: number;
  /** Identifies the latest receive; an older receipt handle no longer matches it. */
  receiptNonce: string | undefined;
}

/** A received message and the receipt handle of this receive. */
export interface SqsReceivedMessage {
  readonly message: SqsMessage;
  readonly receiptHandle: string;
}

/** Message counts as GetQueueAttributes reports them. */
export interface SqsQueueCounts {
  /** Ready to be received (ApproximateNumberOfMessages). */
  readonly visible: number;
  /** Received and within their visibility timeout (ApproximateNumberOfMessagesNotVisible). */
  readonly notVisible: number;
  /** Sent with a delay that has not passed yet (ApproximateNumberOfMessagesDelayed). */
  readonly delayed: number;
}

/** What the queue needs from its surroundings. */
export interface SqsQueueContext {
  readonly now: () => number;
  /** Finds the dead-letter queue named by a redrive policy. */
  readonly findQueueByArn: (arn: string) => SqsQueue | undefined;
}

/** The 12-hour ceiling on a message's visibility timeout, counted from its latest receive. */
export const MAX_VISIBILITY_TIMEOUT_SEC = 43_200;
/** SqsSenderId of every message: the stand-in has no IAM principals. */
const SENDER_ID = 'AIDALOCALSTANDIN00000';

/**
 * One standard queue in memory, on the injected clock. Messages are kept in a Map in the order they became
 * receivable: a receive moves a message to the end, so visible messages gather at the front and a receive stays
 * cheap even when many messages are in flight.
 */
export class SqsQueue {
  readonly name: string;
  readonly url: string;
  readonly arn: string;
  readonly createdAtMs: number;
  settings: SqsQueueSettings;
  private readonly messages = new Map<string, SqsMessage>();
  private readonly context: SqsQueueContext;
  private readonly messageListeners = new Set<() => void>();
  private lastPurgeAtMs: number | undefined;

  constructor(identity: { name: string; url: string; arn: string }, settings: SqsQueueSettings, context: SqsQueueContext) {
    this.name = identity.name;
    this.url = identity.url;
    this.arn = identity.arn;
    this.settings = settings;
    this.context = context;
    this.createdAtMs = context.now();
  }

  /** Stores a message; it becomes receivable after `delaySec` (the queue's DelaySeconds when not given). */
  send(body: string, messageAttributes: SqsMessageAttributes, delaySec = this.settings.delaySec): SqsMessage {
    const now = this.context.now();
    const message: SqsMessage = {
      messageId: randomUUID(),
      body,
      md5OfBody: md5OfBody(body),
      messageAttributes,
      md5OfMessageAttributes: md5OfMessageAttributes(messageAttributes),
      sentTimestampMs: now,
      senderId: SENDER_ID,
      receiveCount: 0,
      firstReceiveTimestampMs: undefined,
      lastReceiveTimestampMs: undefined,
      visibleAtMs: now + delaySec * 1000,
      receiptNonce: undefined,
    };
    this.messages.set(message.messageId, message);
    this.notifyMessage();
    return message;
  }

  /** Calls `listener` whenever a message arrives (sent or moved in by redrive); returns the function that removes it. */
  onMessage(listener: () => void): () => void {
    this.messageListeners.add(listener);
    return () => this.messageListeners.delete(listener);
  }

  /**
   * Receives up to `maxMessages` visible messages and hides them for the visibility timeout. A message already
   * received `maxReceiveCount` times goes to the dead-letter queue instead, as SQS moves it when its receive count
   * would exceed the limit.
   */
  receive(maxMessages: number, visibilityTimeoutSec = this.settings.visibilityTimeoutSec): SqsReceivedMessage[] {
    const now = this.context.now();
    const received: SqsReceivedMessage[] = [];
    const receivedIds = new Set<string>();
    // Iterates the live Map: deleting is safe, and the messages this call moves to the end are met again only after
    // every other message has been looked at, so meeting one ends the scan.
    for (const message of this.messages.values()) {
      if (received.length >= maxMessages || receivedIds.has(message.messageId)) {
        break;
      }
      if (this.expire(message, now) || message.visibleAtMs > now || this.redrive(message)) {
        continue;
      }
      message.receiveCount += 1;
      message.firstReceiveTimestampMs ??= now;
      message.lastReceiveTimestampMs = now;
      message.visibleAtMs = now + visibilityTimeoutSec * 1000;
      message.receiptNonce = randomBytes(12).toString('base64url');
      this.messages.delete(message.messageId);
      this.messages.set(message.messageId, message);
      receivedIds.add(message.messageId);
      received.push({ message, receiptHandle: encodeReceiptHandle(this.name, message) });
    }
    return received;
  }

  /**
   * Deletes the message a receipt handle names. As in SQS, deleting a message that is already gone succeeds, and
   * so does a handle from an earlier receive, but it deletes nothing: only the latest receipt handle deletes.
   */
  delete(receiptHandle: string): void {
    const message = this.messageFor(receiptHandle);
    if (message !== undefined && message.receiptNonce === decodeReceiptHandle(this.name, receiptHandle).nonce) {
      this.messages.delete(message.messageId);
    }
  }

  /** Sets a received message's remaining visibility timeout, counted from now. */
  changeVisibility(receiptHandle: string, visibilityTimeoutSec: number): void {
    const now = this.context.now();
    const message = this.messageFor(receiptHandle);
    if (message === undefined || message.receiptNonce !== decodeReceiptHandle(this.name, receiptHandle).nonce) {
      throw invalidParameterValue('ReceiptHandle', 'The receipt handle has expired.');
    }
    if (message.visibleAtMs <= now) {
      throw sqsError('MessageNotInflight', 'The message referred to is not in flight.');
    }
    const receivedAtMs = message.lastReceiveTimestampMs ?? now;
    if (now + visibilityTimeoutSec * 1000 > receivedAtMs + MAX_VISIBILITY_TIMEOUT_SEC * 1000) {
      throw invalidParameterValue(
        'VisibilityTimeout',
        `Total VisibilityTimeout for the message is beyond the limit [${MAX_VISIBILITY_TIMEOUT_SEC} seconds].`,
      );
    }
    message.visibleAtMs = now + visibilityTimeoutSec * 1000;
  }

  /** Deletes every message; SQS allows one purge per queue every 60 seconds. */
  purge(): void {
    const now = this.context.now();
    if (this.lastPurgeAtMs !== undefined && now < this.lastPurgeAtMs + 60_000) {
      throw sqsError('PurgeQueueInProgress', `Only one PurgeQueue operation on ${this.name} is allowed every 60 seconds.`);
    }
    this.lastPurgeAtMs = now;
    this.messages.clear();
  }

  /** Takes in a message moved from another queue by redrive, keeping its id, body, timestamps and receive count. */
  acceptDeadLetter(message: SqsMessage): void {
    message.visibleAtMs = this.context.now();
    message.receiptNonce = undefined;
    this.messages.set(message.messageId, message);
    this.notifyMessage();
  }

  /** Current message counts, after dropping messages past their retention period. */
  counts(): SqsQueueCounts {
    const now = this.context.now();
    let visible = 0;
    let notVisible = 0;
    let delayed = 0;
    for (const message of this.messages.values()) {
      if (this.expire(message, now)) {
        continue;
      }
      if (message.visibleAtMs <= now) {
        visible += 1;
      } else if (message.receiveCount > 0) {
        notVisible += 1;
      } else {
        delayed += 1;
      }
    }
    return { visible, notVisible, delayed };
  }

  /** When the next hidden message becomes receivable (a delay or a visibility timeout ending), if any is hidden. */
  nextVisibleAtMs(): number | undefined {
    const now = this.context.now();
    let next: number | undefined;
    for (const message of this.messages.values()) {
      if (message.visibleAtMs > now && (next === undefined || message.visibleAtMs < next)) {
        next = message.visibleAtMs;
      }
    }
    return next;
  }

  /** Age of the oldest message still in the queue, visible or not (CloudWatch's ApproximateAgeOfOldestMessage). */
  oldestMessageAgeMs(): number {
    const now = this.context.now();
    let oldest = now;
    for (const message of this.messages.values()) {
      if (!this.expire(message, now)) {
        oldest = Math.min(oldest, message.sentTimestampMs);
      }
    }
    return now - oldest;
  }

  private notifyMessage(): void {
    for (const listener of this.messageListeners) {
      listener();
    }
  }

  private messageFor(receiptHandle: string): SqsMessage | undefined {
    const { messageId } = decodeReceiptHandle(this.name, receiptHandle);
    const message = this.messages.get(messageId);
    if (message !== undefined && this.expire(message, this.context.now())) {
      return undefined;
    }
    return message;
  }

  private expire(message: SqsMessage, now: number): boolean {
    if (now < message.sentTimestampMs + this.settings.messageRetentionPeriodSec * 1000) {
      return false;
    }
    this.messages.delete(message.messageId);
    return true;
  }

  private redrive(message: SqsMessage): boolean {
    const policy = this.settings.redrivePolicy;
    if (policy === undefined || message.receiveCount < policy.maxReceiveCount) {
      return false;
    }
    const deadLetterQueue = this.context.findQueueByArn(policy.deadLetterTargetArn);
    if (deadLetterQueue === undefined || deadLetterQueue === this) {
      return false;
    }
    this.messages.delete(message.messageId);
    deadLetterQueue.acceptDeadLetter(message);
    return true;
  }
}

// A receipt handle is opaque to callers; this one carries the queue name, message id and a per-receive nonce.
function encodeReceiptHandle(queueName: string, message: SqsMessage): string {
  return Buffer.from(`${queueName}\n${message.messageId}\n${message.receiptNonce ?? ''}`, 'utf8').toString('base64url');
}

function decodeReceiptHandle(queueName: string, receiptHandle: string): { messageId: string; nonce: string } {
  const parts = Buffer.from(receiptHandle, 'base64url').toString('utf8').split('\n');
  const [name, messageId, nonce] = parts;
  if (parts.length !== 3 || name !== queueName || messageId === undefined || nonce === undefined || nonce === '') {
    throw sqsError('ReceiptHandleIsInvalid', 'The input receipt handle is invalid.');
  }
  return { messageId, nonce };
}
