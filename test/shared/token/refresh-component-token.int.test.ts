import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRefreshGuards } from '../../../shared/store/refresh-guards';
import { createTokenStore } from '../../../shared/store/token-store';
import { type RefresherDeps, refreshComponentToken } from '../../../shared/token/refresh-component-token';
import { useCapturedOutput } from '../../support/captured-output';
import { type Harness, startHarness, TEST_SECRETS } from '../../support/harness';

const LEASE_MS = 60_000;
const SCHEDULE = { action: 'refresh', reason: 'schedule' } as const;
const READER_MISS = { action: 'refresh', reason: 'reader-miss' } as const;
const calls = (h: Harness) => h.sim.stats().calls.api_component_token ?? 0;

/** The real stores' code, but writing to a table DynamoDB does not have: every such write fails for real. */
const brokenTable = (h: Harness) => ({
  dynamo: h.dynamo,
  tableName: 'no-such-table',
  componentAppid: TEST_SECRETS.componentAppid,
  now: h.clock.now,
});

describe('refreshComponentToken and the refresh lease', () => {
  let h: Harness;
  let deps: RefresherDeps;
  const output = useCapturedOutput();

  beforeEach(async () => {
    h = await startHarness({ leaseDurationMs: LEASE_MS });
    deps = h.refresherDeps;
    await h.sim.pushTicketNow();
  });
  afterEach(async () => h.close());

  it('keeps the lease when the token write fails after WeChat issued a token, so no request calls WeChat again before it expires', async () => {
    const failingSave = createTokenStore({ ...brokenTable(h), sealer: h.stores.sealer }).save;
    deps = { ...deps, tokens: { ...h.stores.tokens, save: failingSave } };

    const failed = await refreshComponentToken(deps, SCHEDULE).catch((err: unknown) => err);
    const retried = await Promise.all([refreshComponentToken(deps, SCHEDULE), refreshComponentToken(deps, READER_MISS)]);
    h.clock.advance(LEASE_MS);
    const afterExpiry = await refreshComponentToken(deps, SCHEDULE).catch((err: unknown) => err);

    expect(failed).toMatchObject({ name: 'StoreError', code: 'UNAVAILABLE', message: 'DynamoDB PutItem token failed' });
    expect(retried).toEqual([{ status: 'busy' }, { status: 'busy' }]);
    expect(afterExpiry).toMatchObject({ name: 'StoreError', code: 'UNAVAILABLE' });
    expect(calls(h)).toBe(2);
  });

  it('keeps the lease when the backoff after a quota refusal cannot be stored', async () => {
    h.sim.setFaults({ failNext: [{ api: 'api_component_token', errcode: 45009, count: 1 }] });
    deps = { ...deps, guards: { ...h.stores.guards, setBackoff: createRefreshGuards(brokenTable(h)).setBackoff } };

    const failed = await refreshComponentToken(deps, SCHEDULE).catch((err: unknown) => err);
    const retried = await refreshComponentToken(deps, READER_MISS);

    expect(failed).toMatchObject({ name: 'StoreError', message: 'DynamoDB PutItem refresh backoff failed' });
    expect(retried).toEqual({ status: 'busy' });
    expect(output.logs('WeChat answered but its answer could not be stored; keeping the refresh lease until it expires')).toEqual([
      expect.objectContaining({ level: 'ERROR', step: 'store-refusal', reason: 'DynamoDB PutItem refresh backoff failed' }),
    ]);
    expect(calls(h)).toBe(1);
  });

  it('releases the lease when the failure came before WeChat was called', async () => {
    h.aws.injectFault({ service: 'kms', operation: 'Decrypt', errorType: 'KMSInternalException', count: 3 }); // opening the ticket, SDK retries included

    const failed = await refreshComponentToken(deps, SCHEDULE).catch((err: unknown) => err);
    const retried = await refreshComponentToken(deps, SCHEDULE);

    expect(failed).toMatchObject({ name: 'StoreError', message: 'KMS Decrypt failed for component_verify_ticket' });
    expect(retried.status).toBe('refreshed');
    expect(calls(h)).toBe(1);
  });

  it('reports a stored token as refreshed even when clearing the old backoff fails', async () => {
    deps = { ...deps, guards: { ...h.stores.guards, clearBackoff: createRefreshGuards(brokenTable(h)).clearBackoff } };

    const outcome = await refreshComponentToken(deps, SCHEDULE);
    const next = await refreshComponentToken(deps, SCHEDULE);

    expect(outcome).toMatchObject({ status: 'refreshed', version: 1 });
    expect(output.logs('could not clear the refresh backoff')).toEqual([expect.objectContaining({ level: 'WARN', error: 'StoreError' })]);
    expect(next.status).toBe('fresh');
    expect(calls(h)).toBe(1);
  });
});
