import { beforeEach, describe, expect, it } from 'vitest';
import { readComponentHealth } from '../../../shared/health/component-health';
import { createTicketStore } from '../../../shared/store/ticket-store';
import { createTokenStore } from '../../../shared/store/token-store';
import { TICKET_VALIDITY_SEC } from '../../../shared/token/refresh-component-token';
import { TABLE_NAME, useLocalTable } from '../store/local-table';

const TICKET = 'ticket@@@CANARY-health-ticket-5d2e';
const TOKEN = 'CANARY-health-token-8a41';
const HOUR_MS = 3_600_000;

describe('readComponentHealth', () => {
  const ctx = useLocalTable();
  let stores: { tickets: ReturnType<typeof createTicketStore>; tokens: ReturnType<typeof createTokenStore> };

  beforeEach(() => {
    const base = { dynamo: ctx.local.dynamo, tableName: TABLE_NAME, componentAppid: ctx.componentAppid, sealer: ctx.newSealer() };
    stores = { tickets: createTicketStore(base), tokens: createTokenStore(base) };
  });

  const readHealth = () => readComponentHealth({ componentAppid: ctx.componentAppid, ...stores, now: ctx.clock.now });
  const storeTicketAgedSec = (ageSec: number) =>
    stores.tickets.save({
      componentVerifyTicket: TICKET,
      createTime: ctx.clock.nowSec - ageSec,
      receivedAtMs: ctx.clock.now() - ageSec * 1000,
    });
  const storeTokenExpiringIn = (ms: number) =>
    stores.tokens.save({
      componentAccessToken: TOKEN,
      fetchedAtMs: ctx.clock.now(),
      expiresAtMs: ctx.clock.now() + ms,
      expectedVersion: 0,
    });

  it('is ok with a ticket younger than 12 hours and an unexpired token', async () => {
    await storeTicketAgedSec(600);
    await storeTokenExpiringIn(2 * HOUR_MS);

    const health = await readHealth();

    expect(health).toEqual({
      status: 'ok',
      componentAppid: ctx.componentAppid,
      ticket: { createTime: ctx.clock.nowSec - 600, ageSec: 600, valid: true },
      componentToken: { expiresAt: new Date(ctx.clock.now() + 2 * HOUR_MS).toISOString(), remainingSec: 7200, version: 1 },
      problems: [],
    });
  });

  it('is degraded before any ticket or token, naming both problems', async () => {
    const health = await readHealth();

    expect(health).toEqual({
      status: 'degraded',
      componentAppid: ctx.componentAppid,
      ticket: { createTime: null, ageSec: null, valid: false },
      componentToken: { expiresAt: null, remainingSec: null, version: null },
      problems: ['no component_verify_ticket received yet', 'no valid component_access_token'],
    });
  });

  it('is degraded once the ticket is 12 hours old', async () => {
    await storeTicketAgedSec(TICKET_VALIDITY_SEC);
    await storeTokenExpiringIn(2 * HOUR_MS);

    const health = await readHealth();

    expect(health.status).toBe('degraded');
    expect(health.ticket).toEqual({ createTime: ctx.clock.nowSec - TICKET_VALIDITY_SEC, ageSec: TICKET_VALIDITY_SEC, valid: false });
    expect(health.problems).toEqual(['component_verify_ticket expired']);
  });

  it('still counts a ticket valid one second before 12 hours', async () => {
    await storeTicketAgedSec(TICKET_VALIDITY_SEC - 1);
    await storeTokenExpiringIn(2 * HOUR_MS);

    const health = await readHealth();

    expect(health.status).toBe('ok');
    expect(health.ticket.valid).toBe(true);
  });

  it('is degraded once the token has expired, still showing its version and expiry', async () => {
    await storeTicketAgedSec(600);
    await storeTokenExpiringIn(2 * HOUR_MS);
    ctx.clock.advance(2 * HOUR_MS);

    const health = await readHealth();

    expect(health.status).toBe('degraded');
    expect(health.componentToken).toMatchObject({ remainingSec: 0, version: 1 });
    expect(health.problems).toEqual(['no valid component_access_token']);
  });

  it('never holds the ticket or the token, and never decrypts them', async () => {
    await storeTicketAgedSec(600);
    await storeTokenExpiringIn(2 * HOUR_MS);
    ctx.local.aws.resetStats();

    const health = await readHealth();

    const json = JSON.stringify(health);
    expect(json).not.toContain(TICKET);
    expect(json).not.toContain(TOKEN);
    expect(json).not.toContain('CANARY');
    expect(ctx.local.aws.stats().kms.Decrypt ?? 0).toBe(0);
  });
});
