import { mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatLastDayReport, loadLastDayReport, type SavedDayReport } from '../../../bench/authorizer-day/last-day-report';

/** The parts of a saved day the summary reads; the rest of a real report is left out. */
function savedDay(authorizers: number, invariantOk: boolean): SavedDayReport {
  return {
    run: { date: '2026-11-30T12:00:00.000Z', node: 'v20.0.0', cpus: 2 },
    summary: {
      authorizers,
      simulatedHours: 24,
      wallSeconds: 1800,
      cpuSeconds: 1700,
      tokenCalls: {
        total: 1,
        perAuthorizerMax: 17,
        perAuthorizerMean: 13.8,
        successfulMax: 14,
        successfulMean: 13.7,
        unfaultedMax: 14,
        overLimit: [],
        histogram: {},
      },
      dynamo: { operations: { Query: 3 }, scans: 0, readUnits: 10, writeUnits: 20, indexWriteUnits: 5, conditionalChecksFailed: 0 },
      kms: { Decrypt: 1 },
      sqs: { SendMessageBatch: 2 },
      lambda: { sqsTriggered: 4, invoked: 5, pushes: 6 },
      invariants: [{ name: 'tokens served that WeChat refuses', value: invariantOk ? '0' : '3', ok: invariantOk }],
    },
    result: {
      reads: { reads: 50, badCount: invariantOk ? 0 : 3 },
      queue: { maxAgeAtDeliveryMs: 1_800_000, maxAgeAtFirstDeliveryMs: 4_000 },
      cost: { perAuthorizers: 10_000, totalUsdPerMonth: 12.5, prices: { region: 'us-east-1', asOf: '2025-06' } },
    } as unknown as SavedDayReport['result'],
  };
}

describe('the last simulated day in bench-output', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'last-day-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('says how to make one when there is none', async () => {
    await writeFile(path.join(dir, 'results.json'), '{}');

    const text = formatLastDayReport(await loadLastDayReport(dir));

    expect(text).toContain('npm run simulate:day -- --authorizers 10000');
  });

  it('summarizes the newest report, naming its file, and any invariant that failed', async () => {
    await writeFile(path.join(dir, 'authorizer-day-10000.json'), JSON.stringify(savedDay(10_000, true)));
    await writeFile(path.join(dir, 'authorizer-day-200.json'), JSON.stringify(savedDay(200, false)));
    await utimes(path.join(dir, 'authorizer-day-10000.json'), new Date(1_000_000), new Date(1_000_000));

    const text = formatLastDayReport(await loadLastDayReport(dir));

    expect(text).toContain('bench-output/authorizer-day-200.json: 200 authorizers');
    expect(text).toContain('FAILED: tokens served that WeChat refuses (3)');
    expect(text).toContain('worst queue lag 4.0 s (first deliveries), 1800.0 s (redeliveries)');
    expect(text).toContain('$12.50');
  });
});
