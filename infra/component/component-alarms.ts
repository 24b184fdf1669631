import { Duration } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { type AuthorizerAlarmName, type AuthorizerAlarmsInput, createAuthorizerAlarms } from './component-authorizer-alarms';

export interface ComponentAlarmsProps {
  /** Metric namespace the functions publish to (POWERTOOLS_METRICS_NAMESPACE). */
  namespace: string;
  refresher: lambda.IFunction;
  pushReceiver: lambda.IFunction;
  /** The h5-oauth function, when sign-in is on. */
  h5OAuthFunction?: lambda.IFunction;
  httpApi: apigw.IHttpApi;
  /** The schedules' dead-letter queue (refresher, authorizer sweep and reconcile). */
  deadLetterQueue: sqs.IQueue;
  refreshMargin: Duration;
  /** How often the refresher runs and so writes its gauges (TicketAgeSeconds, TokenRemainingSeconds). */
  refreshInterval: Duration;
  alarmTopic?: sns.ITopic;
  /** The authorizer worker, its jobs queue and timing. */
  authorizers: Omit<AuthorizerAlarmsInput, 'namespace'>;
}

const FIVE_MINUTES = Duration.minutes(5);

/**
 * Alarms on what an operator must act on, and a dashboard of the same signals. Metrics come from Powertools (EMF)
 * with the `service` dimension set to the function's service name.
 */
export class ComponentAlarms extends Construct {
  readonly alarms: Record<
    'ticketAge' | 'tokenLifetime' | 'refresherErrors' | 'wechatRefusals' | 'receiver5xx' | 'scheduleDeadLetters' | AuthorizerAlarmName,
    cloudwatch.Alarm
  > & {
    h5OAuthErrors?: cloudwatch.Alarm;
  };
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: ComponentAlarmsProps) {
    super(scope, id);
    const metric = (service: string, metricName: string, statistic: string, period = FIVE_MINUTES) =>
      new cloudwatch.Metric({ namespace: props.namespace, metricName, dimensionsMap: { service }, statistic, period });

    // The gauges arrive once per refresher run; a period shorter than the schedule would hold no data point in
    // between, and missing data breaches, so these alarms would flap on any schedule slower than 5 minutes.
    const gaugePeriod = props.refreshInterval.toSeconds() > FIVE_MINUTES.toSeconds() ? props.refreshInterval : FIVE_MINUTES;
    const ticketAge = metric('token-refresher', 'TicketAgeSeconds', 'Maximum', gaugePeriod);
    const tokenRemaining = metric('token-refresher', 'TokenRemainingSeconds', 'Minimum', gaugePeriod);
    const refusals = new cloudwatch.MathExpression({
      expression: 'FILL(config, 0) + FILL(quota, 0)',
      usingMetrics: {
        config: metric('token-refresher', 'WechatConfigErrors', 'Sum'),
        quota: metric('token-refresher', 'WechatQuotaExhausted', 'Sum'),
      },
      period: FIVE_MINUTES,
      label: 'WeChat refused: config or quota',
    });
    const receiver5xx = new cloudwatch.Metric({
      namespace: 'AWS/ApiGateway',
      metricName: '5xx',
      dimensionsMap: { ApiId: props.httpApi.apiId, Stage: '$default' },
      statistic: 'Sum',
      period: FIVE_MINUTES,
    });
    const authorizers = createAuthorizerAlarms(this, { namespace: props.namespace, ...props.authorizers });

    this.alarms = {
      // Missing data breaches: no gauge means no refresher run or no ticket ever stored.
      ticketAge: new cloudwatch.Alarm(this, 'TicketAge', {
        alarmDescription:
          'No new component_verify_ticket for 30 minutes: WeChat stopped pushing or the receiver refuses its pushes. Check "push rejected" logs and the event receive URL.',
        metric: ticketAge,
        threshold: 1800,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      }),
      tokenLifetime: new cloudwatch.Alarm(this, 'TokenLifetime', {
        alarmDescription:
          'The component_access_token expires within the refresh margin: refreshes are failing. See the refresher errcode logs.',
        metric: tokenRemaining,
        threshold: props.refreshMargin.toSeconds(),
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      }),
      refresherErrors: new cloudwatch.Alarm(this, 'RefresherErrors', {
        alarmDescription: 'The token refresher failed (exceptions): DynamoDB, KMS or Secrets Manager trouble, or an invalid secret.',
        metric: props.refresher.metricErrors({ period: FIVE_MINUTES, statistic: 'Sum' }),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 2,
        datapointsToAlarm: 2,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      wechatRefusals: new cloudwatch.Alarm(this, 'WechatRefusals', {
        alarmDescription:
          'WeChat refused api_component_token with a configuration or quota errcode (61004, 40125, 41004, 61011, 45009). See the README errcode table.',
        metric: refusals,
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      receiver5xx: new cloudwatch.Alarm(this, 'Receiver5xx', {
        alarmDescription: 'The event receive URL answered 5xx: pushes were not stored (WeChat retries). Check the push-receiver logs.',
        metric: receiver5xx,
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      scheduleDeadLetters: new cloudwatch.Alarm(this, 'ScheduleDeadLetters', {
        alarmDescription:
          'Scheduled invocations (the refresher, the authorizer sweep or the daily reconcile) failed after retries and were dead-lettered. See that function’s logs.',
        metric: props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: FIVE_MINUTES, statistic: 'Maximum' }),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      ...authorizers.alarms,
    };
    if (props.h5OAuthFunction) {
      this.alarms.h5OAuthErrors = new cloudwatch.Alarm(this, 'H5OAuthErrors', {
        alarmDescription: 'The h5-oauth function threw (not refused sign-ins, which are answered with a page): check its logs.',
        metric: props.h5OAuthFunction.metricErrors({ period: FIVE_MINUTES, statistic: 'Sum' }),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    }
    if (props.alarmTopic) {
      for (const alarm of Object.values(this.alarms)) {
        alarm.addAlarmAction(new actions.SnsAction(props.alarmTopic));
        alarm.addOkAction(new actions.SnsAction(props.alarmTopic));
      }
    }

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      widgets: [
        [
          new cloudwatch.GraphWidget({ title: 'Ticket age (s)', left: [ticketAge], leftAnnotations: [{ value: 1800, label: 'alarm' }] }),
          new cloudwatch.GraphWidget({ title: 'Token remaining lifetime (s)', left: [tokenRemaining] }),
          new cloudwatch.GraphWidget({
            title: 'Token refreshes',
            left: [
              metric('token-refresher', 'TokenRefreshes', 'Sum'),
              metric('token-refresher', 'TokenRefreshFailures', 'Sum'),
              metric('token-refresher', 'RefreshStoreFailures', 'Sum'),
              refusals,
            ],
          }),
        ],
        [
          new cloudwatch.GraphWidget({
            title: 'Pushes',
            left: [
              metric('push-receiver', 'PushesAccepted', 'Sum'),
              metric('push-receiver', 'PushesUnparsed', 'Sum'),
              metric('push-receiver', 'PushesRejected', 'Sum'),
              metric('push-receiver', 'PushStoreFailures', 'Sum'),
            ],
          }),
          new cloudwatch.GraphWidget({ title: 'HTTP API 5xx', left: [receiver5xx] }),
          new cloudwatch.GraphWidget({
            title: 'Lambda errors',
            left: [
              props.refresher,
              props.pushReceiver,
              props.authorizers.worker,
              props.authorizers.page,
              ...(props.h5OAuthFunction ? [props.h5OAuthFunction] : []),
            ].map((fn) => fn.metricErrors({ period: FIVE_MINUTES })),
          }),
        ],
        authorizers.widgets,
      ],
    });
  }
}
