import { describe, expect, it } from 'vitest';
import {
  AUTHORIZER_BACKOFF_MS,
  AUTHORIZER_TOKEN_ERRCODES,
  authorizerPolicyFor,
  retryDelayMs,
} from '../../../shared/authorizer/authorizer-errcode-policy';

const MIN = 60_000;

describe('authorizerPolicyFor', () => {
  it('recovers a refused refresh token (61023) before giving the account up', () => {
    const policy = authorizerPolicyFor(61023);

    expect(policy.action).toBe('recover');
  });

  it('gives the account up when it no longer authorizes the platform (61003)', () => {
    const policy = authorizerPolicyFor(61003);

    expect(policy.action).toBe('reauth');
  });

  it('backs off from the daily quota (45009) and from configuration problems (61004, 61011, 48001)', () => {
    const actions = [45009, 61004, 61011, 48001].map((errcode) => authorizerPolicyFor(errcode).action);

    expect(actions).toEqual(['quota', 'config', 'config', 'config']);
  });

  it('retries -1 (system busy)', () => {
    const policy = authorizerPolicyFor(-1);

    expect(policy.action).toBe('retry');
  });

  it('returns the table entry for every known errcode', () => {
    for (const [errcode, expected] of Object.entries(AUTHORIZER_TOKEN_ERRCODES)) {
      const policy = authorizerPolicyFor(Number(errcode));

      expect(policy, errcode).toBe(expected);
    }
  });

  it('treats an unknown errcode as a configuration problem, so the worker alerts and backs off instead of looping', () => {
    for (const errcode of [0, 40013, 99999, Number.NaN]) {
      const policy = authorizerPolicyFor(errcode);

      expect(policy.action, String(errcode)).toBe('config');
    }
  });
});

describe('AUTHORIZER_BACKOFF_MS', () => {
  it('leaves an authorizer alone 30 min after a quota refusal and 10 min after a configuration one', () => {
    expect(AUTHORIZER_BACKOFF_MS).toEqual({ quota: 30 * MIN, config: 10 * MIN });
  });
});

describe('retryDelayMs', () => {
  it('doubles from one minute with each attempt, up to 15 minutes', () => {
    const delays = [1, 2, 3, 4, 5, 6, 20].map(retryDelayMs);

    expect(delays).toEqual([1, 2, 4, 8, 15, 15, 15].map((minutes) => minutes * MIN));
  });

  it('waits one minute before a first attempt too (attempt 0 or less)', () => {
    expect([0, -3].map(retryDelayMs)).toEqual([MIN, MIN]);
  });
});
