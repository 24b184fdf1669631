import { describe, expect, it } from 'vitest';
import { AUTHORIZER_STATUS_MAX_AGE_MS, createRevokedAuthorizers } from '../../../shared/h5-oauth/revoked-authorizers';
import type { AuthorizerStatusName } from '../../../shared/store/authorizer-store';
import { FakeClock } from '../../support/fake-clock';

const APPID = 'wx1111111111111111';
const OTHER_APPID = 'wx2222222222222222';
const THIRD_APPID = 'wx3333333333333333';

/** An authorizer status store whose answers the test sets, counting the reads. */
function statusStore() {
  const states = new Map<string, AuthorizerStatusName>();
  const store = {
    reads: 0,
    failNext: false,
    set: (appid: string, status: AuthorizerStatusName) => states.set(appid, status),
    async getStatus(appid: string): Promise<{ status: AuthorizerStatusName; lastEventCreateTime: number } | null> {
      store.reads++;
      if (store.failNext) {
        store.failNext = false;
        throw new Error('DynamoDB unavailable');
      }
      const status = states.get(appid);
      return status ? { status, lastEventCreateTime: 1 } : null;
    },
  };
  return store;
}

describe('createRevokedAuthorizers', () => {
  it('is one minute by default', () => {
    expect(AUTHORIZER_STATUS_MAX_AGE_MS).toBe(60_000);
  });

  it('says revoked only for an authorizer whose status is revoked (an unauthorized push), not authorized or needs_reauth', async () => {
    const store = statusStore();
    store.set(APPID, 'revoked');
    store.set(OTHER_APPID, 'authorized');
    store.set(THIRD_APPID, 'needs_reauth');
    const revoked = createRevokedAuthorizers({ authorizers: store, now: new FakeClock().now });

    const answers = await Promise.all([APPID, OTHER_APPID, THIRD_APPID, 'wx4444444444444444'].map((appid) => revoked.isRevoked(appid)));

    expect(answers).toEqual([true, false, false, false]);
  });

  it('reads each authorizer once per minute however many sessions ask, and sees a revocation once the minute is over', async () => {
    const store = statusStore();
    store.set(APPID, 'authorized');
    const clock = new FakeClock();
    const revoked = createRevokedAuthorizers({ authorizers: store, now: clock.now });
    await revoked.isRevoked(APPID);
    store.set(APPID, 'revoked');

    clock.advance(AUTHORIZER_STATUS_MAX_AGE_MS - 1);
    const withinTheMinute = await Promise.all(Array.from({ length: 10 }, () => revoked.isRevoked(APPID)));
    clock.advance(1);
    const afterTheMinute = await revoked.isRevoked(APPID);

    expect(withinTheMinute).toEqual(Array.from({ length: 10 }, () => false));
    expect(afterTheMinute).toBe(true);
    expect(store.reads).toBe(2);
  });

  it('does not keep a failed read: the next request reads again', async () => {
    const store = statusStore();
    store.set(APPID, 'revoked');
    store.failNext = true;
    const revoked = createRevokedAuthorizers({ authorizers: store, now: new FakeClock().now });

    const failed = await revoked.isRevoked(APPID).then(
      () => 'answered',
      () => 'threw',
    );
    const next = await revoked.isRevoked(APPID);

    expect(failed).toBe('threw');
    expect(next).toBe(true);
    expect(store.reads).toBe(2);
  });
});
