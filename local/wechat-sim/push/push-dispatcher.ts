/**
 * Delivers pushes to the receiver: applies push faults, counts outcomes and tracks what is in flight.
 */
import { setMaxListeners } from 'node:events';
import type { FaultPlan } from '../fault-plan';
import type { SimStatsRecorder } from '../sim-stats';
import type { IssuedTicket } from '../state/ticket-registry';
import type { PushResult, PushTamper } from '../types';
import { buildPushEnvelope, type PushKeys } from './push-envelope';
import { buildTicketXml } from './push-message-xml';
import { notAnswered, sendPush } from './push-sender';

/** What the dispatcher needs from the simulator around it. */
export interface PushDispatcherDeps {
  pushUrl?: string | undefined;
  keys: PushKeys;
  now: () => number;
  faults: FaultPlan;
  stats: SimStatsRecorder;
  log: (line: string) => void;
}

/** Sends pushes one delivery at a time per call; `whenIdle` waits for all of them. */
export class PushDispatcher {
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly aborter = (() => {
    const aborter = new AbortController();
    // Every push in flight listens on this one signal (close aborts them all); a burst of 100 authorizations is not a
    // leak, so Node's warning at 11 listeners would only be noise.
    setMaxListeners(0, aborter.signal);
    return aborter;
  })();

  constructor(private readonly deps: PushDispatcherDeps) {}

  /** Pushes `ticket`; with the outOfOrder fault, pushes `previous` again right after it. */
  deliverTicket(ticket: IssuedTicket, previous: IssuedTicket | null): Promise<PushResult> {
    const { appid } = this.deps.keys;
    const xml = buildTicketXml({ appid, ...ticket });
    const olderXml = previous ? buildTicketXml({ appid, ...previous }) : null;
    return this.track(this.deliverWithFaults('component_verify_ticket', xml, olderXml));
  }

  /** Pushes an event's inner XML, subject to the drop and duplicate faults. */
  deliverEvent(infoType: string, xml: string): Promise<PushResult> {
    return this.track(this.deliverWithFaults(infoType, xml, null));
  }

  /** Pushes inner XML exactly once, ignoring push faults: it is itself a fault-injection tool. */
  deliverRaw(xml: string, tamper: PushTamper | undefined): Promise<PushResult> {
    const label = tamper ? `raw (tampered ${tamper})` : 'raw';
    return this.track(this.deps.pushUrl ? this.sendOnce(label, xml, tamper) : Promise.resolve(this.noPushUrl(label)));
  }

  /** Resolves once nothing is in flight, including deliveries started while waiting. */
  async whenIdle(): Promise<void> {
    while (this.inFlight.size > 0) {
      await Promise.allSettled([...this.inFlight]);
    }
  }

  /** Aborts deliveries in flight and refuses new ones; resolves when all have settled. */
  async close(): Promise<void> {
    this.aborter.abort();
    await this.whenIdle();
  }

  private track(delivery: Promise<PushResult>): Promise<PushResult> {
    this.inFlight.add(delivery);
    // The caller sees any rejection through `delivery`; this branch only cleans up.
    delivery.finally(() => this.inFlight.delete(delivery)).catch(() => undefined);
    return delivery;
  }

  private async deliverWithFaults(label: string, xml: string, olderTicketXml: string | null): Promise<PushResult> {
    if (!this.deps.pushUrl) return this.noPushUrl(label);
    const { faults, stats, log } = this.deps;
    if (faults.takePushDrop()) {
      stats.recordPush('dropped');
      log(`push ${label}: dropped by fault injection`);
      return notAnswered('push dropped by fault injection');
    }
    // Copies go out after the original has been answered, so tests see a deterministic order.
    const first = await this.sendOnce(label, xml);
    if (faults.duplicatesPushes()) {
      stats.recordPush('duplicated');
      await this.sendOnce(`${label} (duplicate)`, xml);
    }
    if (olderTicketXml !== null && faults.reordersPushes()) {
      stats.recordPush('reordered');
      // Freshly signed with the current timestamp (as a WeChat retry would be), but carrying the older ticket
      // and its older CreateTime: the receiver must not let its stored ticket go backwards.
      await this.sendOnce(`${label} (previous ticket again)`, olderTicketXml);
    }
    return first;
  }

  private async sendOnce(label: string, xml: string, tamper?: PushTamper): Promise<PushResult> {
    const { pushUrl, keys, now, stats, log } = this.deps;
    if (!pushUrl) return this.noPushUrl(label);
    const envelope = buildPushEnvelope({ xml, keys, nowSec: now() / 1000, tamper });
    const result = await sendPush(pushUrl, envelope, this.aborter.signal);
    stats.recordPush('sent');
    stats.recordPush(result.acked ? 'acked' : 'failed');
    const outcome = result.acked ? 'acked' : `not acked (${result.error ?? `HTTP ${result.status}`})`;
    log(`push ${label}: ${outcome}`);
    return result;
  }

  private noPushUrl(label: string): PushResult {
    this.deps.log(`push ${label}: not sent, no pushUrl configured`);
    return notAnswered('no pushUrl configured');
  }
}
