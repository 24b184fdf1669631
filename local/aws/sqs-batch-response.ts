/**
 * The message ids a function reported as failed in its JSON response (`{ batchItemFailures: [{ itemIdentifier }] }`),
 * or undefined when the response makes the whole batch a failure. Lambda's rules: a null or empty response, or a
 * null or empty list, is full success; anything but an object, or an entry without a non-empty itemIdentifier of
 * this batch, fails the whole batch.
 */
export function parseBatchItemFailures(payload: string, batchIds: ReadonlySet<string>): Set<string> | undefined {
  const response: unknown = JSON.parse(payload);
  if (response === null) {
    return new Set();
  }
  if (typeof response !== 'object' || Array.isArray(response)) {
    return undefined;
  }
  const { batchItemFailures } = response as { batchItemFailures?: unknown };
  if (batchItemFailures === undefined || batchItemFailures === null) {
    return new Set();
  }
  if (!Array.isArray(batchItemFailures)) {
    return undefined;
  }
  const failed = new Set<string>();
  for (const entry of batchItemFailures as unknown[]) {
    const id = typeof entry === 'object' && entry !== null ? (entry as { itemIdentifier?: unknown }).itemIdentifier : undefined;
    if (typeof id !== 'string' || !batchIds.has(id)) {
      return undefined;
    }
    failed.add(id);
  }
  return failed;
}
