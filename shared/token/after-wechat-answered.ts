/** What was being stored when a failure after WeChat's answer happened. */
export type AnswerStep = 'store-token' | 'store-refusal';

/**
 * A failure after WeChat answered api_component_token: its token, or the backoff its refusal calls for, could not be
 * stored. The refresher then keeps its lease until the lease expires instead of releasing it, because a released
 * lease lets the very next reader miss or scheduled retry call WeChat again, spending quota on every attempt for as
 * long as storage stays broken. Kept, it allows at most one call per lease period.
 */
export class FailedAfterWechatAnswered extends Error {
  constructor(
    readonly step: AnswerStep,
    readonly failure: unknown,
  ) {
    super(`failed after WeChat answered api_component_token (${step})`, { cause: failure });
    this.name = 'FailedAfterWechatAnswered';
  }
}

/** Runs what must follow WeChat's answer, marking any failure of it as FailedAfterWechatAnswered. */
export async function afterWechatAnswered<T>(step: AnswerStep, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw new FailedAfterWechatAnswered(step, err);
  }
}
