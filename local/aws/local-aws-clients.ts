/** Every AWS SDK client the functions use, each pointed at its local stand-in. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { AwsClients } from '../../shared/runtime/runtime-options';
import type { LocalAws } from './local-aws';

/** The clients a `create*DepsFromEnv` factory takes (RuntimeOptions.clients), for the local runtime and the tests. */
export function localAwsClients(aws: Pick<LocalAws, 'clientConfig'>): AwsClients {
  return {
    dynamo: new DynamoDBClient(aws.clientConfig('dynamodb')),
    kms: new KMSClient(aws.clientConfig('kms')),
    secretsManager: new SecretsManagerClient(aws.clientConfig('secretsManager')),
    lambda: new LambdaClient(aws.clientConfig('lambda')),
    sqs: new SQSClient(aws.clientConfig('sqs')),
  };
}
