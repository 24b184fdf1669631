import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { nagAcknowledgements } from '../nag-acknowledgements';

/** Deliveries of one job before it is set aside in the dead-letter queue (alarmed). */
export const JOBS_MAX_RECEIVE_COUNT = 5;

/**
 * The authorizer jobs queue (refresh one authorizer, exchange one authorization code) and its dead-letter queue. A job
 * names its work and carries no token or code. The store stays the truth: a job lost or dead-lettered is found again
 * by the due sweep, so the queue only spreads work out and bounds how much runs at once.
 */
export class AuthorizerJobs extends Construct {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  /**
   * Six times the worker's timeout, as AWS advises for a Lambda event source: a batch that is retried (throttled, or
   * its invocation still running) does not come back while the first attempt may still be working on it.
   */
  readonly visibilityTimeout: Duration;

  constructor(scope: Construct, id: string, props: { workerTimeout: Duration }) {
    super(scope, id);
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    nagAcknowledgements.jobsDeadLetterQueue(this.deadLetterQueue);
    this.visibilityTimeout = Duration.seconds(props.workerTimeout.toSeconds() * 6);
    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: this.visibilityTimeout,
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: JOBS_MAX_RECEIVE_COUNT },
    });
  }

  /** sqs:SendMessage on the jobs queue only (SendMessageBatch is authorized as SendMessage): no receive, no delete. */
  grantSend(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({ grantee, actions: ['sqs:SendMessage'], resourceArns: [this.queue.queueArn] });
  }
}
