/**
 * A worker container that dies the way Lambda kills one (a crash, an out-of-memory, a timeout): right after the first
 * call of `group.method` has had its effect, nothing of the invocation runs any more, not even its `finally` blocks.
 * The worst moment for a refresh: WeChat has issued a token the worker never stores.
 */
const NEVER = new Promise<never>(() => {});

/**
 * Wraps the `groups` of `deps` (the ones doing I/O) so that, once `trigger.method` of `trigger.group` was called, each
 * later call of any of them never settles, and that call itself never returns (its effect happens). `crashed` resolves
 * when that effect is done.
 */
export function crashAfterFirst<T extends object>(
  deps: T,
  groups: readonly (keyof T)[],
  trigger: { group: keyof T; method: string; onCrash?: (args: unknown[]) => void },
): { deps: T; crashed: Promise<void> } {
  let dead = false;
  let markCrashed: () => void = () => {};
  const crashed = new Promise<void>((resolve) => {
    markCrashed = resolve;
  });
  const wrap = (name: keyof T, target: object) =>
    new Proxy(target, {
      get(object, property, receiver) {
        const value = Reflect.get(object, property, receiver) as unknown;
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          if (dead) return NEVER;
          const result = (value as (...a: unknown[]) => unknown).apply(object, args);
          if (name !== trigger.group || property !== trigger.method) return result;
          dead = true;
          trigger.onCrash?.(args);
          void Promise.resolve(result)
            .catch(() => undefined)
            .finally(markCrashed);
          return NEVER;
        };
      },
    });
  const wrapped = { ...deps };
  for (const group of groups) wrapped[group] = wrap(group, deps[group] as object) as T[keyof T];
  return { deps: wrapped, crashed };
}
