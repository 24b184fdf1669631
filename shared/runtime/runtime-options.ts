import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';

/** The AWS SDK clients the functions use. */
export interface AwsClients {
  dynamo: DynamoDBClient;
  kms: KMSClient;
  secretsManager: SecretsManagerClient;
  lambda: LambdaClient;
  sqs: SQSClient;
}

/**
 * What a `create*DepsFromEnv` factory takes besides the environment. In Lambda nothing is given and defaults apply;
 * tests and the local runtime pass clients pointed at the local stand-ins and a fake clock, so they run the same
 * wiring as production (Powertools' persistence layers take an optional client the same way). Each may be passed as
 * undefined, so callers can forward their own optional options.
 */
export interface RuntimeOptions {
  /** @default process.env */
  env?: Record<string, string | undefined> | undefined;
  /** Clients to use instead of new ones configured from the environment. */
  clients?: Partial<AwsClients> | undefined;
  /** @default Date.now */
  now?: (() => number) | undefined;
  /**
   * How the function waits: WeChat API calls between retries, the token reader between polls of the store, a replayed
   * h5-oauth callback for the first one's outcome, the authorization callback between reads. @default a setTimeout-based sleep
   */
  sleep?: ((ms: number) => Promise<void>) | undefined;
}

/**
 * The clients a function needs, each made on first use unless given: a handler that never reaches a service never
 * loads or configures its client.
 */
export function awsClients(given: Partial<AwsClients> = {}): AwsClients {
  const made: Partial<AwsClients> = { ...given };
  return {
    get dynamo() {
      made.dynamo ??= new DynamoDBClient({});
      return made.dynamo;
    },
    get kms() {
      made.kms ??= new KMSClient({});
      return made.kms;
    },
    get secretsManager() {
      made.secretsManager ??= new SecretsManagerClient({});
      return made.secretsManager;
    },
    get lambda() {
      made.lambda ??= new LambdaClient({});
      return made.lambda;
    },
    get sqs() {
      made.sqs ??= new SQSClient({});
      return made.sqs;
    },
  };
}
