// arn:partition:lambda:region:account:function:name[:qualifier], as Lambda sets context.invokedFunctionArn.
const FUNCTION_ARN = /^arn:[a-z-]+:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]+(?::([A-Za-z0-9$_-]+))?$/;

/**
 * The alias or version a function was invoked through, from `context.invokedFunctionArn` (set by Lambda from
 * the name the caller invoked, so a caller cannot forge it); null for the unqualified function. An ARN this cannot
 * read counts as qualified ('?'): it gets no more than a reader.
 */
export function invocationQualifier(invokedFunctionArn: string): string | null {
  const match = FUNCTION_ARN.exec(invokedFunctionArn);
  if (!match) return '?';
  return match[1] ?? null;
}
