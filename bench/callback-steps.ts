/** The steps of an h5-oauth callback and how one callback's timed calls add up to them (pure, for the bench and its tests). */

/** The parts of a callback's time, in the order they happen. */
export const CALLBACK_STEPS = [
  'state read',
  'state consume',
  'code exchange',
  'profile read',
  'KMS seal',
  'user write',
  'state complete',
  'login-code write',
  'outside the calls',
] as const;
export type CallbackStep = (typeof CALLBACK_STEPS)[number];

/** The bare calls of the floor. */
export const FLOOR_CALLS = ['state consume', 'code exchange', 'profile read', 'KMS seal', 'user write', 'login-code write'] as const;
export type FloorCall = (typeof FLOOR_CALLS)[number];

export type OAuthScope = 'snsapi_base' | 'snsapi_userinfo';

/** The floor of a callback of `scope`: the profile read (sns/userinfo) only where the scope has one. */
export function floorCallsOf(scope: OAuthScope): FloorCall[] {
  return FLOOR_CALLS.filter((call) => call !== 'profile read' || scope === 'snsapi_userinfo');
}

/** One timed call inside a callback; 'user upsert' includes the KMS seal, which is also timed on its own. */
export interface Span {
  step: CallbackStep | 'user upsert';
  start: number;
  end: number;
}

/** One callback's time per step; the user write is the upsert without the seal inside it. */
export function breakDown(callbackMs: number, spans: readonly Span[]): Record<CallbackStep, number> {
  const out = Object.fromEntries(CALLBACK_STEPS.map((s) => [s, 0])) as Record<CallbackStep, number>;
  let upsertMs = 0;
  for (const span of spans) {
    const ms = span.end - span.start;
    if (span.step === 'user upsert') upsertMs += ms;
    else out[span.step] += ms;
  }
  out['user write'] = Math.max(0, upsertMs - out['KMS seal']);
  out['outside the calls'] = Math.max(0, callbackMs - unionMs(spans));
  return out;
}

/** Total time covered by at least one span. */
export function unionMs(spans: readonly { start: number; end: number }[]): number {
  let total = 0;
  let coveredTo = Number.NEGATIVE_INFINITY;
  for (const { start, end } of [...spans].sort((a, b) => a.start - b.start)) {
    if (end <= coveredTo) continue;
    total += end - Math.max(start, coveredTo);
    coveredTo = end;
  }
  return total;
}
