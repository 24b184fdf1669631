import { describe, expect, it } from 'vitest';
import { BACKOFF_MS, COMPONENT_TOKEN_ERRCODES, policyFor } from '../../../shared/token/errcode-policy';

describe('policyFor', () => {
  it('retries -1 (system busy)', () => {
    const policy = policyFor(-1);

    expect(policy.action).toBe('retry');
  });

  it('treats appsecret, allow-list and component problems as configuration', () => {
    const actions = [40125, 41004, 61004, 61011].map((errcode) => policyFor(errcode).action);

    expect(actions).toEqual(['config', 'config', 'config', 'config']);
  });

  it('treats 45009 as the daily quota', () => {
    const policy = policyFor(45009);

    expect(policy.action).toBe('quota');
  });

  it('treats an expired or invalid ticket as a ticket problem', () => {
    const actions = [61005, 61006].map((errcode) => policyFor(errcode).action);

    expect(actions).toEqual(['ticket', 'ticket']);
  });

  it('returns the table entry for every known errcode', () => {
    for (const [errcode, expected] of Object.entries(COMPONENT_TOKEN_ERRCODES)) {
      const policy = policyFor(Number(errcode));

      expect(policy, errcode).toBe(expected);
    }
  });

  it('treats an unknown errcode as a configuration problem, so the refresher alerts instead of looping', () => {
    for (const errcode of [0, 1, 40001, 99999, -2, Number.NaN]) {
      const policy = policyFor(errcode);

      expect(policy, String(errcode)).toEqual({
        meaning: 'unexpected errcode',
        action: 'config',
        operator: 'Look the errcode up in the WeChat documentation.',
      });
    }
  });

  it('gives every known errcode a meaning and an operator action', () => {
    for (const [errcode, policy] of Object.entries(COMPONENT_TOKEN_ERRCODES)) {
      expect(policy.meaning, errcode).not.toBe('');
      expect(policy.operator, errcode).not.toBe('');
    }
  });
});

describe('BACKOFF_MS', () => {
  it('has a positive pause for every action that stops calling WeChat', () => {
    const actions = new Set(Object.values(COMPONENT_TOKEN_ERRCODES).map((policy) => policy.action));
    actions.delete('retry');

    const pauses = [...actions].map((action) => BACKOFF_MS[action as keyof typeof BACKOFF_MS]);

    expect(pauses.every((ms) => typeof ms === 'number' && ms > 0)).toBe(true);
  });
});
