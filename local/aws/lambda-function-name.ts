/** A function reference resolved against this stand-in's region and account. */
export interface ParsedFunctionName {
  /** Empty when the reference points at another region or account, or has too many parts. */
  readonly name: string;
  readonly qualifier: string | undefined;
}

/**
 * Parses Invoke's FunctionName as Lambda accepts it: `name`, `name:qualifier`, a full ARN
 * (`arn:aws:lambda:region:account:function:name[:qualifier]`) or a partial ARN (`account:function:name[:qualifier]`).
 * A qualifier in the name wins over the `Qualifier` query parameter.
 */
export function parseFunctionName(
  raw: string,
  queryQualifier: string | null,
  scope: { region: string; accountId: string },
): ParsedFunctionName {
  const nowhere = { name: '', qualifier: undefined };
  const parts = raw.split(':');
  let nameAndQualifier: string[];
  if (parts[0] === 'arn' && parts.length >= 7 && parts[2] === 'lambda' && parts[5] === 'function') {
    if (parts[3] !== scope.region || parts[4] !== scope.accountId) {
      return nowhere;
    }
    nameAndQualifier = parts.slice(6);
  } else if (parts.length >= 3 && parts[1] === 'function') {
    if (parts[0] !== scope.accountId) {
      return nowhere;
    }
    nameAndQualifier = parts.slice(2);
  } else {
    nameAndQualifier = parts;
  }
  if (nameAndQualifier.length > 2) {
    return nowhere;
  }
  return { name: nameAndQualifier[0] ?? '', qualifier: nameAndQualifier[1] ?? queryQualifier ?? undefined };
}
