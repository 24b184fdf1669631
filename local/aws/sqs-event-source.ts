import { randomUUID } from 'node:crypto';
import type { HandlerOutcome } from './lambda-standin';
import { parseBatchItemFailures } from './sqs-batch-response';
import { toSqsEvent } from './sqs-lambda-event';
import type { SqsQueue, SqsQueueCounts, SqsReceivedMessage } from './sqs-queue';

/** An SQS trigger for a registered function, as Lambda's event source mapping configures it. */
export interface SqsEventSourceOptions {
  /** The queue: its URL, name or ARN. */
  readonly queue: string;
  /** A function registered with `registerFunction`; looked up at each invocation, so re-registering takes effect. */
  readonly functionName: string;
  /** Messages per invocation, 1..10 (one ReceiveMessage). @default 10 */
  readonly batchSize?: number;
  /** Invocations in flight at most, 2..1000 (Lambda's ScalingConfig.MaximumConcurrency). @default 2 */
  readonly maxConcurrency?: number | undefined;
  /**
   * How long the background loop (`start()`) waits, in real time, to fill a batch, 0..300000. `pollOnce()` and
   * `drain()` never wait: they batch whatever is visible. @default 0
   */
  readonly maximumBatchingWindowMs?: number;
  /** Honour `{ batchItemFailures }` in the function's response (FunctionResponseTypes ReportBatchItemFailures). @default false */
  readonly reportBatchItemFailures?: boolean;
}

/** What happened to one batch. */
export interface SqsBatchOutcome {
  readonly messageIds: readonly string[];
  /**
   * `success`: every message deleted. `partialFailure`: the function listed `failedMessageIds`, which stay in the
   * queue; the rest were deleted. `functionError`: the function threw (or returned an invalid batch response),
   * nothing was deleted and every message reappears after its visibility timeout.
   */
  readonly result: 'success' | 'partialFailure' | 'functionError';
  readonly failedMessageIds: readonly string[];
  /** The error's name for a `functionError`. */
  readonly errorType?: string;
}

/** Counters since the mapping was added. */
export interface SqsEventSourceStats {
  /** Function invocations (each is one Lambda request in AWS billing). */
  readonly invocations: number;
  readonly messagesReceived: number;
  readonly messagesDeleted: number;
  readonly functionErrors: number;
  readonly partialFailures: number;
  /** The most invocations ever in flight at once. */
  readonly maxInFlight: number;
  /** The oldest message ever handed to the function, measured from its send (the worst queue lag, retries included). */
  readonly maxAgeAtDeliveryMs: number;
  /** The same over first deliveries only: how long fresh work waits, apart from retries' visibility timeouts. */
  readonly maxAgeAtFirstDeliveryMs: number;
}

/** The queue's counts plus the mapping's own state. */
export interface SqsEventSourceStatus extends SqsQueueCounts {
  readonly invocationsInFlight: number;
  /** Age of the oldest message in the queue, visible or not, as CloudWatch's ApproximateAgeOfOldestMessage; 0 when empty. */
  readonly oldestMessageAgeMs: number;
  /** Milliseconds until the next hidden message becomes receivable on the injected clock; undefined when none is hidden. */
  readonly nextVisibleInMs: number | undefined;
}

/** Options for `drain`. */
export interface DrainOptions {
  /**
   * Moves the clock given to startLocalAws forward by `ms`. With it, `drain` waits out visibility timeouts and delays
   * by advancing the clock whenever nothing is running and nothing is visible; without it, `drain` returns then.
   */
  readonly advanceClock?: (ms: number) => void | Promise<void>;
  /** Safety stop for a handler that fails forever on a queue without a dead-letter queue. @default 100000 */
  readonly maxBatches?: number;
}

/** What a `drain` did. */
export interface DrainResult {
  readonly batches: number;
  /** Total passed to `advanceClock`. */
  readonly clockAdvancedMs: number;
  /** The queue's counts when `drain` returned. */
  readonly remaining: SqsQueueCounts;
}

/** What the mapping needs from the stand-ins. */
export interface SqsEventSourceContext {
  readonly queue: SqsQueue;
  readonly region: string;
  readonly now: () => number;
  readonly invoke: (functionName: string, event: unknown) => Promise<HandlerOutcome>;
}

const IDLE_POLL_MS = 100;
const DEFAULT_MAX_BATCHES = 100_000;

/**
 * Polls a queue and runs a function on batches of messages, like Lambda's SQS event source mapping: at most
 * `maxConcurrency` invocations in flight, messages deleted after a successful invocation, failed ones left to
 * reappear after their visibility timeout (and to be redriven by the queue's redrive policy).
 */
export class SqsEventSource {
  readonly uuid = randomUUID();
  readonly eventSourceArn: string;
  readonly functionName: string;
  readonly batchSize: number;
  readonly maxConcurrency: number;
  readonly maximumBatchingWindowMs: number;
  readonly reportBatchItemFailures: boolean;
  private readonly context: SqsEventSourceContext;
  private readonly running = new Set<Promise<SqsBatchOutcome>>();
  private counters = {
    invocations: 0,
    messagesReceived: 0,
    messagesDeleted: 0,
    functionErrors: 0,
    partialFailures: 0,
    maxInFlight: 0,
    maxAgeAtDeliveryMs: 0,
    maxAgeAtFirstDeliveryMs: 0,
  };
  private background: Promise<void> | undefined;
  private backgroundActive = false;
  private wake: (() => void) | undefined;

  constructor(options: SqsEventSourceOptions, context: SqsEventSourceContext) {
    this.batchSize = integerInRange('batchSize', options.batchSize ?? 10, 1, 10);
    this.maxConcurrency = integerInRange('maxConcurrency', options.maxConcurrency ?? 2, 2, 1000);
    this.maximumBatchingWindowMs = integerInRange('maximumBatchingWindowMs', options.maximumBatchingWindowMs ?? 0, 0, 300_000);
    this.reportBatchItemFailures = options.reportBatchItemFailures ?? false;
    this.functionName = options.functionName;
    this.eventSourceArn = context.queue.arn;
    this.context = context;
  }

  /**
   * Receives one batch and runs the function on it, waiting first for a free slot if `maxConcurrency` invocations
   * are in flight. Resolves with the batch's outcome, or undefined when no message was visible.
   */
  async pollOnce(): Promise<SqsBatchOutcome | undefined> {
    this.refuseWhileBackground('pollOnce');
    while (this.running.size >= this.maxConcurrency) {
      await Promise.race(this.running);
    }
    const batch = this.context.queue.receive(this.batchSize);
    return batch.length === 0 ? undefined : this.launch(batch);
  }

  /**
   * Runs batches, up to `maxConcurrency` at once, until no message is visible and no invocation is in flight; with
   * `advanceClock` it also waits out hidden messages by moving the clock, so it returns only when the queue is empty.
   */
  async drain(options: DrainOptions = {}): Promise<DrainResult> {
    this.refuseWhileBackground('drain');
    const maxBatches = options.maxBatches ?? DEFAULT_MAX_BATCHES;
    let batches = 0;
    let clockAdvancedMs = 0;
    for (;;) {
      while (this.running.size < this.maxConcurrency && batches < maxBatches) {
        const batch = this.context.queue.receive(this.batchSize);
        if (batch.length === 0) {
          break;
        }
        batches += 1;
        void this.launch(batch);
      }
      if (this.running.size > 0) {
        await Promise.race(this.running);
        continue;
      }
      const nextVisibleAtMs = this.context.queue.nextVisibleAtMs();
      if (batches >= maxBatches && (nextVisibleAtMs !== undefined || this.context.queue.counts().visible > 0)) {
        throw new Error(`drain stopped after maxBatches (${maxBatches}) batches with messages left in the queue`);
      }
      if (nextVisibleAtMs === undefined || options.advanceClock === undefined || this.context.queue.counts().visible > 0) {
        break;
      }
      const stepMs = nextVisibleAtMs - this.context.now();
      await options.advanceClock(stepMs);
      clockAdvancedMs += stepMs;
      if (this.context.now() < nextVisibleAtMs) {
        throw new Error('drain: advanceClock did not move the clock given to startLocalAws');
      }
    }
    return { batches, clockAdvancedMs, remaining: this.context.queue.counts() };
  }

  /** The queue's message counts and the invocations in flight. */
  status(): SqsEventSourceStatus {
    const next = this.context.queue.nextVisibleAtMs();
    return {
      ...this.context.queue.counts(),
      invocationsInFlight: this.running.size,
      oldestMessageAgeMs: this.context.queue.oldestMessageAgeMs(),
      nextVisibleInMs: next === undefined ? undefined : next - this.context.now(),
    };
  }

  /** True when the queue holds no message (visible, in flight or delayed) and no invocation is running. */
  isIdle(): boolean {
    const { visible, notVisible, delayed, invocationsInFlight } = this.status();
    return visible + notVisible + delayed + invocationsInFlight === 0;
  }

  /** Counters since the mapping was added. */
  stats(): SqsEventSourceStats {
    return { ...this.counters };
  }

  /** Starts polling in the background on real time (for `npm start`); new messages wake the poller at once. */
  start(): void {
    if (this.backgroundActive) {
      return;
    }
    this.backgroundActive = true;
    this.background = this.pollInBackground();
  }

  /** Stops the background polling and waits for the invocations in flight. */
  async stop(): Promise<void> {
    this.backgroundActive = false;
    this.wake?.();
    await this.background;
    this.background = undefined;
    while (this.running.size > 0) {
      await Promise.allSettled([...this.running]);
    }
  }

  private async pollInBackground(): Promise<void> {
    while (this.backgroundActive) {
      if (this.running.size >= this.maxConcurrency) {
        await Promise.race(this.running);
        continue;
      }
      const batch = await this.gatherBatch();
      if (batch.length === 0) {
        await this.waitForMessage(IDLE_POLL_MS);
        continue;
      }
      void this.launch(batch);
    }
  }

  // Lambda waits up to the batching window for a batch to fill; the messages already received stay hidden meanwhile.
  private async gatherBatch(): Promise<SqsReceivedMessage[]> {
    const batch = this.context.queue.receive(this.batchSize);
    const deadline = Date.now() + this.maximumBatchingWindowMs;
    while (batch.length > 0 && batch.length < this.batchSize && this.backgroundActive && Date.now() < deadline) {
      await this.waitForMessage(deadline - Date.now());
      batch.push(...this.context.queue.receive(this.batchSize - batch.length));
    }
    return batch;
  }

  private async waitForMessage(timeoutMs: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      timer.unref();
      const unsubscribe = this.context.queue.onMessage(done);
      this.wake = done;
      function done(): void {
        clearTimeout(timer);
        unsubscribe();
        resolve();
      }
    });
    this.wake = undefined;
  }

  private launch(batch: readonly SqsReceivedMessage[]): Promise<SqsBatchOutcome> {
    const run = this.runBatch(batch).finally(() => this.running.delete(run));
    this.running.add(run);
    this.counters.maxInFlight = Math.max(this.counters.maxInFlight, this.running.size);
    return run;
  }

  private async runBatch(batch: readonly SqsReceivedMessage[]): Promise<SqsBatchOutcome> {
    const { queue } = this.context;
    const messageIds = batch.map((received) => received.message.messageId);
    this.counters.invocations += 1;
    this.counters.messagesReceived += batch.length;
    const nowMs = this.context.now();
    for (const received of batch) {
      const ageMs = nowMs - received.message.sentTimestampMs;
      this.counters.maxAgeAtDeliveryMs = Math.max(this.counters.maxAgeAtDeliveryMs, ageMs);
      if (received.message.receiveCount === 1) {
        this.counters.maxAgeAtFirstDeliveryMs = Math.max(this.counters.maxAgeAtFirstDeliveryMs, ageMs);
      }
    }
    const outcome = await this.context.invoke(this.functionName, toSqsEvent(queue, this.context.region, batch));
    const failed = !outcome.ok
      ? undefined
      : this.reportBatchItemFailures
        ? parseBatchItemFailures(outcome.payload, new Set(messageIds))
        : new Set<string>();
    if (failed === undefined) {
      this.counters.functionErrors += 1;
      const errorType = outcome.ok ? 'InvalidBatchItemFailures' : outcome.errorType;
      return { messageIds, result: 'functionError', failedMessageIds: messageIds, errorType };
    }
    for (const received of batch) {
      if (!failed.has(received.message.messageId)) {
        queue.delete(received.receiptHandle);
        this.counters.messagesDeleted += 1;
      }
    }
    if (failed.size > 0) {
      this.counters.partialFailures += 1;
    }
    return { messageIds, result: failed.size > 0 ? 'partialFailure' : 'success', failedMessageIds: [...failed] };
  }

  private refuseWhileBackground(method: string): void {
    if (this.backgroundActive) {
      throw new Error(`${method} cannot run while the background poller is started; call stop() first`);
    }
  }
}

function integerInRange(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be an integer from ${min} to ${max}`);
  }
  return value;
}
