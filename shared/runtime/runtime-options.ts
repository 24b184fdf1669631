import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { KMSClient } from '@aws-sdk/client-kms';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SQSClient } from '@aws-sdk/client-sqs';

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
 * How to make each client a function uses, by name. A function lists only the clients it uses, and the module that
 * lists one imports its class: so no other SDK client is in the function's bundle (each is about 30-110 KiB minified,
 * parsed at every cold start).
 */
export type ClientMakers<K extends keyof AwsClients> = { [P in K]: () => AwsClients[P] };

/**
 * The clients a function needs, each made on first use unless given: a handler that never reaches a service never
 * configures its client.
 */
export function awsClients<K extends keyof AwsClients>(makers: ClientMakers<K>, given: Partial<AwsClients> = {}): Pick<AwsClients, K> {
  const made: Partial<AwsClients> = { ...given };
  const clients = {} as Pick<AwsClients, K>;
  for (const name of Object.keys(makers) as K[]) {
    Object.defineProperty(clients, name, {
      enumerable: true,
      get: () => {
        made[name] ??= makers[name]();
        return made[name];
      },
    });
  }
  return clients;
}
