import { FakeClock } from '../fake-clock';
import { describeStoreRules, RULES_LEASE_MS, RULES_LOGIN_CODE_TTL_MS } from '../store-rules';
import { createFakeStores } from './fake-stores';

describeStoreRules('in-memory fakes', () => {
  const clock = new FakeClock();
  return { stores: createFakeStores(clock, { leaseDurationMs: RULES_LEASE_MS, loginCodeTtlMs: RULES_LOGIN_CODE_TTL_MS }), clock };
});
