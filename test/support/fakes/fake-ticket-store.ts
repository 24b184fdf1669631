import type { SaveTicketOutcome, StoredTicket, TicketStore } from '../../../shared/store/ticket-store';
import { storeInterventions } from './interventions';

/** TicketStore in memory, with the real one's rule: a ticket is stored only if its CreateTime is newer. */
export class FakeTicketStore implements TicketStore {
  readonly faults = storeInterventions<keyof TicketStore>('ticket store');
  #stored: StoredTicket | null = null;

  async save(ticket: StoredTicket): Promise<SaveTicketOutcome> {
    await this.faults.enter('save');
    if (this.#stored && this.#stored.createTime >= ticket.createTime) return 'not-newer';
    this.#stored = { ...ticket };
    return 'stored';
  }

  async load(): Promise<StoredTicket | null> {
    await this.faults.enter('load');
    return this.#stored ? { ...this.#stored } : null;
  }

  async loadCreateTime(): Promise<number | null> {
    await this.faults.enter('loadCreateTime');
    return this.#stored?.createTime ?? null;
  }

  /** What is stored, read without counting a call. */
  get stored(): StoredTicket | null {
    return this.#stored;
  }
}
