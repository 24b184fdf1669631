import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { SK, ticketPk } from '../../../shared/store/table-keys';
import { createTicketStore } from '../../../shared/store/ticket-store';
import { newComponentAppid, TABLE_NAME, useLocalTable } from './local-table';

const CREATE_TIME = 1_795_000_000;
const ticket = (createTime: number, suffix = String(createTime)) => ({
  componentVerifyTicket: `ticket@@@CANARY-${suffix}`,
  createTime,
  receivedAtMs: createTime * 1000 + 250,
});

describe('createTicketStore', () => {
  const ctx = useLocalTable();

  const newStore = () =>
    createTicketStore({
      dynamo: ctx.local.dynamo,
      tableName: TABLE_NAME,
      componentAppid: ctx.componentAppid,
      sealer: ctx.newSealer(),
    });

  it('has no ticket before the first push', async () => {
    const store = newStore();

    const [stored, createTime] = await Promise.all([store.load(), store.loadCreateTime()]);

    expect(stored).toBeNull();
    expect(createTime).toBeNull();
  });

  it('stores the first ticket and loads it back', async () => {
    const store = newStore();

    const outcome = await store.save(ticket(CREATE_TIME));

    expect(outcome).toBe('stored');
    expect(await store.load()).toEqual(ticket(CREATE_TIME));
  });

  it('replaces the ticket with one of a later CreateTime', async () => {
    const store = newStore();
    await store.save(ticket(CREATE_TIME));

    const outcome = await store.save(ticket(CREATE_TIME + 600));

    expect(outcome).toBe('stored');
    expect(await store.load()).toEqual(ticket(CREATE_TIME + 600));
  });

  it('ignores a ticket of an earlier CreateTime, as a late push', async () => {
    const store = newStore();
    await store.save(ticket(CREATE_TIME));

    const outcome = await store.save(ticket(CREATE_TIME - 600));

    expect(outcome).toBe('not-newer');
    expect(await store.load()).toEqual(ticket(CREATE_TIME));
  });

  it('ignores a ticket of the same CreateTime, as a redelivery, even if its value differs', async () => {
    const store = newStore();
    await store.save(ticket(CREATE_TIME, 'first'));

    const outcome = await store.save(ticket(CREATE_TIME, 'second'));

    expect(outcome).toBe('not-newer');
    expect((await store.load())?.componentVerifyTicket).toBe('ticket@@@CANARY-first');
  });

  it('keeps the newest ticket when pushes race in any order', async () => {
    const store = newStore();
    const createTimes = [5, 2, 9, 1, 7, 3, 8, 6, 4, 0].map((i) => CREATE_TIME + i * 600);

    const outcomes = await Promise.all(createTimes.map((createTime) => store.save(ticket(createTime))));

    expect(outcomes).toContain('stored');
    expect(await store.load()).toEqual(ticket(CREATE_TIME + 9 * 600));
  });

  it('reads the CreateTime without calling KMS', async () => {
    const store = newStore();
    await store.save(ticket(CREATE_TIME));
    ctx.local.aws.resetStats();

    const createTime = await store.loadCreateTime();

    expect(createTime).toBe(CREATE_TIME);
    expect(ctx.local.aws.stats().kms).toEqual({});
  });

  it('stores the ticket only in encrypted form', async () => {
    const store = newStore();
    await store.save(ticket(CREATE_TIME));

    const item = (
      await ctx.local.dynamo.send(new GetCommand({ TableName: TABLE_NAME, Key: { pk: ticketPk(ctx.componentAppid), sk: SK.ticket } }))
    ).Item!;

    expect(Object.keys(item).sort()).toEqual(['createTime', 'pk', 'receivedAtMs', 'sk', 'ticketCiphertext']);
    expect(JSON.stringify(item)).not.toContain('CANARY');
    expect(Buffer.from(item.ticketCiphertext as Uint8Array).toString('latin1')).not.toContain('CANARY');
  });

  it('keeps each component to its own ticket', async () => {
    const store = newStore();
    await store.save(ticket(CREATE_TIME));
    ctx.componentAppid = newComponentAppid();
    const other = newStore();

    const loaded = await other.load();

    expect(loaded).toBeNull();
  });
});
