import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import { grantKeyViaService } from './component-key';

/** What the stores expect of the table (shared/store/table-keys.ts): string keys `pk` and `sk`, TTL on `ttl`. */
const LAYOUT = { partitionKey: 'pk', sortKey: 'sk', ttl: 'ttl' } as const;

/** The service table: pk/sk strings, on-demand, PITR, ttl, encrypted with the component key. */
export function createComponentTable(scope: Construct, input: { key: kms.IKey; removalPolicy: RemovalPolicy }): dynamodb.Table {
  return new dynamodb.Table(scope, 'Table', {
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
}

type KeySchema = Array<{ attributeName: string; keyType: string }>;
type AttributeDefinitions = Array<{ attributeName: string; attributeType: string }>;

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
  return problems;
}

/**
 * Item-level access: `actions` on the table, only for items whose partition key matches `partitions` (StringLike
 * patterns), plus what DynamoDB needs of the table's own customer-managed key, if it has one, to read or write its
 * encrypted data for the caller.
 */
export function grantItems(table: dynamodb.ITable, grantee: iam.IGrantable, actions: string[], partitions: string[]): iam.Grant {
  const items = iam.Grant.addToPrincipal({
    grantee,
    actions: actions.map((action) => `dynamodb:${action}`),
    resourceArns: [table.tableArn],
    conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': partitions } },
  });
  if (!table.encryptionKey) return items;
  const writes = actions.some((action) => ['PutItem', 'UpdateItem', 'DeleteItem'].includes(action));
  const keyActions = writes ? ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey'] : ['kms:Decrypt', 'kms:DescribeKey'];
  return items.combine(grantKeyViaService(table.encryptionKey, grantee, 'dynamodb', keyActions));
}
