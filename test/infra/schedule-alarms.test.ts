import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createPushDepsFromEnv } from '../../functions/push-receiver/deps';
import { createRefresherDepsFromEnv } from '../../functions/token-refresher/deps';
import type { WechatComponentStack } from '../../infra/wechat-component-stack';
import { parseRefreshEvent } from '../../shared/token/refresh-request';
import {
  arnOf,
  buildAppStack,
  CDK_TIMEOUT_MS,
  customDomainStack,
  defaultStack,
  EXISTING_TOPIC_ARN,
  functionEnv,
  lambdaEgressStack,
  logicalIdOf,
  onlyResourceOf,
  resourcesOf,
  TEST_APPID,
} from './stacks';

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

/** What a function's Powertools Metrics instance writes (EMF), built from the template's environment. */
function emfOf(kind: 'receiver' | 'refresher', env: Record<string, unknown>) {
  const deployed = Object.fromEntries(
    Object.entries(env).map(([name, value]) => [name, typeof value === 'string' ? value : `resolved-${name}`]),
  );
  // Powertools reads its namespace from the process environment, as it does in Lambda.
  vi.stubEnv('POWERTOOLS_METRICS_NAMESPACE', deployed.POWERTOOLS_METRICS_NAMESPACE);
  const metrics =
    kind === 'receiver' ? createPushDepsFromEnv({ env: deployed }).metrics : createRefresherDepsFromEnv({ env: deployed }).metrics;
  metrics.addMetric('Probe', 'Count', 1);
  const emf = metrics.serializeMetrics();
  metrics.clearMetrics();
  return emf as unknown as { _aws: { CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][] }> }; service?: string };
}

describe('WechatComponent refresh schedule', { timeout: CDK_TIMEOUT_MS }, () => {
  it('runs the refresher every 5 minutes by default with a refresh request it accepts', () => {
    const [, schedule] = onlyResourceOf(template, 'AWS::Scheduler::Schedule');
    const target = schedule.Properties!.Target as { Arn: unknown; Input: string };

    expect(schedule.Properties!.ScheduleExpression).toBe('rate(5 minutes)');
    expect(target.Arn).toEqual(arnOf(logicalIdOf(stack.component.tokenRefresher)));
    expect(JSON.parse(target.Input)).toEqual({ action: 'refresh', reason: 'schedule' });
    expect(parseRefreshEvent(JSON.parse(target.Input))).toMatchObject({ reason: 'schedule' });
  });

  it('runs at the rate the refreshIntervalMinutes setting gives', () => {
    slowTemplate.hasResourceProperties('AWS::Scheduler::Schedule', { ScheduleExpression: 'rate(10 minutes)' });
  });

  it('retries twice, then dead-letters to an encrypted queue that refuses non-TLS access', () => {
    const [queueId, queue] = onlyResourceOf(template, 'AWS::SQS::Queue');

    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      Target: Match.objectLike({ RetryPolicy: Match.objectLike({ MaximumRetryAttempts: 2 }), DeadLetterConfig: { Arn: arnOf(queueId) } }),
    });
    expect(queue.Properties!.SqsManagedSseEnabled ?? queue.Properties!.KmsMasterKeyId).toBeTruthy();
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
    const [queueId] = onlyResourceOf(template, 'AWS::SQS::Queue');

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
    expect(alarms(template)).toHaveLength(6);
  });

  it('watch custom metrics in the namespace and with the service dimension the functions publish with', () => {
    const refresherEmf = emfOf('refresher', functionEnv(template, logicalIdOf(stack.component.tokenRefresher)));
    const receiverEmf = emfOf('receiver', functionEnv(template, logicalIdOf(stack.component.pushReceiver)));

    expect(refresherEmf._aws.CloudWatchMetrics[0]!.Namespace).toBe(`WechatComponent/${TEST_APPID}`);
    expect(refresherEmf._aws.CloudWatchMetrics[0]!.Dimensions).toEqual([['service']]);
    expect([refresherEmf.service, receiverEmf.service]).toEqual(['token-refresher', 'push-receiver']);
    const watched = customMetrics(template);
    expect(watched.length).toBeGreaterThanOrEqual(4);
    for (const metric of watched) {
      expect(metric.Namespace, metric.MetricName).toBe(refresherEmf._aws.CloudWatchMetrics[0]!.Namespace);
      expect(metric.Dimensions, metric.MetricName).toEqual([{ Name: 'service', Value: 'token-refresher' }]);
    }
    expect(receiverEmf._aws.CloudWatchMetrics[0]!.Namespace).toBe(refresherEmf._aws.CloudWatchMetrics[0]!.Namespace);
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

      expect(all).toHaveLength(6);
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
