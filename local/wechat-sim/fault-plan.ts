/**
 * The currently injected faults, consumed call by call. `setFaults` replaces the whole plan.
 */
import type { SimFaults } from './types';

/** How an injected failure answers: an errcode body, a bare HTTP status, or both. */
export interface InjectedFailure {
  errcode?: number | undefined;
  httpStatus?: number | undefined;
}

interface CountedFailure extends InjectedFailure {
  api: string;
  remaining: number;
}

interface CountedDrop {
  api: string;
  remaining: number;
}

/** Holds the faults and hands them out; counts are copied, so the caller's object is never mutated. */
export class FaultPlan {
  private latency = 0;
  private failures: CountedFailure[] = [];
  private drops: CountedDrop[] = [];
  private pushDropsLeft = 0;
  private duplicatePushes = false;
  private reorderPushes = false;

  /** Replaces every fault; `{}` clears them. Throws TypeError naming the bad field. */
  set(faults: SimFaults): void {
    const checked = parseSimFaults(faults);
    this.latency = checked.latencyMs ?? 0;
    this.failures = (checked.failNext ?? []).map(({ api, errcode, httpStatus, count }) => ({
      api,
      errcode,
      httpStatus,
      remaining: count,
    }));
    this.drops = (checked.dropNext ?? []).map(({ api, count }) => ({ api, remaining: count }));
    this.pushDropsLeft = checked.pushes?.drop ?? 0;
    this.duplicatePushes = checked.pushes?.duplicate ?? false;
    this.reorderPushes = checked.pushes?.outOfOrder ?? false;
  }

  latencyMs(): number {
    return this.latency;
  }

  /** True (and one use consumed) when the call of a route known by any of `names` is to be dropped. */
  takeDrop(names: readonly string[]): boolean {
    return takeOne(this.drops, names) !== null;
  }

  /** The failure to answer for a call of a route known by any of `names`, consuming one use. */
  takeFailure(names: readonly string[]): InjectedFailure | null {
    const entry = takeOne(this.failures, names);
    return entry ? { errcode: entry.errcode, httpStatus: entry.httpStatus } : null;
  }

  /** True (and one use consumed) when the next push is to be dropped. */
  takePushDrop(): boolean {
    if (this.pushDropsLeft <= 0) return false;
    this.pushDropsLeft -= 1;
    return true;
  }

  duplicatesPushes(): boolean {
    return this.duplicatePushes;
  }

  reordersPushes(): boolean {
    return this.reorderPushes;
  }
}

function takeOne<T extends { api: string; remaining: number }>(entries: T[], names: readonly string[]): T | null {
  const entry = entries.find((candidate) => candidate.remaining > 0 && names.includes(candidate.api));
  if (!entry) return null;
  entry.remaining -= 1;
  return entry;
}

/** Validates faults that arrive as untrusted JSON (POST /__sim/faults). Throws TypeError naming the bad field. */
export function parseSimFaults(input: unknown): SimFaults {
  const root = requireObject(input, 'faults');
  const faults: SimFaults = {};
  if (root.latencyMs !== undefined) faults.latencyMs = requireCount(root.latencyMs, 'latencyMs');
  if (root.failNext !== undefined) {
    faults.failNext = requireArray(root.failNext, 'failNext').map((item, i) => {
      const entry = requireObject(item, `failNext[${i}]`);
      return {
        api: requireString(entry.api, `failNext[${i}].api`),
        count: requireCount(entry.count, `failNext[${i}].count`),
        ...(entry.errcode === undefined ? {} : { errcode: requireInteger(entry.errcode, `failNext[${i}].errcode`) }),
        ...(entry.httpStatus === undefined ? {} : { httpStatus: requireHttpStatus(entry.httpStatus, `failNext[${i}].httpStatus`) }),
      };
    });
  }
  if (root.dropNext !== undefined) {
    faults.dropNext = requireArray(root.dropNext, 'dropNext').map((item, i) => {
      const entry = requireObject(item, `dropNext[${i}]`);
      return { api: requireString(entry.api, `dropNext[${i}].api`), count: requireCount(entry.count, `dropNext[${i}].count`) };
    });
  }
  if (root.pushes !== undefined) {
    const pushes = requireObject(root.pushes, 'pushes');
    faults.pushes = {};
    if (pushes.drop !== undefined) faults.pushes.drop = requireCount(pushes.drop, 'pushes.drop');
    if (pushes.duplicate !== undefined) faults.pushes.duplicate = requireBoolean(pushes.duplicate, 'pushes.duplicate');
    if (pushes.outOfOrder !== undefined) faults.pushes.outOfOrder = requireBoolean(pushes.outOfOrder, 'pushes.outOfOrder');
  }
  return faults;
}

function requireObject(value: unknown, name: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TypeError(`${name} must be an object`);
  return value as Record<string, unknown>;
}

function requireArray(value: unknown, name: string): unknown[] {
  if (!Array.isArray(value)) throw new TypeError(`${name} must be an array`);
  return value;
}

function requireString(value: unknown, name: string): string {
  if (typeof value !== 'string' || value === '') throw new TypeError(`${name} must be a non-empty string`);
  return value;
}

function requireInteger(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw new TypeError(`${name} must be an integer`);
  return value;
}

function requireCount(value: unknown, name: string): number {
  const count = requireInteger(value, name);
  if (count < 0) throw new TypeError(`${name} must not be negative`);
  return count;
}

function requireHttpStatus(value: unknown, name: string): number {
  const status = requireInteger(value, name);
  if (status < 200 || status > 599) throw new TypeError(`${name} must be an HTTP status between 200 and 599`);
  return status;
}

function requireBoolean(value: unknown, name: string): boolean {
  if (typeof value !== 'boolean') throw new TypeError(`${name} must be true or false`);
  return value;
}
