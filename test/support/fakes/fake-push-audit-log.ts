import type { PushAuditLog, PushAuditRecord } from '../../../shared/store/push-audit-log';
import { storeInterventions } from './interventions';

const DAY_MS = 86_400_000;

/** PushAuditLog in memory: every record kept in arrival order, listed by UTC day. */
export class FakePushAuditLog implements PushAuditLog {
  readonly faults = storeInterventions<keyof PushAuditLog>('push audit log');
  readonly records: PushAuditRecord[] = [];

  async record(record: PushAuditRecord): Promise<void> {
    await this.faults.enter('record');
    this.records.push({ ...record });
  }

  async listDay(dayMs: number): Promise<PushAuditRecord[]> {
    await this.faults.enter('listDay');
    const day = Math.floor(dayMs / DAY_MS);
    return this.records.filter((record) => Math.floor(record.receivedAtMs / DAY_MS) === day).map((record) => ({ ...record }));
  }
}
