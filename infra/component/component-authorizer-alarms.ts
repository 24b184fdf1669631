import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import type { AuthorizerJobs } from './component-authorizer-jobs';

const FIVE_MINUTES = Duration.minutes(5);
const WORKER = 'authorizer-worker';
const PAGE = 'authorization-page';

export interface AuthorizerAlarmsInput {
  namespace: string;
  worker: lambda.IFunction;
  /** The authorization page (graphed). */
  page: lambda.IFunction;
  jobs: AuthorizerJobs;
  /** How often the sweep runs, and so writes its gauges (AuthorizersNeedingReauth, OldestDueTokenRemainingSeconds). */
  sweepInterval: Duration;
  /** Authorizer tokens are refreshed this long before they expire. */
  refreshMargin: Duration;
}

export type AuthorizerAlarmName =
  | 'authorizerJobsDeadLetters'
  | 'authorizersNeedingReauth'
  | 'authorizationsLost'
  | 'authorizerRefreshFailures'
  | 'authorizerWechatRefusals'
  | 'authorizerTokenLifetime'
  | 'authorizerJobsAge';

/** What authorizer token readers accept at least (READER_MIN_REMAINING_MS): below it they ask for refreshes themselves. */
const READER_MIN_REMAINING_SEC = 300;

/**
 * The seconds of lifetime below which the token of the earliest-due authorizer means the sweep is falling behind. A
 * healthy sweep finds each token within one interval of its due time, so it has at least margin - interval left; the
 * alarm fires at half of that, leaving the other half to act. A margin from a CloudFormation parameter cannot be
 * computed with here: the alarm then fires below what readers accept.
 */
export function authorizerLifetimeThresholdSec(refreshMargin: Duration, sweepInterval: Duration): number {
  if (refreshMargin.isUnresolved()) return READER_MIN_REMAINING_SEC;
  return Math.floor((refreshMargin.toSeconds() - sweepInterval.toSeconds()) / 2);
}

/**
 * The authorizer lifecycle's alarms and dashboard row, in the scope of ComponentAlarms (which adds the alarm topic).
 * Gauges are written once per sweep and are absent while there is no authorizer: missing data does not breach.
 */
export function createAuthorizerAlarms(
  scope: Construct,
  input: AuthorizerAlarmsInput,
): { alarms: Record<AuthorizerAlarmName, cloudwatch.Alarm>; widgets: cloudwatch.IWidget[] } {
  const metric = (service: string, metricName: string, statistic: string, period = FIVE_MINUTES) =>
    new cloudwatch.Metric({ namespace: input.namespace, metricName, dimensionsMap: { service }, statistic, period });
  const gaugePeriod = input.sweepInterval.toSeconds() > FIVE_MINUTES.toSeconds() ? input.sweepInterval : FIVE_MINUTES;
  const needingReauth = metric(WORKER, 'AuthorizersNeedingReauth', 'Maximum', gaugePeriod);
  const oldestDueRemaining = metric(WORKER, 'OldestDueTokenRemainingSeconds', 'Minimum', gaugePeriod);
  const refreshFailures = metric(WORKER, 'AuthorizerTokenRefreshFailures', 'Sum');
  const refusals = new cloudwatch.MathExpression({
    expression: 'FILL(config, 0) + FILL(quota, 0)',
    usingMetrics: { config: metric(WORKER, 'WechatConfigErrors', 'Sum'), quota: metric(WORKER, 'WechatQuotaExhausted', 'Sum') },
    period: FIVE_MINUTES,
    label: 'api_authorizer_token refused: config or quota',
  });
  // An exchange runs in the worker (the push's job) or in the page (the callback), so either may lose one.
  const lost = new cloudwatch.MathExpression({
    expression: 'FILL(worker, 0) + FILL(page, 0)',
    usingMetrics: { worker: metric(WORKER, 'AuthorizationsLost', 'Sum'), page: metric(PAGE, 'AuthorizationsLost', 'Sum') },
    period: FIVE_MINUTES,
    label: 'Authorizations lost',
  });
  const deadLetters = input.jobs.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: FIVE_MINUTES, statistic: 'Maximum' });
  const oldestJobAge = input.jobs.queue.metricApproximateAgeOfOldestMessage({ period: FIVE_MINUTES, statistic: 'Maximum' });
  const lifetimeThreshold = authorizerLifetimeThresholdSec(input.refreshMargin, input.sweepInterval);
  // The age counts messages in flight too, so a job that failed once is as old as the queue's visibility timeout
  // when it is delivered again; only a job older than that and a sweep has waited or failed more than once.
  const jobAgeThreshold = input.jobs.visibilityTimeout.toSeconds() + input.sweepInterval.toSeconds();

  const alarms: Record<AuthorizerAlarmName, cloudwatch.Alarm> = {
    authorizerJobsDeadLetters: new cloudwatch.Alarm(scope, 'AuthorizerJobsDeadLetters', {
      alarmDescription:
        'Authorizer jobs (refresh or exchange) failed on every delivery and were dead-lettered. See the authorizer-worker logs; the due sweep keeps retrying the work itself.',
      metric: deadLetters,
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    }),
    authorizersNeedingReauth: new cloudwatch.Alarm(scope, 'AuthorizersNeedingReauth', {
      alarmDescription:
        'An authorizer needs to authorize again: WeChat refused its refresh token (61023) and no other was found. Send its administrator an authorization link, or roll back to its previous refresh token.',
      metric: needingReauth,
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    }),
    authorizationsLost: new cloudwatch.Alarm(scope, 'AuthorizationsLost', {
      alarmDescription:
        'An authorization code was used but its refresh token could not be stored or recovered: that account must authorize again. The worker or page error log “authorization lost” names it.',
      metric: lost,
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    }),
    // A refusal stops an authorizer's refreshes for the whole backoff, so it is alarmed at once: no failures are
    // counted meanwhile, and the token may expire before the backoff ends.
    authorizerWechatRefusals: new cloudwatch.Alarm(scope, 'AuthorizerWechatRefusals', {
      alarmDescription:
        'WeChat refused api_authorizer_token with a configuration or quota errcode (61004, 61011, 48001, 45009, ...): that authorizer is not refreshed until its backoff ends. See the README errcode table.',
      metric: refusals,
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    }),
    authorizerRefreshFailures: new cloudwatch.Alarm(scope, 'AuthorizerRefreshFailures', {
      alarmDescription:
        'Authorizer token refreshes have failed for 15 minutes on end (-1, timeouts, no component token). See the authorizer-worker logs and the README errcode table.',
      metric: refreshFailures,
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    }),
    authorizerTokenLifetime: new cloudwatch.Alarm(scope, 'AuthorizerTokenLifetime', {
      alarmDescription: `The token of the earliest-due authorizer has less than ${lifetimeThreshold} s left: the sweep and the worker are not keeping up (queue backlog, throttling, failures). See the jobs queue and the authorizer-worker logs.`,
      metric: oldestDueRemaining,
      threshold: lifetimeThreshold,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    }),
    authorizerJobsAge: new cloudwatch.Alarm(scope, 'AuthorizerJobsAge', {
      alarmDescription: `An authorizer job has waited more than ${jobAgeThreshold} s (one redelivery and a sweep): its deliveries keep failing, or the worker does not consume the queue (throttled, concurrency too low).`,
      metric: oldestJobAge,
      threshold: jobAgeThreshold,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    }),
  };

  const widgets: cloudwatch.IWidget[] = [
    new cloudwatch.GraphWidget({
      title: 'Authorizers',
      left: [
        metric(WORKER, 'AuthorizersActive', 'Maximum', gaugePeriod),
        metric(WORKER, 'AuthorizerTokensValid', 'Maximum', gaugePeriod),
        needingReauth,
      ],
    }),
    new cloudwatch.GraphWidget({
      title: 'Authorizer refreshes and exchanges',
      left: [
        metric(WORKER, 'AuthorizerTokenRefreshes', 'Sum'),
        refreshFailures,
        refusals,
        metric(WORKER, 'AuthorizerStoreFailures', 'Sum'),
        metric(WORKER, 'AuthorizationsExchanged', 'Sum'),
        metric(PAGE, 'AuthorizationsExchanged', 'Sum'),
        metric(WORKER, 'AuthorizationCodesRefused', 'Sum'),
        lost,
      ],
    }),
    new cloudwatch.GraphWidget({
      title: 'Authorizer jobs: oldest (s), dead letters; earliest-due token lifetime (s)',
      left: [oldestJobAge, oldestDueRemaining],
      right: [deadLetters],
      leftAnnotations: [{ value: lifetimeThreshold, label: 'lifetime alarm' }],
    }),
  ];
  return { alarms, widgets };
}
