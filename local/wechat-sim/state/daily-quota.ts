/**
<<<<<<< HEAD
 * The api_component_token daily call quota (errcode 45009 when exhausted, docs/wechat-protocol.md §3).
=======
 * Daily call quotas (errcode 45009 when exhausted, docs/wechat-protocol.md §3 and §4): api_component_token's,
 * and books of quotas keyed by API name or by authorizer.
>>>>>>> i9-sim9
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

/** One DailyQuota per key, created on first use; a key whose limit is undefined is never limited. */
export class DailyQuotaBook {
  private readonly quotas = new Map<string, DailyQuota>();

  constructor(private readonly limitOf: (key: string) => number | undefined) {}

  /** Uses one call of `key`'s quota for today; false (nothing used) when it is exhausted. */
  tryConsume(key: string, nowMs: number): boolean {
    const limit = this.limitOf(key);
    if (limit === undefined) return true;
    let quota = this.quotas.get(key);
    if (!quota) {
      quota = new DailyQuota(limit);
      this.quotas.set(key, quota);
    }
    return quota.tryConsume(nowMs);
  }

  /** Calls of `key` used on the Beijing day containing `nowMs`. */
  usedToday(key: string, nowMs: number): number {
    return this.quotas.get(key)?.usedToday(nowMs) ?? 0;
  }
}
