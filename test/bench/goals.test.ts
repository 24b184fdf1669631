import { describe, expect, it } from 'vitest';
import type { BundleSizeResult } from '../../bench/bundle-size';
import { LIMITS } from '../../bench/goal-limits';
import { collectGoals, type GoalInputs, judge } from '../../bench/goals';
import { benchInputs } from './bench-results';

describe('judge', () => {
  it.each([
    [1.99, 'at most', 2, 'met'],
    [2, 'at most', 2, 'met'],
    [2.01, 'at most', 2, 'missed'],
    [1.5, 'at least', 1.5, 'met'],
    [1.49, 'at least', 1.5, 'missed'],
    [3.2, 'at least', 1.5, 'met'],
  ] as const)('judges %s %s %s as %s', (ratio, direction, limit, verdict) => {
    expect(judge(ratio, direction, limit)).toBe(verdict);
  });

  it.each([null, undefined, Number.NaN, Number.POSITIVE_INFINITY])('calls a ratio of %s not measured, never met', (ratio) => {
    expect(judge(ratio, 'at most', 2)).toBe('not measured');
    expect(judge(ratio, 'at least', 1)).toBe('not measured');
  });
});

describe('collectGoals', () => {
  it('lists every goal of the service with its ratio, limit and verdict, one cold-load goal per handler', () => {
    const goals = collectGoals(benchInputs());

    expect(goals.map((g) => [g.name, g.ratio, g.limit, g.verdict])).toEqual([
      ['push throughput', 3.3, LIMITS.pushFullOverPeer, 'met'],
      ['push crypto alone', 0.9, LIMITS.cryptoOverWechatCrypto, 'missed'],
      ['junk push refusal, worst case', 1.8, LIMITS.rejectionOverGenuine, 'met'],
      ['receiver p99', 30 / 20, LIMITS.receiverOverFloor, 'met'],
      ['H5 callback p99, snsapi_base', 2.5, LIMITS.h5CallbackOverFloor, 'missed'],
      ['H5 callback p99, snsapi_userinfo', 1.5, LIMITS.h5CallbackOverFloor, 'met'],
      ['token reader miss p99', 1.1, LIMITS.readerMissOverBare, 'met'],
      ['cold module load: push-receiver', 1.2, LIMITS.coldLoadOverBaseline, 'met'],
      ['cold module load: h5-oauth', 1.6, LIMITS.coldLoadOverBaseline, 'missed'],
    ]);
  });

  it('shows the figures behind a ratio: the subject and the baseline as measured', () => {
    const receiver = collectGoals(benchInputs()).find((g) => g.name === 'receiver p99');

    expect(receiver?.figures).toBe('receiver p50 10.00 ms, p99 30.00 ms; PutItem p99 12.00 ms + Encrypt p99 8.00 ms = 20.00 ms');
  });

  it('reports a section that did not run as not measured, naming the section', () => {
    const { receiver: _receiver, h5OAuth: _h5OAuth, ...rest } = benchInputs();

    const goals = collectGoals(rest);

    expect(goals.find((g) => g.name === 'receiver p99')).toMatchObject({
      ratio: null,
      verdict: 'not measured',
      note: expect.stringContaining('receiver'),
    });
    expect(goals.find((g) => g.name === 'H5 callback p99, snsapi_userinfo')?.verdict).toBe('not measured');
    expect(goals.find((g) => g.name === 'push throughput')?.verdict).toBe('met');
  });

  it('reports a handler bundle that failed to load as not measured, with the load error', () => {
    const inputs = benchInputs();
    const bundles = inputs.bundles as BundleSizeResult;
    const failed: GoalInputs = {
      ...inputs,
      bundles: {
        ...bundles,
        bundles: bundles.bundles.map((b, i) =>
          i === 0
            ? {
                ...b,
                loadMsMedian: null,
                cpuMsMedian: null,
                loadOverBaseline: null,
                cpuOverBaseline: null,
                loadError: 'ConfigError: X is missing',
              }
            : b,
        ),
      },
    };

    const goal = collectGoals(failed).find((g) => g.name === 'cold module load: push-receiver');

    expect(goal).toMatchObject({ verdict: 'not measured', note: 'ConfigError: X is missing', figures: '-' });
  });

  it('keeps one cold-load goal, not measured, when no bundle was measured', () => {
    const { bundles: _bundles, ...rest } = benchInputs();

    const coldLoad = collectGoals(rest).filter((g) => g.name.startsWith('cold module load'));

    expect(coldLoad).toHaveLength(1);
    expect(coldLoad[0]?.verdict).toBe('not measured');
  });
});
