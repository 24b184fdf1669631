/**
 * The api_component_token daily call quota (errcode 45009 when exhausted, docs/wechat-protocol.md §3).
 */

const MS_PER_DAY = 86_400_000;
/** WeChat's day starts at 00:00 Beijing time, which is UTC+8 all year (China has no daylight saving). */
const BEIJING_OFFSET_MS = 8 * 3_600_000;

/** Number of the Beijing calendar day containing `nowMs`, counted from 1970-01-01 (Beijing). */
export function beijingDayNumber(nowMs: number): number {
  return Math.floor((nowMs + BEIJING_OFFSET_MS) / MS_PER_DAY);
}

/** Counts calls per Beijing day and refuses them once `limitPerDay` is reached. */
export class DailyQuota {
  private day = Number.NaN;
  private used = 0;

  constructor(private readonly limitPerDay: number) {}

  /** Uses one call of today's quota; false (nothing used) when the quota is exhausted. */
  tryConsume(nowMs: number): boolean {
    this.rollOver(nowMs);
    if (this.used >= this.limitPerDay) return false;
    this.used += 1;
    return true;
  }

  /** Calls used on the Beijing day containing `nowMs`. */
  usedToday(nowMs: number): number {
    return beijingDayNumber(nowMs) === this.day ? this.used : 0;
  }

  private rollOver(nowMs: number): void {
    const today = beijingDayNumber(nowMs);
    if (today !== this.day) {
      this.day = today;
      this.used = 0;
    }
  }
}
