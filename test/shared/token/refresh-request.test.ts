import { describe, expect, it } from 'vitest';
import { invocationQualifier, mayAskFor, parseRefreshEvent, type RefreshReason } from '../../../shared/token/refresh-request';

const SHA = 'a'.repeat(64);

describe('parseRefreshEvent', () => {
  it('accepts each of the four reasons', () => {
    const events = [
      { action: 'refresh', reason: 'schedule' },
      { action: 'refresh', reason: 'reader-miss' },
      { action: 'refresh', reason: 'invalidate', staleTokenSha256: SHA },
      { action: 'refresh', reason: 'operator' },
    ];

    const parsed = events.map((event) => parseRefreshEvent(event));

    expect(parsed).toEqual(events);
  });

  it('reads an EventBridge Scheduled Event as a scheduled refresh', () => {
    const event = {
      version: '0',
      id: '53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa',
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: '000000000000',
      time: '2026-11-28T00:05:00Z',
      region: 'us-east-1',
      resources: ['arn:aws:events:us-east-1:000000000000:rule/token-refresh'],
      detail: {},
    };

    const parsed = parseRefreshEvent(event);

    expect(parsed).toEqual({ action: 'refresh', reason: 'schedule' });
  });

  it('drops unknown extra fields from an accepted request', () => {
    const parsed = parseRefreshEvent({ action: 'refresh', reason: 'operator', force: true });

    expect(parsed).toEqual({ action: 'refresh', reason: 'operator' });
  });

  it('rejects an invalidate request whose stale token digest is not 64 lower-case hex characters', () => {
    const badDigests = [undefined, '', SHA.slice(1), `${SHA}a`, SHA.toUpperCase(), `${SHA.slice(1)}g`, ` ${SHA.slice(1)}`, 42];
    for (const staleTokenSha256 of badDigests) {
      const parsed = parseRefreshEvent({ action: 'refresh', reason: 'invalidate', staleTokenSha256 });

      expect(parsed, String(staleTokenSha256)).toBeNull();
    }
  });

  it('rejects unknown reasons', () => {
    for (const reason of ['', 'Schedule', 'force', 'invalidate-all', undefined, null, 1]) {
      const parsed = parseRefreshEvent({ action: 'refresh', reason });

      expect(parsed, String(reason)).toBeNull();
    }
  });

  it('rejects any action but refresh', () => {
    for (const action of ['delete', 'Refresh', '', undefined, ['refresh']]) {
      const parsed = parseRefreshEvent({ action, reason: 'schedule' });

      expect(parsed, String(action)).toBeNull();
    }
  });

  it('rejects inputs that are no request at all', () => {
    const inputs = [
      null,
      undefined,
      '',
      'refresh',
      42,
      [],
      [{ action: 'refresh', reason: 'schedule' }],
      {},
      { 'detail-type': 'Object Created', source: 'aws.s3' },
    ];
    for (const input of inputs) {
      const parsed = parseRefreshEvent(input);

      expect(parsed, JSON.stringify(input)).toBeNull();
    }
  });
});

describe('invocationQualifier', () => {
  const FUNCTION_ARN = 'arn:aws:lambda:ap-east-1:123456789012:function:WechatComponent-TokenRefresher-ABC123';

  it('finds no qualifier in the unqualified function ARN the schedule and operators invoke', () => {
    expect(invocationQualifier(FUNCTION_ARN)).toBeNull();
    expect(invocationQualifier('arn:aws-cn:lambda:cn-north-1:123456789012:function:refresher')).toBeNull();
  });

  it('reads the alias or version a caller invoked', () => {
    expect(invocationQualifier(`${FUNCTION_ARN}:reader`)).toBe('reader');
    expect(invocationQualifier(`${FUNCTION_ARN}:$LATEST`)).toBe('$LATEST');
    expect(invocationQualifier(`${FUNCTION_ARN}:7`)).toBe('7');
  });

  it('counts an ARN it cannot read as qualified, so it gets no more than a reader', () => {
    for (const arn of [
      '',
      'token-refresher',
      'token-refresher:reader',
      `${FUNCTION_ARN}:reader:extra`,
      FUNCTION_ARN.replace('function', 'layer'),
    ]) {
      expect(invocationQualifier(arn), arn).not.toBeNull();
    }
  });
});

describe('mayAskFor', () => {
  const ALL: RefreshReason[] = ['schedule', 'reader-miss', 'invalidate', 'operator'];

  it('allows every reason through the unqualified function', () => {
    for (const reason of ALL) expect(mayAskFor(reason, null), reason).toBe(true);
  });

  it('allows only the reader reasons through the reader alias, or any other qualifier', () => {
    for (const qualifier of ['reader', '$LATEST', '3', '?']) {
      const allowed = ALL.filter((reason) => mayAskFor(reason, qualifier));

      expect(allowed, qualifier).toEqual(['reader-miss', 'invalidate']);
    }
  });
});
