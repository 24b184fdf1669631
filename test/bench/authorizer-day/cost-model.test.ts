import { describe, expect, it } from 'vitest';
import { costPerMonth, PRICES, SQS_IDLE_RECEIVES_PER_DAY } from '../../../bench/authorizer-day/cost-model';
import { type Counters, PHASES, type Phase } from '../../../bench/authorizer-day/day-counters';

const noPhases = () => Object.fromEntries(PHASES.map((phase) => [phase, {} as Counters])) as Record<Phase, Counters>;
const line = (model: ReturnType<typeof costPerMonth>, item: string) => model.lines.find((entry) => entry.item === item);

describe('costPerMonth', () => {
  it('scales what the service did for N authorizers in a day to 10,000 authorizers and 30 days', () => {
    const phases = noPhases();
    phases.worker = {
      'dynamo.UpdateItem': 2_000,
      'dynamo.UpdateItem.writeUnits': 4_000,
      'dynamoUnits.write': 4_000,
      'dynamoUnits.indexWrite': 2_000,
      'lambda.sqsTriggered': 100,
    };

    const model = costPerMonth({ authorizers: 1_000, phases, customMetrics: 0, storageBytes: 0 });

    // (4,000 + 2,000) write units a day x 10 x 30.
    expect(line(model, 'DynamoDB writes (service)')).toMatchObject({ quantityPerMonth: 1_800_000, unit: 'WRU' });
    expect(line(model, 'DynamoDB writes (service)')?.usdPerMonth).toBeCloseTo(1.8 * PRICES.dynamoWriteRequestUnitsPerMillion, 10);
    // 100 invocations: a receive and a delete each, x 300.
    expect(line(model, 'SQS requests (service)')?.quantityPerMonth).toBe(60_000);
    // 100 batches of 400 ms at 256 MB, x 300.
    expect(line(model, 'Lambda duration (service)')?.quantityPerMonth).toBeCloseTo(100 * 0.4 * 0.25 * 300, 6);
  });

  it('bills the log lines and metric documents the functions wrote as CloudWatch Logs ingestion', () => {
    const phases = noPhases();
    phases.worker = { 'logs.bytes': 1024 ** 3 / 300 };

    const model = costPerMonth({ authorizers: 10_000, phases, customMetrics: 0, storageBytes: 0 });

    // A 300th of a GB a day, 30 days.
    expect(line(model, 'CloudWatch Logs (service)')?.quantityPerMonth).toBeCloseTo(0.1, 10);
    expect(line(model, 'CloudWatch Logs (service)')?.usdPerMonth).toBeCloseTo(0.1 * PRICES.cloudWatchLogsIngestionPerGb, 10);
  });

  it('charges a failed conditional write what a successful one cost on average, and half a read unit per Query at least', () => {
    const phases = noPhases();
    phases.worker = {
      'dynamo.UpdateItem': 11,
      'dynamo.UpdateItem.writeUnits': 20,
      'dynamo.UpdateItem.conditionalCheckFailed': 1,
      'dynamoUnits.write': 20,
      'dynamo.Query': 4,
      'dynamoUnits.read': 1,
    };

    const model = costPerMonth({ authorizers: 10_000, phases, customMetrics: 0, storageBytes: 0 });

    expect(line(model, 'DynamoDB writes (service)')?.quantityPerMonth).toBe((20 + 2) * 30);
    expect(line(model, 'DynamoDB reads (service)')?.quantityPerMonth).toBe((1 + 2) * 30);
  });

  it('does not scale the component token upkeep, the idle long polls, the metrics or the key with the authorizers', () => {
    const phases = noPhases();
    phases.component = { 'dynamo.GetItem': 900, 'dynamoUnits.read': 900 };

    const small = costPerMonth({ authorizers: 100, phases, customMetrics: 15, storageBytes: 0 });
    const large = costPerMonth({ authorizers: 10_000, phases, customMetrics: 15, storageBytes: 0 });

    for (const item of [
      'DynamoDB reads (component token upkeep)',
      'SQS idle long polls (event source)',
      'CloudWatch custom metrics',
      'KMS key',
    ])
      expect(line(small, item), item).toEqual(line(large, item));
    expect(line(large, 'SQS idle long polls (event source)')?.quantityPerMonth).toBe(SQS_IDLE_RECEIVES_PER_DAY * 30);
    expect(line(large, 'CloudWatch custom metrics')?.usdPerMonth).toBeCloseTo(15 * PRICES.cloudWatchMetricPerMonth, 10);
  });

  it('adds the lines up, leaving out what was not used', () => {
    const model = costPerMonth({ authorizers: 10_000, phases: noPhases(), customMetrics: 0, storageBytes: 0 });

    expect(model.lines.map((entry) => entry.item)).toEqual(['SQS idle long polls (event source)', 'KMS key']);
    expect(model.totalUsdPerMonth).toBeCloseTo(SQS_IDLE_RECEIVES_PER_DAY * 30 * 0.4e-6 + 1, 10);
  });
});
