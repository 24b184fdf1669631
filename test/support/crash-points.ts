/**
 * Kills a worker at one of its await points, as Lambda kills an invocation that times out or whose container dies:
 * from that point on nothing of it runs, not even its `finally` blocks. Each call to a method of the wrapped
 * dependencies is an await point; at the chosen one the call either never starts ('before': the effect did not happen)
 * or happens and never returns ('after': the effect happened but the worker never learned it, the worst case for
 * an API call such as api_query_auth). The killed invocation's promise never settles; the test abandons it.
 */
export type CrashMode = 'before' | 'after';

export interface CrashPlan {
  /** 1-based index of the await point to crash at; 0 counts without crashing (to learn how many there are). */
  at: number;
  mode: CrashMode;
}

export interface CrashProbe {
  /** Await points passed so far. */
  readonly count: number;
  /** Whether the crash happened (the plan's point was reached). */
  readonly crashed: boolean;
  /** What each await point called, in order ("codes.claim", "api.queryAuth", ...): for test names and debugging. */
  readonly trail: readonly string[];
  /** Settles once the crash happened and, in 'after' mode, its effect finished: race it with the invocation. */
  readonly reached: Promise<void>;
}

const NEVER = new Promise<never>(() => {});

/**
 * Wraps each object of `deps` named in `groups` so that its methods are await points, and returns the wrapped deps
 * with a probe. Methods are wrapped on first access; other properties pass through.
 */
export function withCrashPoints<T extends object>(deps: T, groups: readonly (keyof T)[], plan: CrashPlan): { deps: T; probe: CrashProbe } {
  let count = 0;
  let crashed = false;
  const trail: string[] = [];
  let markReached: () => void = () => {};
  const reached = new Promise<void>((resolve) => {
    markReached = resolve;
  });
  const wrapGroup = (name: string, target: object) =>
    new Proxy(target, {
      get(object, property, receiver) {
        const value = Reflect.get(object, property, receiver) as unknown;
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          if (crashed) return NEVER;
          count += 1;
          trail.push(`${name}.${String(property)}`);
          if (count !== plan.at) return (value as (...a: unknown[]) => unknown).apply(object, args);
          crashed = true;
          if (plan.mode === 'before') {
            markReached();
            return NEVER;
          }
          // The effect happens (its outcome, success or failure, is swallowed), and the caller never hears of it.
          void Promise.resolve()
            .then(() => (value as (...a: unknown[]) => unknown).apply(object, args))
            .catch(() => undefined)
            .finally(markReached);
          return NEVER;
        };
      },
    });
  const wrapped = { ...deps } as T;
  for (const group of groups) wrapped[group] = wrapGroup(String(group), deps[group] as object) as T[keyof T];
  return {
    deps: wrapped,
    probe: {
      get count() {
        return count;
      },
      get crashed() {
        return crashed;
      },
      get trail() {
        return trail;
      },
      reached,
    },
  };
}
