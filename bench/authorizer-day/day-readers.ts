/**
 * Other Lambdas reading authorizer tokens through the day: a few reader containers, each asking for a random
 * authorizer's token, every token served checked with the simulator (the judge of validity).
 */
import type { WechatSim } from '../../local/wechat-sim/server';
import { AuthorizerTokenError, type AuthorizerTokenReader } from '../../shared/token';

/** What the readers saw. */
export interface ReadOutcomes {
  reads: number;
  /** Tokens served that WeChat accepted. */
  ok: number;
  /** Tokens served that WeChat would refuse: must stay empty. At most the first 20 are kept, with `badCount` the total. */
  bad: string[];
  badCount: number;
  /** Revoked authorizers refused with REVOKED, as they should be. */
  refusedRevoked: number;
  /**
   * A revoked authorizer's token served within the reader's revalidation interval after the revocation: allowed by
   * design (readers look at the store again at most that long after caching a token), counted apart.
   */
  servedWithinRevalidation: number;
  /** Errors by code (anything but REVOKED for a revoked authorizer): must stay empty. */
  errors: Record<string, number>;
}

const MAX_BAD_KEPT = 20;

/** A deterministic pseudo-random source (mulberry32), so two runs of a day read the same authorizers. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Reads tokens of random authorizers from a pool that grows with new authorizations and remembers revocations. */
export class DayReaders {
  readonly outcomes: ReadOutcomes = {
    reads: 0,
    ok: 0,
    bad: [],
    badCount: 0,
    refusedRevoked: 0,
    servedWithinRevalidation: 0,
    errors: {},
  };
  private readonly pool: string[] = [];
  private readonly revokedAtMs = new Map<string, number>();
  private next = 0;

  constructor(
    private readonly input: {
      sim: WechatSim;
      readers: readonly AuthorizerTokenReader[];
      now: () => number;
      random: () => number;
      revalidateAfterMs: number;
    },
  ) {}

  /** Makes authorizers readable (they have a token in the store). */
  add(appids: readonly string[]): void {
    this.pool.push(...appids);
  }

  /** Notes a revocation: from now on a reader must refuse the authorizer (after at most its revalidation interval). */
  revoked(appid: string, atMs: number): void {
    this.revokedAtMs.set(appid, atMs);
  }

  /** One read by the next reader container, of a random authorizer. */
  async readOne(): Promise<void> {
    const { sim, readers, now, random } = this.input;
    if (this.pool.length === 0) return;
    const appid = this.pool[Math.floor(random() * this.pool.length)]!;
    const reader = readers[this.next++ % readers.length]!;
    const revokedAtMs = this.revokedAtMs.get(appid);
    const out = this.outcomes;
    out.reads += 1;
    let token: string;
    try {
      token = await reader.getAuthorizerAccessToken(appid);
    } catch (err) {
      const code = err instanceof AuthorizerTokenError ? err.code : err instanceof Error ? err.name : 'unknown';
      if (code === 'REVOKED' && revokedAtMs !== undefined) out.refusedRevoked += 1;
      else out.errors[code] = (out.errors[code] ?? 0) + 1;
      return;
    }
    const verdict = sim.checkAuthorizerAccessToken(appid, token);
    if (verdict === 'ok') out.ok += 1;
    else if (revokedAtMs !== undefined && now() - revokedAtMs <= this.input.revalidateAfterMs) out.servedWithinRevalidation += 1;
    else {
      out.badCount += 1;
      if (out.bad.length < MAX_BAD_KEPT) out.bad.push(`${new Date(now()).toISOString()} ${appid} ${verdict}`);
    }
  }
}
