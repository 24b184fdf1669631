import { Duration } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { nagAcknowledgements } from '../nag-acknowledgements';

export interface ScheduledInvocation {
  readonly description: string;
  readonly schedule: scheduler.ScheduleExpression;
  readonly target: lambda.IFunction;
  readonly input: Record<string, unknown>;
  /** A run older than this is pointless: the next one is due. */
  readonly maxEventAge: Duration;
}

/**
 * EventBridge Scheduler runs the functions that keep things fresh (the refresher, the authorizer sweep and reconcile);
 * invocations that fail after retries land in one dead-letter queue, which is alarmed.
 */
export class ComponentSchedules extends Construct {
  readonly deadLetterQueue: sqs.Queue;
  readonly schedules: scheduler.Schedule[] = [];

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    nagAcknowledgements.scheduleDeadLetterQueue(this.deadLetterQueue);
  }

  add(id: string, invocation: ScheduledInvocation): scheduler.Schedule {
    const schedule = new scheduler.Schedule(this, id, {
      description: invocation.description,
      schedule: invocation.schedule,
      target: new targets.LambdaInvoke(invocation.target, {
        input: scheduler.ScheduleTargetInput.fromObject(invocation.input),
        retryAttempts: 2,
        maxEventAge: invocation.maxEventAge,
        deadLetterQueue: this.deadLetterQueue,
      }),
    });
    nagAcknowledgements.schedulerInvokeRole(invocation.target);
    this.schedules.push(schedule);
    return schedule;
  }
}
