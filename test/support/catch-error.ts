/**
 * Runs `fn` and returns what it threw, so a test can assert on the error's class and `code`; fails the test if
 * nothing was thrown (a missing throw must never pass as an empty assertion).
 */
export function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to throw');
}

/** As catchError, for a function that rejects (or throws) asynchronously. */
export async function catchAsyncError(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    await fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to reject');
}
