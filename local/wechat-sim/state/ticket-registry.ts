/**
 * Every component_verify_ticket the simulator issued, with its CreateTime (docs/wechat-protocol.md §1).
 */
import { randomBytes } from 'node:crypto';

/** A ticket is valid for 12 hours after its CreateTime. */
export const TICKET_VALIDITY_SEC = 12 * 3600;

/** A ticket as pushed: the value and its CreateTime in unix seconds. */
export interface IssuedTicket {
  ticket: string;
  createTime: number;
}

/** Issues tickets and answers whether one is usable at a given instant. */
export class TicketRegistry {
  private readonly createTimeByTicket = new Map<string, number>();
  private readonly issuedInOrder: IssuedTicket[] = [];

  /** Issues a new ticket with CreateTime = `nowMs` in whole seconds. */
  issue(nowMs: number): IssuedTicket {
    const issued: IssuedTicket = {
      ticket: `ticket@@@${randomBytes(48).toString('base64url')}`,
      createTime: Math.floor(nowMs / 1000),
    };
    this.createTimeByTicket.set(issued.ticket, issued.createTime);
    this.issuedInOrder.push(issued);
    return issued;
  }

  /** `unknown` for a ticket never issued here; `expired` from CreateTime + 12 h on. */
  check(ticket: string, nowMs: number): 'ok' | 'expired' | 'unknown' {
    const createTime = this.createTimeByTicket.get(ticket);
    if (createTime === undefined) return 'unknown';
    return nowMs >= (createTime + TICKET_VALIDITY_SEC) * 1000 ? 'expired' : 'ok';
  }

  /** The newest ticket, or null before the first one. */
  latest(): IssuedTicket | null {
    return this.issuedInOrder.at(-1) ?? null;
  }

  /** The ticket issued just before the newest one (what an out-of-order push re-sends). */
  previous(): IssuedTicket | null {
    return this.issuedInOrder.at(-2) ?? null;
  }
}
