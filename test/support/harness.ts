import { setTimeout as delay } from 'node:timers/promises';
import { KMSClient } from '@aws-sdk/client-kms';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { makePushReceiverHandler } from '../../functions/push-receiver/app';
import { makeTokenRefresherHandler } from '../../functions/token-refresher/app';
import { createSecretsManagerSource, type ComponentSecrets } from '../../shared/config/component-secrets';
import { createLogger, createMetrics } from '../../shared/log/observability';
import type { PushDeps } from '../../shared/push/accept-push';
import { createComponentStores, type ComponentStores } from '../../shared/store/component-stores';
import { createDocumentClient } from '../../shared/store/document-client';
import { createComponentTokenReader, type ComponentTokenReader, type ComponentTokenReaderOptions } from '../../shared/token/component-token-reader';
import { createLambdaRefreshTrigger } from '../../shared/token/lambda-refresh-trigger';
import type { RefresherDeps } from '../../shared/token/refresh-component-token';
import type { RefreshOutcome } from '../../shared/token/refresh-request';
import { createLambdaContext } from '../../local/aws/lambda-context';
import { createComponentApi } from '../../shared/wechat/component-api';
import { startLocalAws, type LocalAws } from '../../local/aws/local-aws';
import { startHttpGateway, type HttpGateway } from '../../local/runtime/http-gateway';
import { startWechatSim, type WechatSim, type WechatSimOptions } from '../../local/wechat-sim/server';
import { FakeClock } from './fake-clock';

/** Test values; a canary check scans captured output for each of them. */
export const TEST_SECRETS: ComponentSecrets & { componentAppid: string } = {
  componentAppid: 'wx1234567890abcdef',
  appsecret: 'canary-appsecret-5f0c2e9a7b3d41e8',
  token: 'canaryMessageToken42',
  encodingAesKey: 'Canary0EncodingAesKey0For0Tests0Only0123456',
};

export const TABLE_NAME = 'wechat-component-test';
export const REFRESHER_FUNCTION = 'token-refresher';
export const PUSH_ROUTE = 'POST /wechat/component/events';

export interface Harness {
  clock: FakeClock;
  aws: LocalAws;
  sim: WechatSim;
  gateway: HttpGateway;
  dynamo: DynamoDBDocumentClient;
  kms: KMSClient;
  stores: ComponentStores;
  getSecrets: () => Promise<ComponentSecrets>;
  secretArn: string;
  pushDeps: PushDeps;
  refresherDeps: RefresherDeps;
  /** The refresher handler as the Lambda stand-in runs it. */
  refresher: ReturnType<typeof makeTokenRefresherHandler>;
  /** Runs the refresher handler once, as a scheduled or invoked Lambda would. */
  runRefresher(event?: unknown): Promise<RefreshOutcome>;
  /** A new reader, as a separate container would have, reaching the refresher through Lambda Invoke. */
  newReader(options?: Partial<ComponentTokenReaderOptions>): ComponentTokenReader;
  close(): Promise<void>;
}

export interface HarnessOptions {
  sim?: Partial<WechatSimOptions>;
  refreshMarginMs?: number;
  leaseDurationMs?: number;
  apiMaxAttempts?: number;
}

/**
 * Real parts, in-process: dynalite, the KMS / Secrets Manager / Lambda stand-ins, the WeChat simulator and the
 * HTTP gateway serving the push receiver, all on one fake clock. Nothing is mocked.
 */
export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const clock = new FakeClock();
  const aws = await startLocalAws({ now: clock.now });
  await aws.createTable(TABLE_NAME);
  const secretArn = aws.putSecret('wechat-component', JSON.stringify({ appsecret: TEST_SECRETS.appsecret, token: TEST_SECRETS.token, encodingAesKey: TEST_SECRETS.encodingAesKey }));

  const dynamo = createDocumentClient(new DynamoDBClient(aws.clientConfig('dynamodb')));
  const kms = new KMSClient(aws.clientConfig('kms'));
  const componentAppid = TEST_SECRETS.componentAppid;
  const stores = createComponentStores({
    dynamo,
    kms,
    tableName: TABLE_NAME,
    kmsKeyId: aws.kmsKeyId,
    componentAppid,
    now: clock.now,
    leaseDurationMs: options.leaseDurationMs ?? 60_000,
  });
  const getSecrets = createSecretsManagerSource({ secretArn, client: new SecretsManagerClient(aws.clientConfig('secretsManager')), now: clock.now });

  const pushDeps: PushDeps = {
    componentAppid,
    getSecrets,
    tickets: stores.tickets,
    events: stores.events,
    audit: stores.audit,
    now: clock.now,
    logger: createLogger('push-receiver'),
    metrics: createMetrics('push-receiver'),
    maxSkewSec: 600,
    maxBodyBytes: 64 * 1024,
  };
  const gateway = await startHttpGateway({
    routes: [{ routeKey: PUSH_ROUTE, functionName: 'push-receiver', handler: makePushReceiverHandler(pushDeps) }],
    now: clock.now,
  });

  const sim = await startWechatSim({
    componentAppid,
    componentAppsecret: TEST_SECRETS.appsecret,
    token: TEST_SECRETS.token,
    encodingAesKey: TEST_SECRETS.encodingAesKey,
    pushUrl: `${gateway.url}/wechat/component/events`,
    autoPush: false,
    now: clock.now,
    ...options.sim,
  });

  const refresherDeps: RefresherDeps = {
    componentAppid,
    tokens: stores.tokens,
    tickets: stores.tickets,
    leases: stores.leases,
    guards: stores.guards,
    api: createComponentApi({ baseUrl: sim.url, maxAttempts: options.apiMaxAttempts ?? 3, sleep: async () => {} }),
    getSecrets,
    now: clock.now,
    logger: createLogger('token-refresher'),
    metrics: createMetrics('token-refresher'),
    refreshMarginMs: options.refreshMarginMs ?? 900_000,
  };
  const refresher = makeTokenRefresherHandler(refresherDeps);
  aws.registerFunction(REFRESHER_FUNCTION, (event, context) => refresher(event, context));
  const lambda = new LambdaClient(aws.clientConfig('lambda'));

  return {
    clock,
    aws,
    sim,
    gateway,
    dynamo,
    kms,
    stores,
    getSecrets,
    secretArn,
    pushDeps,
    refresherDeps,
    refresher,
    runRefresher: (event = { action: 'refresh', reason: 'schedule' }) =>
      refresher(event, createLambdaContext({ functionName: REFRESHER_FUNCTION, invokedFunctionArn: REFRESHER_FUNCTION, timeoutMs: 60_000, now: clock.now })),
    newReader: (readerOptions = {}) =>
      createComponentTokenReader({
        tokens: stores.tokens,
        requestRefresh: createLambdaRefreshTrigger({ functionName: REFRESHER_FUNCTION, lambda }),
        now: clock.now,
        pollIntervalMs: 20,
        // Waiting moves the fake clock, so bounded waits are bounded in simulated time too.
        sleep: async (ms) => {
          clock.advance(ms);
          await delay(2);
        },
        ...readerOptions,
      }),
    close: async () => {
      await sim.close();
      await gateway.close();
      await aws.close();
    },
  };
}
