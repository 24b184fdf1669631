import { describe, expect, it } from 'vitest';
import { createRefreshLeases } from '../../../shared/store/refresh-lease';
import { newComponentAppid, storeErrorOf, TABLE_NAME, useLocalTable } from './local-table';

const LEASE_MS = 60_000;

describe('createRefreshLeases', () => {
  const ctx = useLocalTable();

  const newLeases = () =>
    createRefreshLeases({
      dynamo: ctx.local.dynamo,
      tableName: TABLE_NAME,
      componentAppid: ctx.componentAppid,
      leaseDurationMs: LEASE_MS,
      now: ctx.clock.now,
    });

  it('grants a free lease for leaseDurationMs to a new holder', async () => {
    const leases = newLeases();

    const lease = await leases.acquire();

    expect(lease.expiresAtMs).toBe(ctx.clock.now() + LEASE_MS);
    expect(lease.holder).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('throws LEASE_HELD while another holder has the lease', async () => {
    const leases = newLeases();
    await leases.acquire();
    ctx.clock.advance(LEASE_MS - 1);

    const err = await storeErrorOf(leases.acquire());

    expect(err.code).toBe('LEASE_HELD');
  });

  it('grants the lease to exactly one of many concurrent callers', async () => {
    const leases = newLeases();

    const results = await Promise.allSettled(Array.from({ length: 20 }, () => leases.acquire()));

    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results.filter((r) => r.status === 'rejected')) {
      expect((r as PromiseRejectedResult).reason).toMatchObject({ name: 'StoreError', code: 'LEASE_HELD' });
    }
  });

  it('lets the next holder take a lease its crashed holder never released, once it expired', async () => {
    const leases = newLeases();
    const crashed = await leases.acquire();
    ctx.clock.advance(LEASE_MS);

    const next = await leases.acquire();

    expect(next.holder).not.toBe(crashed.holder);
    expect(next.expiresAtMs).toBe(ctx.clock.now() + LEASE_MS);
  });

  it('is free again as soon as its holder releases it', async () => {
    const leases = newLeases();
    const first = await leases.acquire();
    await first.release();

    const second = await leases.acquire();

    expect(second.holder).not.toBe(first.holder);
  });

  it("does not delete the new holder's lease when a slow former holder releases late", async () => {
    const leases = newLeases();
    const slow = await leases.acquire();
    ctx.clock.advance(LEASE_MS);
    await leases.acquire();

    await slow.release();

    const err = await storeErrorOf(leases.acquire());
    expect(err.code).toBe('LEASE_HELD');
  });

  it('treats a second release as a no-op', async () => {
    const lease = await newLeases().acquire();
    await lease.release();

    const again = lease.release();

    await expect(again).resolves.toBeUndefined();
  });

  it('keeps the leases of different components apart', async () => {
    await newLeases().acquire();
    ctx.componentAppid = newComponentAppid();

    const other = await newLeases().acquire();

    expect(other.expiresAtMs).toBe(ctx.clock.now() + LEASE_MS);
  });
});
