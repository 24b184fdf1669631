import { describe, expect, it } from 'vitest';
import { breakDown, floorCallsOf, unionMs } from '../../bench/callback-steps';

describe('unionMs', () => {
  it('counts time covered by overlapping spans once', () => {
    expect(
      unionMs([
        { start: 0, end: 10 },
        { start: 5, end: 15 },
        { start: 20, end: 25 },
      ]),
    ).toBe(20);
  });

  it('counts a span inside another nothing extra, whatever the order', () => {
    expect(
      unionMs([
        { start: 4, end: 6 },
        { start: 0, end: 10 },
      ]),
    ).toBe(10);
    expect(unionMs([])).toBe(0);
  });
});

describe('floorCallsOf', () => {
  it('has the profile read in the floor of snsapi_userinfo only', () => {
    expect(floorCallsOf('snsapi_base')).toEqual(['state consume', 'code exchange', 'KMS seal', 'user write', 'login-code write']);
    expect(floorCallsOf('snsapi_userinfo')).toEqual([
      'state consume',
      'code exchange',
      'profile read',
      'KMS seal',
      'user write',
      'login-code write',
    ]);
  });
});

describe('breakDown', () => {
  it('splits a callback into its calls, the user write without the seal inside it, and the time outside every call', () => {
    const spans = [
      { step: 'state read', start: 0, end: 1 },
      { step: 'state consume', start: 1, end: 3 },
      { step: 'code exchange', start: 3, end: 4 },
      { step: 'user upsert', start: 4, end: 8 },
      { step: 'KMS seal', start: 4, end: 5 },
      { step: 'login-code write', start: 4, end: 6 },
      { step: 'state complete', start: 8, end: 9 },
    ] as const;

    const steps = breakDown(10, spans);

    expect(steps).toEqual({
      'state read': 1,
      'state consume': 2,
      'code exchange': 1,
      'profile read': 0,
      'KMS seal': 1,
      'user write': 3,
      'state complete': 1,
      'login-code write': 2,
      'outside the calls': 1,
    });
  });
});
