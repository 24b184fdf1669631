/**
 * Runs inside the fresh process of bench/handler-rss.ts, bundled with one handler module (as Lambda loads it): invokes
 * the handler `invocations` times with the events that function gets, against the local parts named by the
 * environment, then reports its peak RSS to the parent over IPC. Nothing here mocks the handler or its clients.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { createLambdaContext } from '../local/aws/lambda-context';
import { buildPushEnvelope } from '../local/wechat-sim/push/push-envelope';
import { buildTicketXml } from '../local/wechat-sim/push/push-message-xml';
import { ROUTES } from '../shared/contract';

export type RssHandlerName = 'push-receiver' | 'token-refresher' | 'h5-oauth' | 'authorizer-worker' | 'authorization-page';

/** What the parent passes in the RSS_DRIVER environment variable (JSON). */
export interface RssDriverInput {
  name: RssHandlerName;
  invocations: number;
  /** push-receiver: the component's push keys. */
  pushKeys: { appid: string; token: string; encodingAesKey: string };
  /** h5-oauth: the sign-in's official account and the return_to it may use. */
  authorizerAppid: string;
  returnTo: string;
  /** authorization-page: an operator's link (its query is what each page view carries). */
  authorizationLink: string;
}

/** What the child reports: peak RSS over its whole life and RSS once the handler module was loaded, in bytes. */
export interface RssDriverReport {
  name: RssHandlerName;
  invocations: number;
  rssAfterLoadBytes: number;
  peakRssBytes: number;
  heapUsedBytes: number;
  /** How the invocations ended (HTTP status or outcome), to show they did real work. */
  outcomes: Record<string, number>;
}

type Handler = (event: unknown, context: Context) => Promise<unknown>;

/** Entry of the generated bundle: `handler` is the function module's export, loaded before this runs. */
export async function driveHandler(handler: Handler): Promise<void> {
  const rssAfterLoadBytes = process.memoryUsage.rss();
  const input = JSON.parse(process.env.RSS_DRIVER ?? '{}') as RssDriverInput;
  const outcomes: Record<string, number> = {};
  const count = (outcome: string) => {
    outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
  };
  const invoke = async (event: unknown): Promise<unknown> => {
    const context = createLambdaContext({
      functionName: input.name,
      invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${input.name}`,
      timeoutMs: 60_000,
      now: Date.now,
    });
    return handler(event, context);
  };
  const http = async (method: string, url: string, init: { body?: string; cookies?: string[]; headers?: Record<string, string> } = {}) => {
    const result = (await invoke(httpEvent(method, url, init))) as APIGatewayProxyStructuredResultV2;
    count(String(result.statusCode));
    return result;
  };

  let done = 0;
  while (done < input.invocations) {
    switch (input.name) {
      case 'push-receiver': {
        const nowSec = Math.floor(Date.now() / 1000);
        const xml = buildTicketXml({
          appid: input.pushKeys.appid,
          createTime: nowSec,
          ticket: `ticket@@@${randomBytes(48).toString('base64url')}`,
        });
        const { query, body } = buildPushEnvelope({ xml, keys: input.pushKeys, nowSec });
        await http('POST', `http://api.local${ROUTES.pushEvents}?${new URLSearchParams(query)}`, {
          body,
          headers: { 'content-type': 'text/xml' },
        });
        done++;
        break;
      }
      case 'token-refresher':
        count(JSON.stringify(((await invoke({ action: 'refresh', reason: 'schedule' })) as { status?: string }).status));
        done++;
        break;
      case 'authorizer-worker': {
        // The two direct invocations an operator and the schedule make; SQS jobs need authorizations in flight.
        const event = done % 2 === 0 ? { action: 'schedule' } : { action: 'authorization-link', authType: 3, ttlSec: 3600 };
        await invoke(event);
        count(event.action);
        done++;
        break;
      }
      case 'authorization-page': {
        const link = new URL(input.authorizationLink);
        await http('GET', `http://api.local${link.pathname}${link.search}`);
        done++;
        break;
      }
      case 'h5-oauth': {
        done += await signIn(input, http);
        break;
      }
    }
  }
  const report: RssDriverReport = {
    name: input.name,
    invocations: done,
    rssAfterLoadBytes,
    // resourceUsage().maxRSS is in KiB: the high-water mark over the process's whole life.
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
    heapUsedBytes: process.memoryUsage().heapUsed,
    outcomes,
  };
  process.send?.(report);
}

type Http = (
  method: string,
  url: string,
  init?: { body?: string; cookies?: string[]; headers?: Record<string, string> },
) => Promise<APIGatewayProxyStructuredResultV2>;

/** One silent sign-in: start, the simulator's authorize (plain HTTP), callback, session; three invocations. */
async function signIn(input: RssDriverInput, http: Http): Promise<number> {
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const started = await http(
    'GET',
    `http://api.local${ROUTES.h5OAuthStart}?${new URLSearchParams({
      appid: input.authorizerAppid,
      scope: 'snsapi_base',
      return_to: input.returnTo,
      code_challenge: challenge,
      code_challenge_method: 'S256',
    })}`,
  );
  const cookies = (started.cookies ?? []).map((c) => c.split(';')[0] as string);
  const authorize = await fetch(String(started.headers?.location), { redirect: 'manual' });
  const callback = new URL(authorize.headers.get('location') ?? 'http://x/');
  const back = await http('GET', `http://api.local${callback.pathname}${callback.search}`, { cookies });
  const loginCode = new URL(String(back.headers?.location ?? 'http://x/')).searchParams.get('wx_login');
  await http('POST', `http://api.local${ROUTES.h5OAuthSession}`, {
    body: JSON.stringify({ loginCode, codeVerifier: verifier }),
    headers: { origin: new URL(input.returnTo).origin, 'content-type': 'application/json' },
  });
  return 3;
}

/** An HTTP API (payload 2.0) event for `url`, as API Gateway builds it. */
function httpEvent(
  method: string,
  url: string,
  init: { body?: string; cookies?: string[]; headers?: Record<string, string> },
): APIGatewayProxyEventV2 {
  const parsed = new URL(url);
  const nowMs = Date.now();
  return {
    version: '2.0',
    routeKey: `${method} ${parsed.pathname}`,
    rawPath: parsed.pathname,
    rawQueryString: parsed.search.slice(1),
    ...(init.cookies && init.cookies.length > 0 ? { cookies: init.cookies } : {}),
    headers: { host: parsed.host, ...init.headers },
    ...(parsed.search ? { queryStringParameters: Object.fromEntries(parsed.searchParams) } : {}),
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: parsed.host,
      domainPrefix: 'api',
      http: { method, path: parsed.pathname, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'bench' },
      requestId: randomUUID(),
      routeKey: `${method} ${parsed.pathname}`,
      stage: '$default',
      time: new Date(nowMs).toUTCString(),
      timeEpoch: nowMs,
    },
    ...(init.body !== undefined ? { body: init.body } : {}),
    isBase64Encoded: false,
  };
}
