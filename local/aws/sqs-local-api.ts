import type { LambdaStandin } from './lambda-standin';
import { SqsEventSource, type SqsEventSourceOptions } from './sqs-event-source';
import type { SqsStandin } from './sqs-standin';

/** Settings for `LocalAws.createQueue`, named after SQS's queue attributes (SQS's defaults apply when omitted). */
export interface CreateQueueOptions {
  /** VisibilityTimeout, 0..43200. @default 30 */
  readonly visibilityTimeoutSec?: number;
  /** MessageRetentionPeriod, 60..1209600. @default 345600 (four days) */
  readonly messageRetentionPeriodSec?: number;
  /** DelaySeconds, 0..900. @default 0 */
  readonly delaySec?: number;
  /** MaximumMessageSize, 1024..262144. @default 262144 */
  readonly maximumMessageBytes?: number;
  /** RedrivePolicy: after `maxReceiveCount` receives without a delete, a message moves to the queue with this ARN. */
  readonly redrivePolicy?: { readonly deadLetterTargetArn: string; readonly maxReceiveCount: number };
}

/** A queue's address. */
export interface LocalQueue {
  /** `http://127.0.0.1:PORT/000000000000/<name>`, the QueueUrl for SDK calls. */
  readonly url: string;
  /** `arn:aws:sqs:<region>:000000000000:<name>` */
  readonly arn: string;
}

/** The SQS part of `LocalAws`: queues made from code, and event sources that feed registered functions. */
export class LocalSqsApi {
  private readonly eventSources: SqsEventSource[] = [];
  private readonly sqs: SqsStandin;
  private readonly lambda: LambdaStandin;
  private readonly context: { readonly region: string; readonly now: () => number };

  constructor(sqs: SqsStandin, lambda: LambdaStandin, context: { readonly region: string; readonly now: () => number }) {
    this.sqs = sqs;
    this.lambda = lambda;
    this.context = context;
  }

  /** Creates a queue through the same validation as CreateQueue; a bad name or option is a RangeError. */
  createQueue(name: string, options: CreateQueueOptions = {}): LocalQueue {
    try {
      const queue = this.sqs.createQueue(name, toQueueAttributes(options));
      return { url: queue.url, arn: queue.arn };
    } catch (err) {
      throw err instanceof Error ? new RangeError(err.message, { cause: err }) : err;
    }
  }

  /** Connects a queue to a registered function; RangeError for an unknown queue or function or a bad option. */
  addSqsEventSource(options: SqsEventSourceOptions): SqsEventSource {
    const queue = this.sqs.findQueue(options.queue);
    if (queue === undefined) {
      throw new RangeError(`queue ${options.queue} does not exist; create it with createQueue first`);
    }
    if (!this.lambda.hasFunction(options.functionName)) {
      throw new RangeError(`function ${options.functionName} is not registered; call registerFunction first`);
    }
    const source = new SqsEventSource(options, {
      queue,
      region: this.context.region,
      now: this.context.now,
      invoke: (functionName, event) => this.lambda.invokeInProcess(functionName, event),
    });
    this.eventSources.push(source);
    return source;
  }

  /** Stops every event source's background polling and waits for their invocations. */
  async stopEventSources(): Promise<void> {
    await Promise.all(this.eventSources.map((source) => source.stop()));
  }
}

/** CreateQueue's `Attributes` for the options, so both paths share SQS's validation. */
function toQueueAttributes(options: CreateQueueOptions): Record<string, string> {
  const attributes: Record<string, string> = {};
  const put = (name: string, value: number | undefined) => {
    if (value !== undefined) {
      attributes[name] = String(value);
    }
  };
  put('VisibilityTimeout', options.visibilityTimeoutSec);
  put('MessageRetentionPeriod', options.messageRetentionPeriodSec);
  put('DelaySeconds', options.delaySec);
  put('MaximumMessageSize', options.maximumMessageBytes);
  if (options.redrivePolicy !== undefined) {
    attributes.RedrivePolicy = JSON.stringify(options.redrivePolicy);
  }
  return attributes;
}
