import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import { TABLE_INDEXES } from '../../shared/contract';
import { grantKeyViaService } from './component-key';

/** What the stores expect of the table (shared/store/table-keys.ts): string keys `pk` and `sk`, TTL on `ttl`. */
const LAYOUT = { partitionKey: 'pk', sortKey: 'sk', ttl: 'ttl' } as const;

export type TableIndexName = keyof typeof TABLE_INDEXES;

/** What CloudFormation says of a projection: its type and, for INCLUDE, the attributes it carries. */
function projectionOf(index: (typeof TABLE_INDEXES)[TableIndexName]): { type: dynamodb.ProjectionType; include: string[] } {
  return index.projection === 'KEYS_ONLY'
    ? { type: dynamodb.ProjectionType.KEYS_ONLY, include: [] }
    : { type: dynamodb.ProjectionType.INCLUDE, include: [...index.projection.include] };
}

/**
 * The service table: pk/sk strings, on-demand, PITR, ttl, encrypted with the component key, and the sparse indexes the
 * authorizer lifecycle queries instead of scanning (shared/contract.ts TABLE_INDEXES).
 */
export function createComponentTable(scope: Construct, input: { key: kms.IKey; removalPolicy: RemovalPolicy }): dynamodb.Table {
  const table = new dynamodb.Table(scope, 'Table', {
    partitionKey: { name: LAYOUT.partitionKey, type: dynamodb.AttributeType.STRING },
    sortKey: { name: LAYOUT.sortKey, type: dynamodb.AttributeType.STRING },
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
    encryptionKey: input.key,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    timeToLiveAttribute: LAYOUT.ttl,
    removalPolicy: input.removalPolicy,
    deletionProtection: input.removalPolicy === RemovalPolicy.RETAIN,
  });
  for (const index of Object.values(TABLE_INDEXES)) {
    const projection = projectionOf(index);
    table.addGlobalSecondaryIndex({
      indexName: index.indexName,
      partitionKey: { name: index.partitionKey.name, type: dynamodb.AttributeType.STRING },
      sortKey: {
        name: index.sortKey.name,
        type: index.sortKey.type === 'N' ? dynamodb.AttributeType.NUMBER : dynamodb.AttributeType.STRING,
      },
      projectionType: projection.type,
      ...(projection.include.length > 0 ? { nonKeyAttributes: projection.include } : {}),
    });
  }
  return table;
}

type KeySchema = Array<{ attributeName: string; keyType: string }>;
type AttributeDefinitions = Array<{ attributeName: string; attributeType: string }>;
type IndexDefinitions = Array<{
  indexName: string;
  keySchema?: KeySchema;
  projection?: { projectionType?: string; nonKeyAttributes?: string[] };
}>;

/**
 * How a table given to the construct differs from the layout the stores expect, for a table defined in this app
 * (Table or TableV2). An imported table cannot be inspected: it is taken as documented.
 */
export function tableLayoutProblems(table: dynamodb.ITable): string[] {
  const resource = table.node.defaultChild;
  if (!(resource instanceof dynamodb.CfnTable || resource instanceof dynamodb.CfnGlobalTable)) return [];
  const resolve = (value: unknown) => Stack.of(resource).resolve(value) as unknown;
  const keys = (resolve(resource.keySchema) ?? []) as KeySchema;
  const types = new Map(
    ((resolve(resource.attributeDefinitions) ?? []) as AttributeDefinitions).map((a) => [a.attributeName, a.attributeType]),
  );
  const ttl = resolve(resource.timeToLiveSpecification) as { attributeName?: string; enabled?: boolean } | undefined;
  const problems: string[] = [];
  for (const [keyType, name] of [
    ['HASH', LAYOUT.partitionKey],
    ['RANGE', LAYOUT.sortKey],
  ] as const) {
    const key = keys.find((k) => k.keyType === keyType);
    if (key?.attributeName !== name || types.get(name) !== 'S')
      problems.push(`its ${keyType === 'HASH' ? 'partition' : 'sort'} key must be the string '${name}'`);
  }
  if (ttl?.attributeName !== LAYOUT.ttl || ttl.enabled !== true)
    problems.push(`it must expire items on the '${LAYOUT.ttl}' attribute (timeToLiveAttribute)`);
  const indexes = (resolve(resource.globalSecondaryIndexes) ?? []) as IndexDefinitions;
  for (const expected of Object.values(TABLE_INDEXES)) {
    const found = indexes.find((index) => index.indexName === expected.indexName);
    if (!found || !indexMatches(found, expected, types)) problems.push(`it needs the global secondary index ${describeIndex(expected)}`);
  }
  return problems;
}

function indexMatches(
  found: IndexDefinitions[number],
  expected: (typeof TABLE_INDEXES)[TableIndexName],
  types: Map<string, string>,
): boolean {
  const key = (keyType: string) => (found.keySchema ?? []).find((k) => k.keyType === keyType)?.attributeName;
  const keysMatch = [
    ['HASH', expected.partitionKey],
    ['RANGE', expected.sortKey],
  ].every(([keyType, attribute]) => {
    const { name, type } = attribute as { name: string; type: string };
    return key(keyType as string) === name && types.get(name) === type;
  });
  // More projected than the stores read is harmless; less is not.
  const projection = found.projection ?? {};
  const projected =
    projection.projectionType === 'ALL' ||
    projectionOf(expected).include.every((name) => projection.projectionType === 'INCLUDE' && projection.nonKeyAttributes?.includes(name));
  return keysMatch && projected;
}

/** How the README and an error name an index: `due` (dueKey S, dueAtMs N, INCLUDE expiresAtMs). */
export function describeIndex(index: (typeof TABLE_INDEXES)[TableIndexName]): string {
  const projection = projectionOf(index);
  const projected = projection.include.length > 0 ? `INCLUDE ${projection.include.join(', ')}` : 'KEYS_ONLY';
  return `'${index.indexName}' (partition key ${index.partitionKey.name} ${index.partitionKey.type}, sort key ${index.sortKey.name} ${index.sortKey.type}, ${projected})`;
}

/** What else a grant of item access may limit besides partitions. */
export interface ItemGrantOptions {
  /**
   * The only attributes the caller may read or write (`dynamodb:Attributes`); the table's own key attributes are added,
   * as IAM requires. Requests must name their attributes (a GetItem its ProjectionExpression: one that names none is
   * denied outright) and return nothing else (`dynamodb:Select` SPECIFIC_ATTRIBUTES, `dynamodb:ReturnValues` NONE
   * where they apply).
   */
  readonly attributes?: readonly string[];
}

/**
 * Item-level access: `actions` on the table, only for items whose partition key matches `partitions` (StringLike
 * patterns), plus what DynamoDB needs of the table's own customer-managed key, if it has one, to read or write its
 * encrypted data for the caller.
 */
export function grantItems(
  table: dynamodb.ITable,
  grantee: iam.IGrantable,
  actions: string[],
  partitions: string[],
  options: ItemGrantOptions = {},
): iam.Grant {
  const items = iam.Grant.addToPrincipal({
    grantee,
    actions: actions.map((action) => `dynamodb:${action}`),
    resourceArns: [table.tableArn],
    conditions: options.attributes
      ? {
          'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': partitions },
          'ForAllValues:StringEquals': { 'dynamodb:Attributes': [LAYOUT.partitionKey, LAYOUT.sortKey, ...options.attributes] },
          StringEqualsIfExists: { 'dynamodb:Select': 'SPECIFIC_ATTRIBUTES', 'dynamodb:ReturnValues': 'NONE' },
        }
      : { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': partitions } },
  });
  if (options.attributes) {
    // A request that names no attributes (a GetItem without a projection) carries no dynamodb:Attributes, and IAM
    // holds a ForAllValues test of a missing key true: without this it would read (or write) the whole item.
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        effect: iam.Effect.DENY,
        actions: actions.map((action) => `dynamodb:${action}`),
        resources: [table.tableArn],
        conditions: { 'ForAnyValue:StringLike': { 'dynamodb:LeadingKeys': partitions }, Null: { 'dynamodb:Attributes': 'true' } },
      }),
    );
  }
  const writes = actions.some((action) => ['PutItem', 'UpdateItem', 'DeleteItem'].includes(action));
  return withTableKey(table, grantee, items, writes);
}

/**
 * Query on one of the table's sparse indexes (its ARN, `table/…/index/{name}`), only for index partitions matching
 * `partitions`: for a Query, `dynamodb:LeadingKeys` is the partition key value of its key condition, here the index's.
 * Never Scan, never the table itself.
 */
export function grantIndexQuery(table: dynamodb.ITable, grantee: iam.IGrantable, index: TableIndexName, partitions: string[]): iam.Grant {
  const query = iam.Grant.addToPrincipal({
    grantee,
    actions: ['dynamodb:Query'],
    resourceArns: [indexArn(table, index)],
    conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': partitions } },
  });
  return withTableKey(table, grantee, query, false);
}

/** The ARN of one of the table's indexes. */
export function indexArn(table: dynamodb.ITable, index: TableIndexName): string {
  return `${table.tableArn}/index/${TABLE_INDEXES[index].indexName}`;
}

/** Adds what DynamoDB needs of the table's customer-managed key, if it has one, to read (or write) for the caller. */
function withTableKey(table: dynamodb.ITable, grantee: iam.IGrantable, grant: iam.Grant, writes: boolean): iam.Grant {
  if (!table.encryptionKey) return grant;
  const keyActions = writes ? ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey'] : ['kms:Decrypt', 'kms:DescribeKey'];
  return grant.combine(grantKeyViaService(table.encryptionKey, grantee, 'dynamodb', keyActions));
}
