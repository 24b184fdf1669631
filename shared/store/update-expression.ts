/**
 * An UpdateItem expression from plain data: SET these attributes, REMOVE those. Every name goes through a `#`
 * placeholder (several of ours, `status` among them, are DynamoDB reserved words) and every value through a `:`
 * placeholder. Written by hand because lib-dynamodb marshals values but builds no expressions; the result is small
 * enough to read in a failing test.
 */
export interface UpdateParts {
  UpdateExpression: string;
  ExpressionAttributeNames: Record<string, string>;
  ExpressionAttributeValues?: Record<string, unknown>;
}

/** `set` values that are `undefined` are left out (not removed); list attributes to remove in `remove`. */
export function updateExpression(input: { set?: Record<string, unknown>; remove?: readonly string[] }): UpdateParts {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const sets: string[] = [];
  for (const [attribute, value] of Object.entries(input.set ?? {})) {
    if (value === undefined) continue;
    names[`#${attribute}`] = attribute;
    values[`:${attribute}`] = value;
    sets.push(`#${attribute} = :${attribute}`);
  }
  const removes = (input.remove ?? []).map((attribute) => {
    names[`#${attribute}`] = attribute;
    return `#${attribute}`;
  });
  const clauses = [sets.length > 0 ? `SET ${sets.join(', ')}` : '', removes.length > 0 ? `REMOVE ${removes.join(', ')}` : ''].filter(
    Boolean,
  );
  if (clauses.length === 0) throw new Error('updateExpression needs at least one attribute to set or remove');
  return {
    UpdateExpression: clauses.join(' '),
    ExpressionAttributeNames: names,
    ...(sets.length > 0 ? { ExpressionAttributeValues: values } : {}),
  };
}

/**
 * Adds a condition's own names and values to update parts. Condition placeholders must not clash with the update's:
 * use `#c_…` / `:c_…` in conditions.
 */
export function withCondition(
  parts: UpdateParts,
  condition: { expression: string; names?: Record<string, string>; values?: Record<string, unknown> },
): UpdateParts & { ConditionExpression: string } {
  const values = { ...(parts.ExpressionAttributeValues ?? {}), ...(condition.values ?? {}) };
  return {
    ...parts,
    ConditionExpression: condition.expression,
    ExpressionAttributeNames: { ...parts.ExpressionAttributeNames, ...(condition.names ?? {}) },
    ...(Object.keys(values).length > 0 ? { ExpressionAttributeValues: values } : {}),
  };
}
