import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLambdaContext } from '../../../local/aws/lambda-context';
import { createLogger, createMetrics, METRICS_NAMESPACE, withObservability } from '../../../shared/log/observability';
import { secretRegistry } from '../../../shared/log/redaction';
import { useCapturedOutput } from '../../support/captured-output';
import { FakeClock } from '../../support/fake-clock';

const clock = new FakeClock();
const contextFor = (functionName: string) =>
  createLambdaContext({
    functionName,
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
    timeoutMs: 30_000,
    now: clock.now,
  });

describe('withObservability', () => {
  const output = useCapturedOutput();

  it('passes the event and context through and returns what the handler returns', async () => {
    const logger = createLogger('obs-passthrough');
    const metrics = createMetrics('obs-passthrough');
    const context = contextFor('obs-passthrough');
    const seen: unknown[] = [];
    const handler = withObservability(logger, metrics, async (event: { n: number }, ctx) => {
      seen.push(event, ctx);
      return event.n * 2;
    });

    const result = await handler({ n: 21 }, context);

    expect(result).toBe(42);
    expect(seen).toEqual([{ n: 21 }, context]);
  });

  it('writes nothing about metrics when an invocation recorded none (no "No application metrics" warning per request)', async () => {
    const handler = withObservability(createLogger('obs-empty'), createMetrics('obs-empty'), async () => 'ok');

    await handler(undefined, contextFor('obs-empty'));

    expect(output.text).not.toContain('No application metrics');
    expect(output.jsonLines().filter((line) => '_aws' in line)).toEqual([]);
  });

  it('adds the Lambda context to the log lines of the invocation', async () => {
    const logger = createLogger('obs-context');
    const context = contextFor('obs-context');
    const handler = withObservability(logger, createMetrics('obs-context'), async () => {
      logger.info('inside');
    });

    await handler(undefined, context);

    expect(output.logs('inside')).toEqual([
      expect.objectContaining({ service: 'obs-context', function_name: 'obs-context', function_request_id: context.awsRequestId }),
    ]);
  });

  it('clears keys appended during an invocation even when the handler throws', async () => {
    const logger = createLogger('obs-reset');
    const failure = new Error('handler failed');
    const handler = withObservability(logger, createMetrics('obs-reset'), async () => {
      logger.appendKeys({ authorizerAppid: 'wx00000000000000aa' });
      logger.info('inside');
      throw failure;
    });

    await expect(handler(undefined, contextFor('obs-reset'))).rejects.toBe(failure);
    logger.info('after');

    expect(output.logs('inside')[0]).toMatchObject({ authorizerAppid: 'wx00000000000000aa' });
    expect(output.logs('after')[0]).not.toHaveProperty('authorizerAppid');
  });

  it('flushes the invocation metrics even when the handler throws', async () => {
    const metrics = createMetrics('obs-metrics');
    const handler = withObservability(createLogger('obs-metrics'), metrics, async () => {
      metrics.addMetric('ObsTestFailures', MetricUnit.Count, 1);
      throw new Error('handler failed');
    });

    await expect(handler(undefined, contextFor('obs-metrics'))).rejects.toThrow('handler failed');

    expect(output.metricSum('ObsTestFailures')).toBe(1);
    const emf = output.jsonLines().find((line) => 'ObsTestFailures' in line);
    expect(emf).toMatchObject({
      _aws: { CloudWatchMetrics: [{ Namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? METRICS_NAMESPACE }] },
    });
  });

  it('masks a value registered during an invocation in that invocation’s log lines, and forgets it afterwards', async () => {
    const logger = createLogger('obs-scope');
    const code = 'CANARY-per-invocation-code-5e1a';
    const handler = withObservability(logger, createMetrics('obs-scope'), async () => {
      secretRegistry.add(code);
      logger.info('inside', { code });
    });

    await handler(undefined, contextFor('obs-scope'));
    const afterwards = secretRegistry.redact(code);

    expect(output.logs('inside')[0]).toMatchObject({ code: '[REDACTED]' });
    expect(afterwards).toBe(code);
  });

  it('keeps the values of concurrent invocations until each of them ends', async () => {
    const logger = createLogger('obs-concurrent');
    let releaseSlow!: () => void;
    const slowMayLog = new Promise<void>((resolve) => (releaseSlow = resolve));
    const handler = withObservability(logger, createMetrics('obs-concurrent'), async (event: { code: string; wait: boolean }) => {
      secretRegistry.add(event.code);
      if (event.wait) await slowMayLog;
      logger.info('concurrent', { code: event.code });
    });

    const slow = handler({ code: 'CANARY-slow-invocation-code-01', wait: true }, contextFor('obs-concurrent'));
    await handler({ code: 'CANARY-fast-invocation-code-02', wait: false }, contextFor('obs-concurrent'));
    releaseSlow();
    await slow;

    expect(output.logs('concurrent').map((line) => line.code)).toEqual(['[REDACTED]', '[REDACTED]']);
    expect(output.text).not.toContain('CANARY-slow-invocation-code-01');
  });

  it('flushes each invocation on its own, so a metric is never published twice', async () => {
    const metrics = createMetrics('obs-once');
    const handler = withObservability(createLogger('obs-once'), metrics, async () => {
      metrics.addMetric('ObsTestCalls', MetricUnit.Count, 1);
    });

    await handler(undefined, contextFor('obs-once'));
    await handler(undefined, contextFor('obs-once'));

    expect(output.metricSum('ObsTestCalls')).toBe(2);
  });
});

describe('withObservability on a cold start', () => {
  const output = useCapturedOutput();
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  // Powertools reads the initialization type when the Logger and Metrics are built, at cold start.
  const coldStartHandler = (service: string, initializationType: string) => {
    vi.stubEnv('AWS_LAMBDA_INITIALIZATION_TYPE', initializationType);
    const logger = createLogger(service);
    return withObservability(logger, createMetrics(service), async () => {
      logger.info('cold start check');
    });
  };

  it('emits one ColdStart metric, on the first invocation of the container only', async () => {
    const handler = coldStartHandler('obs-cold', 'on-demand');

    await handler(undefined, contextFor('obs-cold'));
    await handler(undefined, contextFor('obs-cold'));
    await handler(undefined, contextFor('obs-cold'));

    expect(output.metricSum('ColdStart')).toBe(1);
    const emf = output.jsonLines().find((line) => 'ColdStart' in line);
    expect(emf).toMatchObject({
      service: 'obs-cold',
      function_name: 'obs-cold',
      _aws: { CloudWatchMetrics: [{ Namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? METRICS_NAMESPACE }] },
    });
  });

  it('marks the log lines of the first invocation cold_start true and those of later ones false', async () => {
    const handler = coldStartHandler('obs-cold-log', 'on-demand');

    await handler(undefined, contextFor('obs-cold-log'));
    await handler(undefined, contextFor('obs-cold-log'));

    expect(output.logs('cold start check').map((line) => line.cold_start)).toEqual([true, false]);
  });

  it('emits the ColdStart metric even when the first invocation throws', async () => {
    vi.stubEnv('AWS_LAMBDA_INITIALIZATION_TYPE', 'on-demand');
    const failure = new Error('handler failed');
    const handler = withObservability(createLogger('obs-cold-throw'), createMetrics('obs-cold-throw'), async () => {
      throw failure;
    });

    await expect(handler(undefined, contextFor('obs-cold-throw'))).rejects.toBe(failure);

    expect(output.metricSum('ColdStart')).toBe(1);
  });

  it('emits no ColdStart metric under provisioned concurrency, whose containers start before any request', async () => {
    const handler = coldStartHandler('obs-provisioned', 'provisioned-concurrency');

    await handler(undefined, contextFor('obs-provisioned'));

    expect(output.metricSum('ColdStart')).toBe(0);
    expect(output.logs('cold start check').map((line) => line.cold_start)).toEqual([false]);
  });
});

describe('createLogger', () => {
  const output = useCapturedOutput();

  it('masks values registered with the process-wide registry, in nested keys and error messages', () => {
    const secret = 'CANARY-observability-secret-71c2';
    secretRegistry.add(secret);
    const logger = createLogger('obs-redaction');

    logger.error('refresh failed', { detail: { body: `{"token":"${secret}"}`, list: [secret] }, error: new Error(`bad ${secret}`) });

    expect(output.text).toContain('refresh failed');
    expect(output.text).not.toContain(secret);
    expect(output.logs('refresh failed')[0]).toMatchObject({
      detail: { body: '{"token":"[REDACTED]"}', list: ['[REDACTED]'] },
      error: { message: 'bad [REDACTED]' },
    });
  });
});
