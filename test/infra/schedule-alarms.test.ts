import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createAuthorizationPageDepsFromEnv } from '../../functions/authorization-page/deps';
import { createAuthorizerWorkerDepsFromEnv } from '../../functions/authorizer-worker/deps';
import { createPushDepsFromEnv } from '../../functions/push-receiver/deps';
import { createRefresherDepsFromEnv } from '../../functions/token-refresher/deps';
import type { WechatComponentStack } from '../../infra/wechat-component-stack';
import { parseWorkerRequest } from '../../shared/authorizer/worker-request';
import { parseRefreshEvent } from '../../shared/token/refresh-request';
import {
  arnOf,
  buildAppStack,
  buildComponentStack,
  CDK_TIMEOUT_MS,
  customDomainStack,
  defaultStack,
  deployedEnv,
  EXISTING_TOPIC_ARN,
  functionEnv,
  lambdaEgressStack,
  logicalIdOf,
  onlyResourceOf,
  resourcesOf,
  TEST_APPID,
} from './stacks';

/** Every alarm the default stack has: the component token's, the receiver's, the schedules' and the authorizers'. */
const ALARM_COUNT = 13;

type Dimension = { Name: string; Value: unknown };
type AlarmProps = {
  Namespace?: string;
  MetricName?: string;
  Dimensions?: Dimension[];
  Period?: number;
  Metrics?: Array<{
    Id: string;
    MetricStat?: { Metric: { Namespace: string; MetricName: string; Dimensions: Dimension[] }; Period: number };
  }>;
  AlarmActions?: unknown[];
  OKActions?: unknown[];
};

let stack: WechatComponentStack;
let template: Template;
/** A refresher every 10 minutes with a 30-minute margin. */
let slowTemplate: Template;

beforeAll(() => {
  stack = defaultStack();
  template = Template.fromStack(stack);
  slowTemplate = Template.fromStack(buildAppStack({ refreshIntervalMinutes: '10', refreshMarginMinutes: '30' }));
}, CDK_TIMEOUT_MS);

afterEach(() => {
  vi.unstubAllEnvs();
});

const alarms = (t: Template) =>
  resourcesOf(t, 'AWS::CloudWatch::Alarm').map(([id, alarm]) => [id, alarm.Properties as AlarmProps] as const);
const alarmNamed = (t: Template, name: string) => {
  const found = alarms(t).find(([id]) => id.startsWith(`ComponentAlarms${name}`));
  if (!found) throw new Error(`no alarm ${name}`);
  return found[1];
};
/** Every custom metric an alarm watches, with its namespace and dimensions. */
const customMetrics = (t: Template) =>
  alarms(t).flatMap(([, props]) => [
    ...(props.Namespace && !props.Namespace.startsWith('AWS/')
      ? [{ Namespace: props.Namespace, MetricName: props.MetricName!, Dimensions: props.Dimensions! }]
      : []),
    ...(props.Metrics ?? []).flatMap((m) => (m.MetricStat ? [m.MetricStat.Metric] : [])),
  ]);

/** The names the runtime source passes to Powertools metrics, as quoted literals. */
function runtimeSource(): string {
  const root = path.join(import.meta.dirname, '../..');
  const files = ['shared', 'functions'].flatMap((dir) =>
    readdirSync(path.join(root, dir), { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.ts'))
      .map((file) => path.join(root, dir, file)),
  );
  return files.map((file) => readFileSync(file, 'utf8')).join('\n');
}

/** Each function's production wiring, by the service name its metrics carry. */
const DEPS_FROM_ENV = {
  'push-receiver': createPushDepsFromEnv,
  'token-refresher': createRefresherDepsFromEnv,
  'authorizer-worker': createAuthorizerWorkerDepsFromEnv,
  'authorization-page': createAuthorizationPageDepsFromEnv,
} as const;

/** What a function's Powertools Metrics instance writes (EMF), built from the template's environment. */
function emfOf(service: keyof typeof DEPS_FROM_ENV, env: Record<string, unknown>) {
  const deployed = deployedEnv(env);
  // Powertools reads its namespace from the process environment, as it does in Lambda.
  vi.stubEnv('POWERTOOLS_METRICS_NAMESPACE', deployed.POWERTOOLS_METRICS_NAMESPACE);
  const { metrics } = DEPS_FROM_ENV[service]({ env: deployed });
  metrics.addMetric('Probe', 'Count', 1);
  const emf = metrics.serializeMetrics();
  metrics.clearMetrics();
  return emf as unknown as { _aws: { CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][] }> }; service?: string };
}

/** The schedule that invokes a function with an input. */
function scheduleOf(t: Template, fn: { node: unknown }, action: string) {
  const found = resourcesOf(t, 'AWS::Scheduler::Schedule').filter(([, schedule]) => {
    const target = schedule.Properties!.Target as { Arn: unknown; Input: string };
    return JSON.stringify(target.Arn) === JSON.stringify(arnOf(logicalIdOf(fn as never))) && JSON.parse(target.Input).action === action;
  });
  if (found.length !== 1) throw new Error(`expected one ${action} schedule, found ${found.length}`);
  const [, schedule] = found[0]!;
  return schedule.Properties as { ScheduleExpression: string; Target: { Arn: unknown; Input: string; DeadLetterConfig: { Arn: unknown } } };
}

describe('WechatComponent schedules', { timeout: CDK_TIMEOUT_MS }, () => {
  it('runs the refresher every 5 minutes by default with a refresh request it accepts', () => {
    const schedule = scheduleOf(template, stack.component.tokenRefresher, 'refresh');

    expect(schedule.ScheduleExpression).toBe('rate(5 minutes)');
    expect(JSON.parse(schedule.Target.Input)).toEqual({ action: 'refresh', reason: 'schedule' });
    expect(parseRefreshEvent(JSON.parse(schedule.Target.Input))).toMatchObject({ reason: 'schedule' });
  });

  it('runs at the rate the refreshIntervalMinutes setting gives', () => {
    slowTemplate.hasResourceProperties('AWS::Scheduler::Schedule', { ScheduleExpression: 'rate(10 minutes)' });
  });

  it('runs the authorizer sweep every 5 minutes and the reconcile daily, with requests the worker accepts', () => {
    const sweep = scheduleOf(template, stack.component.authorizerWorker, 'schedule');
    const reconcile = scheduleOf(template, stack.component.authorizerWorker, 'reconcile');

    expect(sweep.ScheduleExpression).toBe('rate(5 minutes)');
    expect(reconcile.ScheduleExpression).toBe('rate(1 day)');
    expect(parseWorkerRequest(JSON.parse(sweep.Target.Input))).toEqual({ action: 'schedule' });
    expect(parseWorkerRequest(JSON.parse(reconcile.Target.Input))).toEqual({ action: 'reconcile' });
    template.resourceCountIs('AWS::Scheduler::Schedule', 3);
  });

  it('runs the sweep at the authorizerSweepInterval prop', () => {
    const { stack: slow, component } = buildComponentStack(() => ({ authorizerSweepInterval: Duration.minutes(10) }));

    expect(scheduleOf(Template.fromStack(slow), component.authorizerWorker, 'schedule').ScheduleExpression).toBe('rate(10 minutes)');
  });

  it('retries every schedule twice, then dead-letters to one encrypted queue that refuses non-TLS access', () => {
    const schedules = resourcesOf(template, 'AWS::Scheduler::Schedule').map(
      ([, schedule]) =>
        schedule.Properties!.Target as {
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [string, string] } };
          RetryPolicy: { MaximumRetryAttempts: number };
        },
    );
    const queueIds = new Set(schedules.map((target) => target.DeadLetterConfig.Arn['Fn::GetAtt'][0]));
    const [queueId] = [...queueIds];
    const queue = template.findResources('AWS::SQS::Queue')[queueId!]!;

    expect(queueIds.size).toBe(1);
    for (const target of schedules) expect(target.RetryPolicy.MaximumRetryAttempts).toBe(2);
    expect(queue.Properties.SqsManagedSseEnabled ?? queue.Properties.KmsMasterKeyId).toBeTruthy();
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: queueId }],
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
      },
    });
  });
});

describe('WechatComponent alarms', { timeout: CDK_TIMEOUT_MS }, () => {
  it('alarm when the newest ticket is older than 30 minutes, or when no ticket age is reported at all', () => {
    expect(alarmNamed(template, 'TicketAge')).toMatchObject({
      MetricName: 'TicketAgeSeconds',
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 1800,
      TreatMissingData: 'breaching',
    });
  });

  it('alarm when the token’s remaining lifetime falls below the refresh margin', () => {
    expect(alarmNamed(template, 'TokenLifetime')).toMatchObject({
      MetricName: 'TokenRemainingSeconds',
      ComparisonOperator: 'LessThanThreshold',
      Threshold: 900,
    });
    expect(alarmNamed(slowTemplate, 'TokenLifetime')).toMatchObject({ Threshold: 1800 });
  });

  it('alarm on refresher errors, WeChat refusals, receiver 5xx and dead-lettered schedules', () => {
    const apiId = logicalIdOf(stack.component.api.httpApi);
    const scheduleTarget = scheduleOf(template, stack.component.tokenRefresher, 'refresh').Target;
    const [queueId] = (scheduleTarget.DeadLetterConfig.Arn as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'];

    expect(alarmNamed(template, 'RefresherErrors')).toMatchObject({
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalIdOf(stack.component.tokenRefresher) } }],
    });
    const refusals = alarmNamed(template, 'WechatRefusals').Metrics!.flatMap((m) => (m.MetricStat ? [m.MetricStat.Metric.MetricName] : []));
    expect(refusals.sort()).toEqual(['WechatConfigErrors', 'WechatQuotaExhausted']);
    expect(alarmNamed(template, 'Receiver5xx')).toMatchObject({
      Namespace: 'AWS/ApiGateway',
      MetricName: '5xx',
      Dimensions: expect.arrayContaining([{ Name: 'ApiId', Value: { Ref: apiId } }]),
    });
    expect(alarmNamed(template, 'ScheduleDeadLetters')).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queueId, 'QueueName'] } }],
    });
    expect(alarms(template)).toHaveLength(ALARM_COUNT);
  });

  it('watch custom metrics in the namespace and with the service dimension the functions publish with', () => {
    const c = stack.component;
    const functions = {
      'push-receiver': c.pushReceiver,
      'token-refresher': c.tokenRefresher,
      'authorizer-worker': c.authorizerWorker,
      'authorization-page': c.authorizationPage,
    } as const;
    const emf = Object.fromEntries(
      Object.entries(functions).map(([service, fn]) => [
        service,
        emfOf(service as keyof typeof functions, functionEnv(template, logicalIdOf(fn))),
      ]),
    );

    for (const [service, written] of Object.entries(emf)) {
      expect(written._aws.CloudWatchMetrics[0]!.Namespace, service).toBe(`WechatComponent/${TEST_APPID}`);
      expect(written._aws.CloudWatchMetrics[0]!.Dimensions, service).toEqual([['service']]);
      expect(written.service, service).toBe(service);
    }
    const watched = customMetrics(template);
    expect(watched.length).toBeGreaterThanOrEqual(6);
    for (const metric of watched) {
      expect(metric.Namespace, metric.MetricName).toBe(`WechatComponent/${TEST_APPID}`);
      expect(metric.Dimensions, metric.MetricName).toHaveLength(1);
      expect(Object.keys(functions), metric.MetricName).toContain(metric.Dimensions[0]!.Value);
    }
  });

  it('watch only metric names the runtime emits', () => {
    const source = runtimeSource();

    for (const metric of customMetrics(template)) expect(source.includes(`'${metric.MetricName}'`), metric.MetricName).toBe(true);
  });

  it('evaluate the refresher’s gauges over at least one schedule interval when the schedule is slower than 5 minutes', () => {
    // The gauges are written once per refresher run; a shorter period would see "missing" (breaching) data between runs.
    for (const name of ['TicketAge', 'TokenLifetime']) expect(alarmNamed(slowTemplate, name).Period, name).toBeGreaterThanOrEqual(600);
    for (const name of ['TicketAge', 'TokenLifetime']) expect(alarmNamed(template, name).Period, name).toBe(300);
  });

  it('send alarm and OK notifications to the given topic', () => {
    const existingTopic = Template.fromStack(lambdaEgressStack());
    const newTopic = Template.fromStack(customDomainStack());
    const [newTopicId] = onlyResourceOf(newTopic, 'AWS::SNS::Topic');

    for (const [t, topic] of [
      [existingTopic, EXISTING_TOPIC_ARN],
      [newTopic, { Ref: newTopicId }],
    ] as const) {
      const all = alarms(t);

      expect(all).toHaveLength(ALARM_COUNT);
      for (const [id, props] of all) {
        expect(props.AlarmActions, id).toEqual([topic]);
        expect(props.OKActions, id).toEqual([topic]);
      }
    }
  });

  it('have no actions when no topic is given', () => {
    for (const [id, props] of alarms(template)) {
      expect(props.AlarmActions, id).toBeUndefined();
      expect(props.OKActions, id).toBeUndefined();
    }
  });

  it('come with a dashboard', () => {
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
  });

  it('graph the refresher’s storage failures after WeChat answered beside its refreshes', () => {
    const [, dashboard] = onlyResourceOf(template, 'AWS::CloudWatch::Dashboard');

    const body = JSON.stringify(dashboard.Properties!.DashboardBody);

    for (const metric of ['TokenRefreshes', 'TokenRefreshFailures', 'RefreshStoreFailures']) expect(body).toContain(`\\"${metric}\\"`);
  });
});

describe('WechatComponent authorizer alarms', { timeout: CDK_TIMEOUT_MS }, () => {
  const queueName = (queue: { node: unknown }) => ({ 'Fn::GetAtt': [logicalIdOf(queue as never), 'QueueName'] });
  const workerMetric = (name: string) => ({
    Namespace: `WechatComponent/${TEST_APPID}`,
    MetricName: name,
    Dimensions: [{ Name: 'service', Value: 'authorizer-worker' }],
  });

  it('alarm as soon as an authorizer job is dead-lettered', () => {
    expect(alarmNamed(template, 'AuthorizerJobsDeadLetters')).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: queueName(stack.component.authorizerJobs.deadLetterQueue) }],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
  });

  it('alarm while any authorizer needs to authorize again (the sweep’s gauge, not the count of transitions)', () => {
    expect(alarmNamed(template, 'AuthorizersNeedingReauth')).toMatchObject({
      ...workerMetric('AuthorizersNeedingReauth'),
      Statistic: 'Maximum',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
    });
  });

  it('alarm at once when WeChat refuses an authorizer refresh with a quota or configuration errcode (the backoff stops retries)', () => {
    const refusals = alarmNamed(template, 'AuthorizerWechatRefusals').Metrics!.flatMap((m) => (m.MetricStat ? [m.MetricStat.Metric] : []));

    expect(refusals.map((m) => m.MetricName).sort()).toEqual(['WechatConfigErrors', 'WechatQuotaExhausted']);
    for (const m of refusals) expect(m.Dimensions).toEqual([{ Name: 'service', Value: 'authorizer-worker' }]);
    expect(alarmNamed(template, 'AuthorizerWechatRefusals')).toMatchObject({ Threshold: 1, EvaluationPeriods: 1 });
  });

  it('alarm when an authorization is lost, by the worker’s exchange or the callback’s', () => {
    const lost = alarmNamed(template, 'AuthorizationsLost').Metrics!.flatMap((m) => (m.MetricStat ? [m.MetricStat.Metric] : []));

    expect(lost.map((m) => [m.MetricName, m.Dimensions[0]!.Value]).sort()).toEqual([
      ['AuthorizationsLost', 'authorization-page'],
      ['AuthorizationsLost', 'authorizer-worker'],
    ]);
  });

  it('alarm when authorizer token refreshes fail for three periods on end, not on one WeChat hiccup', () => {
    expect(alarmNamed(template, 'AuthorizerRefreshFailures')).toMatchObject({
      ...workerMetric('AuthorizerTokenRefreshFailures'),
      Statistic: 'Sum',
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
    });
  });

  it('alarm when the earliest-due authorizer token has less than half the slack a healthy sweep leaves', () => {
    const wideMargin = buildComponentStack(() => ({ refreshMargin: Duration.minutes(30), authorizerSweepInterval: Duration.minutes(10) }));

    expect(alarmNamed(template, 'AuthorizerTokenLifetime')).toMatchObject({
      ...workerMetric('OldestDueTokenRemainingSeconds'),
      Statistic: 'Minimum',
      ComparisonOperator: 'LessThanThreshold',
      // (15 min margin - 5 min sweep) / 2
      Threshold: 300,
      Period: 300,
    });
    // (30 - 10) / 2 minutes, over one sweep interval: the gauge is written once per sweep.
    expect(alarmNamed(Template.fromStack(wideMargin.stack), 'AuthorizerTokenLifetime')).toMatchObject({ Threshold: 600, Period: 600 });
  });

  it('alarm when a job has waited longer than one redelivery and a sweep', () => {
    const [, jobsQueue] = resourcesOf(template, 'AWS::SQS::Queue').find(
      ([id]) => id === logicalIdOf(stack.component.authorizerJobs.queue),
    )!;

    expect(jobsQueue.Properties!.VisibilityTimeout).toBe(1800);
    expect(alarmNamed(template, 'AuthorizerJobsAge')).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateAgeOfOldestMessage',
      Dimensions: [{ Name: 'QueueName', Value: queueName(stack.component.authorizerJobs.queue) }],
      Threshold: 1800 + 300,
      ComparisonOperator: 'GreaterThanThreshold',
    });
  });

  it('graph the authorizers, their refreshes and exchanges, and the jobs queue on the dashboard', () => {
    const [, dashboard] = onlyResourceOf(template, 'AWS::CloudWatch::Dashboard');

    const body = JSON.stringify(dashboard.Properties!.DashboardBody);

    for (const metric of [
      'AuthorizersActive',
      'AuthorizerTokensValid',
      'AuthorizerTokenRefreshes',
      'AuthorizationsExchanged',
      'AuthorizationsLost',
    ])
      expect(body, metric).toContain(`\\"${metric}\\"`);
  });
});
