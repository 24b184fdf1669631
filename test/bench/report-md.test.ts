import { describe, expect, it } from 'vitest';
import { collectGoals } from '../../bench/goals';
import {
  chartSeries,
  goalsTable,
  markdownTable,
  memoryJustification,
  type ReportInput,
  renderReport,
  withDeployedMemorySizes,
} from '../../bench/report-md';
import { benchInputs, receiverResult, rssResult, signInResult, tokenReaderResult } from './bench-results';

function reportInput(overrides: Partial<ReportInput> = {}): ReportInput {
  return {
    date: '2026-11-30T12:00:00.000Z',
    node: 'v20.20.2',
    cpus: 2,
    cpuModel: 'Test CPU',
    sectionMs: { receiver: 12_000, rss: 30_000 },
    totalMs: 150_000,
    goals: collectGoals(benchInputs()),
    receiver: receiverResult(),
    tokenReader: tokenReaderResult(),
    h5OAuth: signInResult(),
    rss: rssResult(),
    failures: {},
    chartFile: 'latency.svg',
    ...overrides,
  };
}

describe('markdownTable', () => {
  it('escapes a | in a cell so it cannot split the row', () => {
    const table = markdownTable(['a', 'b'], [['x|y', 'z']]);

    expect(table.split('\n')[2]).toBe('| x\\|y | z |');
  });
});

describe('goalsTable', () => {
  it('has one row per goal with its ratio, limit and verdict, a miss in capitals', () => {
    const rows = goalsTable(collectGoals(benchInputs())).split('\n').slice(2);

    expect(rows).toHaveLength(9);
    expect(rows[0]).toMatch(/^\| push throughput \| 3\.30× \| ≥ 1\.5× \| \*\*met\*\* \|/);
    expect(rows[4]).toMatch(/^\| H5 callback p99, snsapi_base \| 2\.50× \| ≤ 2× \| \*\*MISSED\*\* \|/);
  });
});

describe('renderReport', () => {
  it('counts the goals met, embeds the chart and has a section per measured part', () => {
    const report = renderReport(reportInput());

    expect(report).toContain('## Goals: 6 of 9 met');
    expect(report).toContain('![latency distributions](latency.svg)');
    for (const heading of [
      '### Push receiver',
      '### Component token reader',
      '### H5 callback, step by step',
      '### Memory: peak RSS over 1000',
    ]) {
      expect(report).toContain(heading);
    }
    expect(report).toContain('Run time 150.0 s (receiver 12.0 s, rss 30.0 s).');
  });

  it('lists the callback step by step next to the bare call of each unavoidable step, the profile read for snsapi_userinfo only', () => {
    const report = renderReport(reportInput());

    const [base, userinfo] = report.split('snsapi_userinfo, 100 sign-ins').map((part) => part.split('\n'));
    expect(base).toContain('| state consume | 100 | 1.00 ms | 4.00 ms | 8.00 ms | 1.00 ms | 4.00 ms |');
    expect(base).toContain('| state read | 100 | 1.00 ms | 4.00 ms | 8.00 ms | - | - |');
    expect(base).toContain('| profile read | 100 | 1.00 ms | 4.00 ms | 8.00 ms | - | - |');
    expect(userinfo).toContain('| profile read | 100 | 1.00 ms | 4.00 ms | 8.00 ms | 1.00 ms | 4.00 ms |');
  });

  it('names the sections that failed, and leaves out what they would have shown', () => {
    const report = renderReport(reportInput({ receiver: undefined, failures: { receiver: 'the gateway answered 500' } }));

    expect(report).toContain('- receiver: the gateway answered 500');
    expect(report).not.toContain('### Push receiver');
  });

  it('ends with a single newline', () => {
    expect(renderReport(reportInput()).endsWith('\n')).toBe(true);
    expect(renderReport(reportInput()).endsWith('\n\n')).toBe(false);
  });
});

describe('memoryJustification', () => {
  it('keeps the memory size when half of it would hold the peak, saying why (CPU, not room)', () => {
    const text = memoryJustification(rssResult([60, 90]));

    expect(text).toContain('The highest peak is 90 MiB (h5-oauth), 35 % of the 256 MiB');
    expect(text).toContain('128 MiB would hold that peak too');
  });

  it('keeps it when half would not hold the peak with 20 % room', () => {
    expect(memoryJustification(rssResult([90, 110]))).toContain('128 MiB would not hold that peak');
  });

  it('asks for more when the peak leaves under 20 % headroom', () => {
    expect(memoryJustification(rssResult([100, 220]))).toContain('should go up');
  });

  it('says nothing can be said when no handler was measured', () => {
    const none = { ...rssResult(), handlers: rssResult().handlers.map((h) => ({ ...h, error: 'exited', peakRssBytes: 0 })) };

    expect(memoryJustification(none)).toMatch(/^No handler was measured/);
  });
});

describe('chartSeries', () => {
  it('draws the receiver, the callback and the reader miss and hit, with the reader baseline dashed, all in ms', () => {
    const series = chartSeries({ receiver: receiverResult(), tokenReader: tokenReaderResult(), h5OAuth: signInResult() });

    expect(series.map((s) => [s.name.split(' (')[0], s.dashed ?? false])).toEqual([
      ['push receiver', false],
      ['H5 callback', false],
      ['H5 callback', false],
      ['token reader miss', false],
      ['bare GetItem + KMS Decrypt', true],
      ['token reader hit', false],
    ]);
    expect(series[3]?.valuesMs[0]).toBeCloseTo(tokenReaderResult().cases[1]!.curveUs[0]! / 1000);
  });

  it('leaves out the parts that were not measured', () => {
    expect(chartSeries({ receiver: receiverResult() }).map((s) => s.name)).toEqual(['push receiver (HTTP → stored → success)']);
  });
});

describe('withDeployedMemorySizes', () => {
  it("takes each handler's memory size from the synthesized template, and keeps the bench's own where the template has none", () => {
    const deployed = { bundles: [{ handler: 'h5-oauth', memorySizeMiB: 512 }] } as Parameters<typeof withDeployedMemorySizes>[1];

    const rss = withDeployedMemorySizes(rssResult([128, 128]), deployed);

    expect(rss.handlers.map((h) => [h.name, h.memorySizeMiB, h.peakOverMemorySize])).toEqual([
      ['push-receiver', 256, 0.5],
      ['h5-oauth', 512, 0.25],
    ]);
  });
});
