import { describe, expect, it } from 'vitest';
import { beijingDayNumber, DailyQuota } from '../../../local/wechat-sim/state/daily-quota';

describe('beijingDayNumber', () => {
  it('changes at 16:00 UTC, which is 00:00 in Beijing', () => {
    const lastMs = Date.UTC(2025, 0, 15, 15, 59, 59, 999);

    const before = beijingDayNumber(lastMs);
    const after = beijingDayNumber(lastMs + 1);

    expect(after).toBe(before + 1);
  });

  it('does not change at UTC midnight', () => {
    const utcMidnight = Date.UTC(2025, 0, 16, 0, 0, 0);

    expect(beijingDayNumber(utcMidnight - 1)).toBe(beijingDayNumber(utcMidnight));
  });
});

describe('DailyQuota', () => {
  it('allows limitPerDay calls, then refuses without counting the refusal', () => {
    const quota = new DailyQuota(2);
    const nowMs = Date.UTC(2025, 0, 15, 4);

    const results = [quota.tryConsume(nowMs), quota.tryConsume(nowMs), quota.tryConsume(nowMs)];

    expect(results).toEqual([true, true, false]);
    expect(quota.usedToday(nowMs)).toBe(2);
  });

  it('reports zero used on a later day before any call that day', () => {
    const quota = new DailyQuota(2);
    const nowMs = Date.UTC(2025, 0, 15, 4);
    quota.tryConsume(nowMs);

    expect(quota.usedToday(nowMs + 86_400_000)).toBe(0);
  });

  it('refuses every call when the limit is 0', () => {
    const quota = new DailyQuota(0);

    expect(quota.tryConsume(Date.UTC(2025, 0, 15))).toBe(false);
  });
});
