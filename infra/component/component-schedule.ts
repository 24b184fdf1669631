import { Duration } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { nagAcknowledgements } from '../nag-acknowledgements';

/** EventBridge Scheduler runs the refresher; invocations that fail after retries land in a dead-letter queue. */
export class RefreshSchedule extends Construct {
  readonly schedule: scheduler.Schedule;
  readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: { refresher: lambda.IFunction; rate: Duration }) {
    super(scope, id);
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.schedule = new scheduler.Schedule(this, 'Schedule', {
      description: 'Keeps the component_access_token fresh',
      schedule: scheduler.ScheduleExpression.rate(props.rate),
      target: new targets.LambdaInvoke(props.refresher, {
        input: scheduler.ScheduleTargetInput.fromObject({ action: 'refresh', reason: 'schedule' }),
        retryAttempts: 2,
        // A run older than one interval is pointless: the next one is already due.
        maxEventAge: props.rate,
        deadLetterQueue: this.deadLetterQueue,
      }),
    });
    nagAcknowledgements.scheduleDeadLetterQueue(this.deadLetterQueue);
    nagAcknowledgements.schedulerInvokeRole(props.refresher);
  }
}
