/** The local AWS parts with one DynamoDB and one KMS client, for a latency bench: started, handed over, stopped. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { CreateTableOptions } from '../local/aws/dynamo-table-spec';
import { type LocalAws, startLocalAws } from '../local/aws/local-aws';
import { createDocumentClient } from '../shared/store/document-client';

export interface BenchAws {
  aws: LocalAws;
  dynamo: DynamoDBDocumentClient;
  kms: KMSClient;
}

/** Creates `tableName` (with `spec`, or the default table), runs `measure`, and stops the clients and the parts. */
export async function withLocalAwsClients<T>(
  table: { name: string; spec?: CreateTableOptions },
  measure: (parts: BenchAws) => Promise<T>,
): Promise<T> {
  const aws = await startLocalAws();
  const dynamoClient = new DynamoDBClient(aws.clientConfig('dynamodb'));
  const kms = new KMSClient(aws.clientConfig('kms'));
  try {
    await aws.createTable(table.name, table.spec);
    return await measure({ aws, dynamo: createDocumentClient(dynamoClient), kms });
  } finally {
    dynamoClient.destroy();
    kms.destroy();
    await aws.close();
  }
}
