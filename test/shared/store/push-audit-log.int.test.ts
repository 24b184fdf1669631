import { describe, expect, it } from 'vitest';
import { createPushAuditLog, type PushAuditRecord } from '../../../shared/store/push-audit-log';
import { newComponentAppid, TABLE_NAME, useLocalTable } from './local-table';

const DAY_START = Date.parse('2026-11-28T00:00:00.000Z');
const DAY_MS = 86_400_000;

const auditRecord = (receivedAtMs: number, outcome = 'stored'): PushAuditRecord => ({
  infoType: 'component_verify_ticket',
  createTime: Math.floor(receivedAtMs / 1000),
  receivedAtMs,
  outcome,
});

describe('createPushAuditLog', () => {
  const ctx = useLocalTable();

  const newLog = () => createPushAuditLog({ dynamo: ctx.local.dynamo, tableName: TABLE_NAME, componentAppid: ctx.componentAppid });

  it('lists nothing for a day without pushes', async () => {
    const log = newLog();

    const records = await log.listDay(DAY_START);

    expect(records).toEqual([]);
  });

  it("lists a day's records oldest first, whatever order they were written in", async () => {
    const log = newLog();
    const times = [DAY_START + 3_600_000, DAY_START, DAY_START + 60_000, DAY_START + DAY_MS - 1, DAY_START + 600_000];
    for (const receivedAtMs of times) await log.record(auditRecord(receivedAtMs));

    const records = await log.listDay(DAY_START + 12 * 3_600_000);

    expect(records.map((r) => r.receivedAtMs)).toEqual([...times].sort((a, b) => a - b));
  });

  it('keeps the previous and the next UTC day out of the list', async () => {
    const log = newLog();
    await log.record(auditRecord(DAY_START - 1));
    await log.record(auditRecord(DAY_START + 1000));
    await log.record(auditRecord(DAY_START + DAY_MS));

    const records = await log.listDay(DAY_START);

    expect(records.map((r) => r.receivedAtMs)).toEqual([DAY_START + 1000]);
  });

  it('returns each record as written, without the table keys', async () => {
    const log = newLog();
    const record: PushAuditRecord = {
      infoType: 'authorized',
      createTime: 1_795_000_000,
      receivedAtMs: DAY_START + 5,
      authorizerAppid: 'wx00000000000000a1',
      outcome: 'recorded',
    };
    await log.record(record);

    const records = await log.listDay(DAY_START);

    expect(records).toEqual([record]);
  });

  it('keeps two pushes received in the same millisecond', async () => {
    const log = newLog();
    await log.record(auditRecord(DAY_START + 42, 'stored'));
    await log.record(auditRecord(DAY_START + 42, 'not-newer'));

    const records = await log.listDay(DAY_START);

    expect(records.map((r) => r.outcome).sort()).toEqual(['not-newer', 'stored']);
  });

  it('keeps each component to its own log', async () => {
    await newLog().record(auditRecord(DAY_START + 1));
    ctx.componentAppid = newComponentAppid();
    const other = newLog();

    const records = await other.listDay(DAY_START);

    expect(records).toEqual([]);
  });
});
