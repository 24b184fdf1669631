/**
 * Runs `start` unless a run for `key` is already in flight, in which case its promise is shared: concurrent callers in
 * one container cause one store read, or one refresh request, instead of one each.
 */
export function shareInFlight<T>(inFlight: Map<string, Promise<T>>, key: string, start: () => Promise<T>): Promise<T> {
  const pending = inFlight.get(key);
  if (pending) return pending;
  const run = start().finally(() => inFlight.delete(key));
  inFlight.set(key, run);
  return run;
}
