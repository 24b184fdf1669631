import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import { grantKeyViaService } from './component-key';

/** The service table: pk/sk strings, on-demand, PITR, ttl, encrypted with the component key (shared/store/table-keys.ts). */
export function createComponentTable(scope: Construct, input: { key: kms.IKey; removalPolicy: RemovalPolicy }): dynamodb.Table {
  return new dynamodb.Table(scope, 'Table', {
    partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
    sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
    encryptionKey: input.key,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    timeToLiveAttribute: 'ttl',
    removalPolicy: input.removalPolicy,
    deletionProtection: input.removalPolicy === RemovalPolicy.RETAIN,
  });
}

/**
 * Item-level access: `actions` on the table, only for items whose partition key matches `partitions` (StringLike
 * patterns), plus the key permissions DynamoDB needs to read or write the table's encrypted data for the caller.
 */
export function grantItems(
  table: dynamodb.ITable,
  key: kms.IKey,
  grantee: iam.IGrantable,
  actions: string[],
  partitions: string[],
): iam.Grant {
  const items = iam.Grant.addToPrincipal({
    grantee,
    actions: actions.map((action) => `dynamodb:${action}`),
    resourceArns: [table.tableArn],
    conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': partitions } },
  });
  const writes = actions.some((action) => ['PutItem', 'UpdateItem', 'DeleteItem'].includes(action));
  return items.combine(grantKeyViaService(key, grantee, 'dynamodb', writes ? ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey'] : ['kms:Decrypt', 'kms:DescribeKey']));
}
