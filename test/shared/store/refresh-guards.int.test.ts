import { describe, expect, it } from 'vitest';
import { createRefreshGuards } from '../../../shared/store/refresh-guards';
import { TABLE_NAME, useLocalTable } from './local-table';

const INTERVAL_MS = 10 * 60_000;

describe('createRefreshGuards', () => {
  const ctx = useLocalTable();

  const newGuards = () =>
    createRefreshGuards({ dynamo: ctx.local.dynamo, tableName: TABLE_NAME, componentAppid: ctx.componentAppid, now: ctx.clock.now });

  describe('claimStartPushTicket', () => {
    it('grants the first claim', async () => {
      const guards = newGuards();

      const claimed = await guards.claimStartPushTicket(INTERVAL_MS);

      expect(claimed).toBe(true);
    });

    it('refuses a claim within the interval of the last granted one', async () => {
      const guards = newGuards();
      await guards.claimStartPushTicket(INTERVAL_MS);
      ctx.clock.advance(INTERVAL_MS - 1);

      const claimed = await guards.claimStartPushTicket(INTERVAL_MS);

      expect(claimed).toBe(false);
    });

    it('grants a claim once the interval has passed', async () => {
      const guards = newGuards();
      await guards.claimStartPushTicket(INTERVAL_MS);
      ctx.clock.advance(INTERVAL_MS);

      const claimed = await guards.claimStartPushTicket(INTERVAL_MS);

      expect(claimed).toBe(true);
    });

    it('counts the interval from the last granted claim, not from refused ones', async () => {
      const guards = newGuards();
      await guards.claimStartPushTicket(INTERVAL_MS);
      ctx.clock.advance(INTERVAL_MS / 2);
      await guards.claimStartPushTicket(INTERVAL_MS);
      ctx.clock.advance(INTERVAL_MS / 2);

      const claimed = await guards.claimStartPushTicket(INTERVAL_MS);

      expect(claimed).toBe(true);
    });

    it('grants at most one of 20 concurrent claims', async () => {
      const guards = newGuards();

      const claims = await Promise.all(Array.from({ length: 20 }, () => guards.claimStartPushTicket(INTERVAL_MS)));

      expect(claims.filter(Boolean)).toHaveLength(1);
    });

    it('grants at most one of 20 concurrent claims in each later interval too', async () => {
      const guards = newGuards();
      await guards.claimStartPushTicket(INTERVAL_MS);
      ctx.clock.advance(INTERVAL_MS);

      const claims = await Promise.all(Array.from({ length: 20 }, () => guards.claimStartPushTicket(INTERVAL_MS)));

      expect(claims.filter(Boolean)).toHaveLength(1);
    });
  });

  describe('refresh backoff', () => {
    it('has no backoff until one is set', async () => {
      const guards = newGuards();

      const backoff = await guards.loadBackoff();

      expect(backoff).toBeNull();
    });

    it('loads the backoff that was set', async () => {
      const guards = newGuards();
      await guards.setBackoff({ errcode: 45009, untilMs: ctx.clock.now() + 30 * 60_000 });

      const backoff = await guards.loadBackoff();

      expect(backoff).toEqual({ errcode: 45009, untilMs: ctx.clock.now() + 30 * 60_000 });
    });

    it('keeps the CreateTime of the ticket WeChat refused', async () => {
      const guards = newGuards();
      await guards.setBackoff({ errcode: 61006, untilMs: ctx.clock.now() + 60 * 60_000, rejectedTicketCreateTime: 1_795_000_000 });

      const backoff = await guards.loadBackoff();

      expect(backoff).toEqual({ errcode: 61006, untilMs: ctx.clock.now() + 60 * 60_000, rejectedTicketCreateTime: 1_795_000_000 });
    });

    it('replaces an earlier backoff', async () => {
      const guards = newGuards();
      await guards.setBackoff({ errcode: 61006, untilMs: ctx.clock.now() + 60 * 60_000, rejectedTicketCreateTime: 1_795_000_000 });

      await guards.setBackoff({ errcode: 40125, untilMs: ctx.clock.now() + 10 * 60_000 });

      expect(await guards.loadBackoff()).toEqual({ errcode: 40125, untilMs: ctx.clock.now() + 10 * 60_000 });
    });

    it('ignores a backoff whose time is up, although the item is still there', async () => {
      const guards = newGuards();
      await guards.setBackoff({ errcode: 45009, untilMs: ctx.clock.now() + 30 * 60_000 });
      ctx.clock.advance(30 * 60_000 - 1);
      const justBefore = await guards.loadBackoff();
      ctx.clock.advance(1);

      const atExpiry = await guards.loadBackoff();

      expect(justBefore).not.toBeNull();
      expect(atExpiry).toBeNull();
    });

    it('has no backoff once it is cleared', async () => {
      const guards = newGuards();
      await guards.setBackoff({ errcode: 45009, untilMs: ctx.clock.now() + 30 * 60_000 });

      await guards.clearBackoff();

      expect(await guards.loadBackoff()).toBeNull();
    });

    it('clears without complaint when no backoff is set', async () => {
      const guards = newGuards();

      const cleared = guards.clearBackoff();

      await expect(cleared).resolves.toBeUndefined();
    });
  });
});
