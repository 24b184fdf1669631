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

/** CreateQueue's `Attributes` for the options, so both paths share SQS's validation. */
export function toQueueAttributes(options: CreateQueueOptions): Record<string, string> {
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
