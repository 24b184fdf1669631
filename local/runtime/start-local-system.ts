import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { makeH5OAuthHandler } from '../../functions/h5-oauth/app';
import { createH5OAuthDepsFromEnv } from '../../functions/h5-oauth/deps';
import { makePushReceiverHandler } from '../../functions/push-receiver/app';
import { createPushDepsFromEnv } from '../../functions/push-receiver/deps';
import { makeTokenRefresherHandler } from '../../functions/token-refresher/app';
import { createRefresherDepsFromEnv } from '../../functions/token-refresher/deps';
import { ENV, REFRESHER_READER_ALIAS, ROUTES } from '../../shared/contract';
import { fingerprint } from '../../shared/crypto/digests';
import { type ComponentHealth, readComponentHealth } from '../../shared/health/component-health';
import type { RuntimeOptions } from '../../shared/runtime/runtime-options';
import { createComponentStores } from '../../shared/store/component-stores';
import { createDocumentClient } from '../../shared/store/document-client';
import { createComponentTokenReaderFromEnv } from '../../shared/token';
import type { RefreshOutcome } from '../../shared/token/refresh-request';
import { startLocalAws } from '../aws/local-aws';
import { startWechatSim } from '../wechat-sim/server';
import { renderDemoPage } from './demo-page';
import { type GatewayRoute, startHttpGateway } from './http-gateway';
import type { LocalConfig } from './local-config';
import { SERVICE_TABLE } from './service-table';

export const LOCAL_TABLE = 'wechat-component-local';
export const REFRESHER_FUNCTION = 'wechat-component-token-refresher';

export interface LocalSystem {
  url: string;
  simUrl: string;
  /** Runs the refresher once through the Lambda stand-in, as the schedule does. */
  refreshNow(): Promise<RefreshOutcome>;
  health(): Promise<ComponentHealth>;
  close(): Promise<void>;
}

/**
 * Starts the whole service on this machine: dynalite, the KMS / Secrets Manager / Lambda stand-ins, the HTTP
 * gateway with the real Lambda handlers, the WeChat simulator pushing tickets to it, and the refresher schedule.
 * Each handler is wired by its production factory from the environment the construct would give it, with SDK clients
 * pointed at the stand-ins.
 */
export async function startLocalSystem(config: LocalConfig, log: (line: string) => void): Promise<LocalSystem> {
  const aws = await startLocalAws();
  log(
    `[start] DynamoDB (dynalite, in memory) on ${aws.endpoints.dynamodb}; KMS, Secrets Manager and Lambda stand-ins on ${aws.endpoints.kms}`,
  );
  const closers: Array<() => Promise<void>> = [() => aws.close()];
  const closeAll = async () => {
    for (const close of closers.reverse()) await close().catch(() => undefined);
  };
  try {
    await aws.createTable(LOCAL_TABLE, SERVICE_TABLE);
    const secretArn = aws.putSecret(
      'wechat-component/local',
      JSON.stringify({ appsecret: config.sim.componentAppsecret, token: config.sim.token, encodingAesKey: config.sim.encodingAesKey }),
    );
    // A fresh session signing key per run, like the stack's generated one: sessions do not outlive the local system.
    const sessionSecretArn = aws.putSecret('wechat-component/local-session', randomBytes(32).toString('base64url'));

    const routes: GatewayRoute[] = [];
    let healthOf: () => Promise<ComponentHealth> = async () => {
      throw new Error('not started');
    };
    const gateway = await startHttpGateway({
      routes,
      port: config.port,
      extra: async (req): Promise<APIGatewayProxyStructuredResultV2 | null> => {
        const path = new URL(req.url ?? '/', 'http://x').pathname;
        if (req.method !== 'GET') return null;
        if (path === '/healthz') {
          const health = await healthOf();
          return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(health) };
        }
        if (path === '/') {
          return {
            statusCode: 200,
            headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' },
            body: renderDemoPage({ authorizerAppid: config.authorizerAppids[0]! }),
          };
        }
        return null;
      },
    });
    closers.push(() => gateway.close());
    log(`[start] HTTP API (local API Gateway) on ${gateway.url}`);

    const simPort = config.sim.port || (await findFreePort());
    const apiBase = config.apiBase ?? `http://127.0.0.1:${simPort}`;
    const env: Record<string, string> = {
      [ENV.componentAppid]: config.sim.componentAppid,
      [ENV.secretArn]: secretArn,
      [ENV.tableName]: LOCAL_TABLE,
      [ENV.kmsKeyId]: aws.kmsKeyArn,
      // Readers invoke the reader alias, as in AWS; the stand-in passes the qualifier on in invokedFunctionArn.
      [ENV.refresherFunction]: `${REFRESHER_FUNCTION}:${REFRESHER_READER_ALIAS}`,
      [ENV.apiBase]: apiBase,
      [ENV.openBase]: config.apiBase ?? `http://127.0.0.1:${simPort}`,
      [ENV.h5OAuthSessionSecretArn]: sessionSecretArn,
      [ENV.h5OAuthCallbackUrl]: `${gateway.url}${ROUTES.h5OAuthCallback}`,
      [ENV.h5OAuthAllowedReturnTo]: (config.allowedReturnTo ?? [`${gateway.url}/`]).join(','),
      [ENV.authorizerAppids]: config.authorizerAppids.join(','),
      [ENV.h5OAuthCookieBinding]: config.cookieBinding ? 'on' : 'off',
    };
    const clients = {
      dynamo: new DynamoDBClient(aws.clientConfig('dynamodb')),
      kms: new KMSClient(aws.clientConfig('kms')),
      secretsManager: new SecretsManagerClient(aws.clientConfig('secretsManager')),
      lambda: new LambdaClient(aws.clientConfig('lambda')),
    };
    const runtime: RuntimeOptions = { env, clients };

    const pushReceiver = makePushReceiverHandler(createPushDepsFromEnv(runtime));
    const tokenRefresher = makeTokenRefresherHandler(createRefresherDepsFromEnv(runtime));
    const h5OAuth = makeH5OAuthHandler(createH5OAuthDepsFromEnv(runtime));
    routes.push(
      { routeKey: `POST ${ROUTES.pushEvents}`, functionName: 'wechat-component-push-receiver', handler: pushReceiver },
      { routeKey: `GET ${ROUTES.h5OAuthStart}`, functionName: 'wechat-component-h5-oauth', handler: h5OAuth },
      { routeKey: `GET ${ROUTES.h5OAuthCallback}`, functionName: 'wechat-component-h5-oauth', handler: h5OAuth },
      { routeKey: `ANY ${ROUTES.h5OAuthSession}`, functionName: 'wechat-component-h5-oauth', handler: h5OAuth },
    );
    // Registered under the name readers invoke (with the reader alias), so the token reader takes its AWS code path here too.
    aws.registerFunction(REFRESHER_FUNCTION, (event, context) => tokenRefresher(event, context));
    log('[start] Lambda handlers wired: push-receiver and h5-oauth (HTTP API routes), token-refresher (Lambda stand-in)');

    const stores = createComponentStores({
      dynamo: createDocumentClient(clients.dynamo),
      kms: clients.kms,
      tableName: LOCAL_TABLE,
      kmsKeyId: aws.kmsKeyArn,
      componentAppid: config.sim.componentAppid,
      now: Date.now,
    });
    healthOf = () =>
      readComponentHealth({ componentAppid: config.sim.componentAppid, tickets: stores.tickets, tokens: stores.tokens, now: Date.now });

    const { lambda } = clients;
    const refreshNow = async (): Promise<RefreshOutcome> => {
      const out = await lambda.send(
        new InvokeCommand({ FunctionName: REFRESHER_FUNCTION, Payload: JSON.stringify({ action: 'refresh', reason: 'schedule' }) }),
      );
      const payload = Buffer.from(out.Payload ?? new Uint8Array()).toString('utf8');
      if (out.FunctionError) throw new Error(`token refresher failed: ${payload}`);
      return JSON.parse(payload) as RefreshOutcome;
    };

    const sim = await startWechatSim({
      ...config.sim,
      port: simPort,
      pushUrl: `${gateway.url}${ROUTES.pushEvents}`,
      authorizerAppids: config.authorizerAppids,
      log,
    });
    closers.push(() => sim.close());

    const reader = createComponentTokenReaderFromEnv({ env, clients });
    const runSchedule = async () => {
      try {
        const outcome = await refreshNow();
        log(`[schedule] token refresher: ${describeOutcome(outcome)}`);
        if (outcome.status === 'refreshed' || outcome.status === 'fresh') {
          const token = await reader.getComponentAccessToken();
          log(`[reader] got component_access_token ${fingerprint(token)}… (fingerprint, not the token) from DynamoDB via KMS`);
        }
      } catch (err) {
        log(`[schedule] token refresher run failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    };
    // The first run waits for the simulator's startup push, as a deployed schedule would find a ticket stored.
    const firstRun = sim.whenIdle().then(runSchedule);
    const timer = setInterval(() => void runSchedule(), config.refreshIntervalSec * 1000);
    closers.push(async () => {
      clearInterval(timer);
      await firstRun;
    });
    await firstRun;

    return { url: gateway.url, simUrl: sim.url, refreshNow, health: healthOf, close: closeAll };
  } catch (err) {
    await closeAll();
    throw err;
  }
}

function describeOutcome(outcome: RefreshOutcome): string {
  switch (outcome.status) {
    case 'refreshed':
    case 'fresh':
      return `${outcome.status}, token version ${outcome.version} expires at ${new Date(outcome.expiresAtMs).toISOString()}`;
    case 'no-ticket':
      return `no valid ticket yet (api_start_push_ticket ${outcome.startPushTicket})`;
    case 'backoff':
      return `backing off after errcode ${outcome.errcode} until ${new Date(outcome.untilMs).toISOString()}`;
    case 'failed':
      return `failed (${outcome.error}${outcome.errcode === null ? '' : `, errcode ${outcome.errcode}`})`;
    default:
      return outcome.status;
  }
}

async function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
