/**
 * What the runtime stores actually ask of DynamoDB and KMS, recorded from the real store code with a fake client, and
 * a small evaluator of the IAM statements the template grants. Together they check that a role allows every call its
 * function makes: a role test written from the intended grants alone would pass even if a store used another partition,
 * index or attribute.
 */
import { DeleteCommand, type DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { expect } from 'vitest';
import type { SealPurpose } from '../../shared/contract';
import type { EnvelopeSealer, SealedEnvelope } from '../../shared/store/envelope-sealer';
import type { Sealer } from '../../shared/store/kms-sealer';
import { actionsOf, type PolicyStatement } from './stacks';

export interface TableCall {
  action: 'GetItem' | 'PutItem' | 'UpdateItem' | 'DeleteItem' | 'Query';
  /** The partition key value: the item's `pk`, or for a Query the index partition its key condition names. */
  pk: string;
  /** Query only: the index queried (a Query of the table itself has none). */
  index?: string;
  /**
   * The attributes the request names, as IAM's `dynamodb:Attributes` sees them: a GetItem's projection, the item a
   * PutItem writes, the attributes an UpdateItem's expressions touch (with the key). Absent for a GetItem that asks
   * for the whole item, where IAM has no attribute list to check.
   */
  attributes?: string[];
  returnValues?: string;
  select?: string;
}

export interface KeyCall {
  action: 'kms:Encrypt' | 'kms:Decrypt' | 'kms:GenerateDataKey';
  purpose: SealPurpose;
}

/** Bytes that pass for a sealed envelope, so the store code goes on to open it (and the sealer records the call). */
export const PROBE_ENVELOPE: SealedEnvelope = {
  encryptedDataKey: new Uint8Array([1]),
  iv: new Uint8Array(12),
  tag: new Uint8Array(16),
  ciphertext: new Uint8Array([1]),
};

const EXPRESSION_WORDS = new Set(['SET', 'REMOVE', 'ADD', 'DELETE', 'AND', 'OR', 'NOT', 'BETWEEN', 'IN']);
const FUNCTIONS = new Set([
  'attribute_exists',
  'attribute_not_exists',
  'attribute_type',
  'begins_with',
  'contains',
  'size',
  'if_not_exists',
  'list_append',
]);

/** The top-level attribute names an expression touches: its `#name` placeholders resolved, and bare names. */
function attributesIn(expression: string | undefined, names: Record<string, string> = {}): string[] {
  if (!expression) return [];
  const found: string[] = [];
  for (const [token] of expression.matchAll(/[#:]?[A-Za-z_][A-Za-z0-9_]*/g)) {
    if (token.startsWith(':') || EXPRESSION_WORDS.has(token) || FUNCTIONS.has(token)) continue;
    found.push(token.startsWith('#') ? (names[token] ?? token) : token);
  }
  return found;
}

const unique = (list: string[]) => [...new Set(list)].sort();

/**
 * A document client that records each call and answers like a table holding `items` (by pk) would: a GetItem finds
 * the item, a put that must create it fails, an UpdateItem gets it back as its values, a Query finds nothing.
 */
export function recordingDynamo(calls: TableCall[], items: Record<string, Record<string, unknown>> = {}): DynamoDBDocumentClient {
  const send = async (command: unknown) => {
    if (command instanceof GetCommand) {
      const { Key, ProjectionExpression, ExpressionAttributeNames } = command.input;
      const attributes = ProjectionExpression ? unique(attributesIn(ProjectionExpression, ExpressionAttributeNames)) : undefined;
      calls.push({ action: 'GetItem', pk: String(Key?.pk), ...(attributes ? { attributes } : {}) });
      const item = items[String(Key?.pk)];
      return item ? { Item: { ...Key, ...item } } : {};
    }
    if (command instanceof PutCommand) {
      const { Item, ReturnValues, ConditionExpression } = command.input;
      calls.push({
        action: 'PutItem',
        pk: String(Item?.pk),
        attributes: unique(Object.keys(Item ?? {})),
        ...(ReturnValues ? { returnValues: ReturnValues } : {}),
      });
      // A put that must create the item fails as DynamoDB's would when the item is there: the store's other path runs.
      if (ConditionExpression?.includes('attribute_not_exists(pk)') && items[String(Item?.pk)]) {
        throw Object.assign(new Error('The conditional request failed'), { name: 'ConditionalCheckFailedException' });
      }
      return {};
    }
    if (command instanceof UpdateCommand) {
      const { Key, UpdateExpression, ConditionExpression, ExpressionAttributeNames, ReturnValues } = command.input;
      const touched = [...Object.keys(Key ?? {}), ...attributesIn(UpdateExpression, ExpressionAttributeNames)];
      calls.push({
        action: 'UpdateItem',
        pk: String(Key?.pk),
        attributes: unique([...touched, ...attributesIn(ConditionExpression, ExpressionAttributeNames)]),
        ...(ReturnValues ? { returnValues: ReturnValues } : {}),
      });
      return { Attributes: items[String(Key?.pk)] ?? {} };
    }
    if (command instanceof DeleteCommand) {
      calls.push({ action: 'DeleteItem', pk: String(command.input.Key?.pk) });
      return {};
    }
    if (command instanceof QueryCommand) {
      const { IndexName, KeyConditionExpression, ExpressionAttributeNames, ExpressionAttributeValues, Select, ProjectionExpression } =
        command.input;
      // The partition is the value the key condition's first equality names.
      const [, placeholder] = /=\s*(:[A-Za-z0-9_]+)/.exec(KeyConditionExpression ?? '') ?? [];
      const attributes = ProjectionExpression ? unique(attributesIn(ProjectionExpression, ExpressionAttributeNames)) : undefined;
      calls.push({
        action: 'Query',
        pk: String(ExpressionAttributeValues?.[placeholder ?? '']),
        ...(IndexName ? { index: IndexName } : {}),
        ...(attributes ? { attributes } : {}),
        ...(Select ? { select: Select } : {}),
      });
      return { Items: [], Count: 0 };
    }
    throw new Error(`recordingDynamo: unexpected command ${(command as object).constructor.name}`);
  };
  return { send } as unknown as DynamoDBDocumentClient;
}

/** A sealer that records which direct KMS call each seal/open would make, with its purpose. */
export function recordingSealer(calls: KeyCall[]): Sealer {
  return {
    async seal(purpose) {
      calls.push({ action: 'kms:Encrypt', purpose });
      return new Uint8Array([1]);
    },
    async open(purpose) {
      calls.push({ action: 'kms:Decrypt', purpose });
      return 'opened';
    },
  };
}

/** An envelope sealer that records which direct KMS call each seal/open would make (GenerateDataKey / Decrypt). */
export function recordingEnvelopeSealer(calls: KeyCall[]): EnvelopeSealer {
  return {
    async seal(purpose) {
      calls.push({ action: 'kms:GenerateDataKey', purpose });
      return PROBE_ENVELOPE;
    },
    async open(purpose) {
      calls.push({ action: 'kms:Decrypt', purpose });
      return 'opened';
    },
  };
}

/** IAM's StringLike: `*` matches any run of characters, `?` exactly one, everything else itself. */
export function stringLike(pattern: string, value: string): boolean {
  const source = [...pattern].map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('');
  return new RegExp(`^${source}$`, 's').test(value);
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** How a template names one of the table's indexes: the table's ARN (a string or an intrinsic) and `/index/{name}`. */
export function indexResource(tableArn: unknown, indexName: string): unknown {
  return typeof tableArn === 'string' ? `${tableArn}/index/${indexName}` : { 'Fn::Join': ['', [tableArn, `/index/${indexName}`]] };
}

/**
 * Whether the DynamoDB condition block holds for the call, with IAM's semantics for the keys the stack uses: a
 * ForAllValues test of a key the request does not carry holds, an ...IfExists test too; Null tests presence. Any
 * other operator or key is not understood here and fails the test rather than being guessed at.
 */
function conditionsHold(condition: PolicyStatement['Condition'], call: TableCall): boolean {
  const values: Record<string, string[] | undefined> = {
    'dynamodb:LeadingKeys': [call.pk],
    'dynamodb:Attributes': call.attributes,
    'dynamodb:Select': call.select === undefined ? undefined : [call.select],
    'dynamodb:ReturnValues': call.returnValues === undefined ? undefined : [call.returnValues],
  };
  return Object.entries(condition ?? {}).every(([operator, block]) =>
    Object.entries(block).every(([key, expected]) => {
      if (!(key in values)) throw new Error(`unsupported condition key ${key}`);
      const actual = values[key];
      const allowed = [expected].flat() as string[];
      switch (operator) {
        case 'ForAllValues:StringLike':
          return (actual ?? []).every((value) => allowed.some((pattern) => stringLike(pattern, value)));
        case 'ForAnyValue:StringLike':
          return (actual ?? []).some((value) => allowed.some((pattern) => stringLike(pattern, value)));
        case 'ForAllValues:StringEquals':
          return (actual ?? []).every((value) => allowed.includes(value));
        case 'StringEqualsIfExists':
          return actual === undefined || actual.every((value) => allowed.includes(value));
        case 'Null':
          return (actual === undefined) === (String(expected) === 'true');
        default:
          throw new Error(`unsupported condition operator ${operator}`);
      }
    }),
  );
}

/** Whether one statement names the call's action and resource (the table, or for an index Query the index). */
function statementCovers(statement: PolicyStatement, tableArn: unknown, call: TableCall): boolean {
  if (!actionsOf(statement).includes(`dynamodb:${call.action}`)) return false;
  const resources = [statement.Resource].flat();
  const target = call.index ? indexResource(tableArn, call.index) : tableArn;
  return resources.some((resource) => same(resource, target));
}

/**
 * Whether the statements allow the call on the table: an Allow covers it and no Deny does. The stack conditions item
 * access on partitions (`dynamodb:LeadingKeys`) and, for some grants, on attributes.
 */
export function allowsTableCall(statements: PolicyStatement[], tableArn: unknown, call: TableCall): boolean {
  const covering = statements.filter(
    (statement) => statementCovers(statement, tableArn, call) && conditionsHold(statement.Condition, call),
  );
  return covering.some((s) => s.Effect === 'Allow') && !covering.some((s) => s.Effect === 'Deny');
}

/** Whether an Allow statement grants the direct (not kms:ViaService) KMS call for this component and purpose. */
export function allowsKeyCall(statements: PolicyStatement[], keyResource: unknown, componentAppid: string, call: KeyCall): boolean {
  return statements.some((statement) => {
    if (statement.Effect !== 'Allow' || !actionsOf(statement).includes(call.action) || !same(statement.Resource, keyResource)) return false;
    const equals = statement.Condition?.StringEquals ?? {};
    if ('kms:ViaService' in equals) return false;
    const purposes = [equals['kms:EncryptionContext:purpose']].flat();
    return equals['kms:EncryptionContext:componentAppid'] === componentAppid && purposes.includes(call.purpose);
  });
}

/** Asserts that the statements allow every recorded table and key call of this component, naming the first that is not. */
export function expectEveryCallAllowed(
  statements: PolicyStatement[],
  resources: { tableArn: unknown; keyArn: unknown; componentAppid: string },
  calls: { tableCalls: TableCall[]; keyCalls: KeyCall[] },
): void {
  for (const call of calls.tableCalls) expect(allowsTableCall(statements, resources.tableArn, call), JSON.stringify(call)).toBe(true);
  for (const call of calls.keyCalls)
    expect(allowsKeyCall(statements, resources.keyArn, resources.componentAppid, call), JSON.stringify(call)).toBe(true);
}
