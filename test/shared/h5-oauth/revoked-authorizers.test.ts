import { describe, expect, it } from 'vitest';
import { AUTHORIZER_STATUS_MAX_AGE_MS, createRevokedAuthorizers } from '../../../shared/h5-oauth/revoked-authorizers';
import type { AuthorizerStatus } from '../../../shared/store/authorization-event-store';
import { FakeClock } from '../../support/fake-clock';

const APPID = 'wx1111111111111111';
const OTHER_APPID = 'wx2222222222222222';

/** An authorizer status store whose answers the test sets, counting the reads. */
function statusStore() {
  const states = new Map<string, AuthorizerStatus['state']>();
  const store = {
    reads: 0,
    failNext: false,
    set: (appid: string, state: AuthorizerStatus['state']) => states.set(appid, state),
    async getAuthorizer(appid: string): Promise<AuthorizerStatus | null> {
      store.reads++;
      if (store.failNext) {
        store.failNext = false;
        throw new Error('DynamoDB unavailable');
      }
      const state = states.get(appid);
      return state ? { authorizerAppid: appid, state, lastInfoType: state, lastEventCreateTime: 1, updatedAtMs: 1 } : null;
    },
  };
  return store;
}

describe('createRevokedAuthorizers', () => {
  it('is one minute by default', () => {
    expect(AUTHORIZER_STATUS_MAX_AGE_MS).toBe(60_000);
  });

  it('says revoked only for an authorizer whose newest event is unauthorized', async () => {
    const store = statusStore();
    store.set(APPID, 'unauthorized');
    store.set(OTHER_APPID, 'authorized');
    const revoked = createRevokedAuthorizers({ authorizers: store, now: new FakeClock().now });

    const answers = await Promise.all([APPID, OTHER_APPID, 'wx3333333333333333'].map((appid) => revoked.isRevoked(appid)));

    expect(answers).toEqual([true, false, false]);
  });

  it('reads each authorizer once per minute however many sessions ask, and sees a revocation once the minute is over', async () => {
    const store = statusStore();
    store.set(APPID, 'authorized');
    const clock = new FakeClock();
    const revoked = createRevokedAuthorizers({ authorizers: store, now: clock.now });
    await revoked.isRevoked(APPID);
    store.set(APPID, 'unauthorized');

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
    store.set(APPID, 'unauthorized');
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
