/**
 * h5-oauth callback latency and sign-in throughput, against the real local parts (dynalite, the KMS / Secrets
 * Manager / Lambda stand-ins, the WeChat simulator) through the harness the integration tests use. Each sign-in is a
 * full silent (snsapi_base) flow: start → simulator authorize → callback → login code redeemed at POST /h5-oauth/session.
 *
 * The callback is timed one sign-in at a time, each of its calls timed inside it (spans), so the floor and the
 * overhead show. Its floor, measured interleaved in the same run on raw clients against the same servers: the calls a
 * callback cannot avoid, each bare: the state consume (conditional UpdateItem), the code exchange at the simulator,
 * the KMS seal of the user's tokens, the user write (UpdateItem) and the login-code write (conditional PutItem).
 */
import { createHash, randomBytes } from 'node:crypto';
import { DynamoDBClient, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { TEST_AUTHORIZER_APPID } from '../local/wechat-sim/defaults';
import { ROUTES } from '../shared/contract';
import type { H5OAuthDeps } from '../shared/h5-oauth/h5-oauth-deps';
import { buildAuthorizeUrl } from '../shared/wechat/oauth-authorize-url';
import { TestBrowser } from '../test/support/h5-oauth-browser';
import { type Harness, RETURN_TO, RETURN_TO_ORIGIN, startHarness, TABLE_NAME } from '../test/support/harness';
import { newPkcePair } from '../test/support/pkce';
import { breakDown, CALLBACK_STEPS, type CallbackStep, type FloorCall, floorCallsOf, type OAuthScope, type Span } from './callback-steps';
import { type LatencySummary, latencyCurve, summarizeLatency } from './stats';

/** One scope's callback latency, step by step, and its floor. */
export interface CallbackLatency {
  scope: OAuthScope;
  /** Sign-ins timed one at a time. */
  sequentialSignIns: number;
  callbackMs: LatencySummary;
  callbackCurveMs: number[];
  /**
   * Each part of the callback, ms per callback. Calls that overlap each count in full, so the parts may add up to more
   * than the callback; 'outside the calls' is the callback's time outside every call (HTTP, gateway, handler code).
   */
  stepsMs: Record<CallbackStep, LatencySummary>;
  /** The bare calls of this scope's floor (floorCallsOf). */
  floorMs: Partial<Record<FloorCall, LatencySummary>>;
  /** Sum of the floor calls' p99s: what the goal divides by. */
  floorP99SumMs: number;
  floorP50SumMs: number;
  callbackP99OverFloorP99Sum: number;
  callbackP50OverFloorP50Sum: number;
}

/** snsapi_base callbacks (the goal), snsapi_userinfo callbacks, and full-flow throughput. */
export interface SignInResult extends CallbackLatency {
  userinfo: CallbackLatency;
  /** Throughput run: full snsapi_base flows, `concurrency` at a time. */
  signIns: number;
  concurrency: number;
  signInsPerSec: number;
  flowMs: LatencySummary;
  /** sns_component_access_token calls the simulator saw in the throughput run: one per sign-in. */
  snsCalls: number;
}

const WARMUP_SIGN_INS = 20;

export async function measureSignIn(
  options: { sequential?: number; userinfoSequential?: number; signIns?: number; concurrency?: number } = {},
): Promise<SignInResult> {
  const sequential = options.sequential ?? 120;
  const userinfoSequential = options.userinfoSequential ?? 60;
  const signIns = options.signIns ?? 80;
  const concurrency = options.concurrency ?? 8;
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  const h = await startHarness();
  const bareDynamo = new DynamoDBClient(h.aws.clientConfig('dynamodb'));
  const bareKms = new KMSClient(h.aws.clientConfig('kms'));
  try {
    await h.sim.pushTicketNow();
    await h.runRefresher();
    const componentAccessToken = await h.newReader().getComponentAccessToken();
    const spans = instrument(h);

    const floorCalls = bareFloorCalls(h, bareDynamo, bareKms, componentAccessToken);
    for (let i = 0; i < WARMUP_SIGN_INS; i++) {
      await signInOnce(h, i % 2 === 0 ? 'snsapi_base' : 'snsapi_userinfo');
      await floorCalls(i % 2 === 0 ? 'snsapi_base' : 'snsapi_userinfo');
    }
    const base = await timeCallbacks(h, 'snsapi_base', sequential, spans, floorCalls);
    const userinfo = await timeCallbacks(h, 'snsapi_userinfo', userinfoSequential, spans, floorCalls);

    const snsBefore = h.sim.stats().calls.sns_component_access_token ?? 0;
    const flows: number[] = [];
    let next = 0;
    const wall0 = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < signIns) {
          next++;
          const t0 = performance.now();
          await signInOnce(h, 'snsapi_base');
          flows.push(performance.now() - t0);
        }
      }),
    );
    const wallMs = performance.now() - wall0;

    return {
      ...base,
      userinfo,
      signIns,
      concurrency,
      signInsPerSec: (signIns / wallMs) * 1000,
      flowMs: summarizeLatency(flows),
      snsCalls: (h.sim.stats().calls.sns_component_access_token ?? 0) - snsBefore,
    };
  } finally {
    bareDynamo.destroy();
    bareKms.destroy();
    await h.close();
  }
}

/** Callbacks of `scope` one at a time, each next to a run of its floor's bare calls, alternating which goes first. */
async function timeCallbacks(
  h: Harness,
  scope: OAuthScope,
  rounds: number,
  recorder: SpanRecorder,
  floorCalls: ReturnType<typeof bareFloorCalls>,
): Promise<CallbackLatency> {
  const callbacks: number[] = [];
  const steps = Object.fromEntries(CALLBACK_STEPS.map((s) => [s, [] as number[]])) as Record<CallbackStep, number[]>;
  const calls = floorCallsOf(scope);
  const floor = Object.fromEntries(calls.map((c) => [c, [] as number[]])) as Record<FloorCall, number[]>;
  const timedSignIn = async () => {
    const { callbackMs, callbackSpans } = await signInOnce(h, scope, recorder);
    callbacks.push(callbackMs);
    for (const [step, ms] of Object.entries(breakDown(callbackMs, callbackSpans))) steps[step as CallbackStep].push(ms);
  };
  const timedFloor = async () => {
    for (const [call, ms] of Object.entries(await floorCalls(scope))) floor[call as FloorCall].push(ms);
  };
  for (let round = 0; round < rounds; round++) {
    // A slow spell on the shared machine then lands on subject and floor alike.
    for (const run of round % 2 === 0 ? [timedSignIn, timedFloor] : [timedFloor, timedSignIn]) await run();
  }
  const callbackMs = summarizeLatency(callbacks);
  const floorMs = Object.fromEntries(calls.map((c) => [c, summarizeLatency(floor[c])])) as Partial<Record<FloorCall, LatencySummary>>;
  const sum = (key: 'p50' | 'p99') => calls.reduce((total, c) => total + (floorMs[c]?.[key] ?? 0), 0);
  return {
    scope,
    sequentialSignIns: rounds,
    callbackMs,
    callbackCurveMs: latencyCurve(callbacks),
    stepsMs: Object.fromEntries(CALLBACK_STEPS.map((s) => [s, summarizeLatency(steps[s])])) as Record<CallbackStep, LatencySummary>,
    floorMs,
    floorP99SumMs: sum('p99'),
    floorP50SumMs: sum('p50'),
    callbackP99OverFloorP99Sum: callbackMs.p99 / sum('p99'),
    callbackP50OverFloorP50Sum: callbackMs.p50 / sum('p50'),
  };
}

/** Spans of the calls a callback makes, recorded while `recording` is on (one sign-in at a time, so they are its own). */
interface SpanRecorder {
  recording: boolean;
  spans: Span[];
}

/**
 * Times the h5-oauth dependencies the callback calls, in place: the handler reads them from the same object at each
 * request. The KMS seal is timed on the shared KMS client (it happens inside the user upsert).
 */
function instrument(h: Harness): SpanRecorder {
  const recorder: SpanRecorder = { recording: false, spans: [] };
  const deps: H5OAuthDeps = h.h5OAuthDeps;
  const timed =
    <A extends unknown[], R>(step: Span['step'], fn: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      const start = performance.now();
      try {
        return await fn(...args);
      } finally {
        if (recorder.recording) recorder.spans.push({ step, start, end: performance.now() });
      }
    };
  const { states, users, loginCodes, sns } = deps;
  deps.states = {
    ...states,
    get: timed('state read', states.get.bind(states)),
    consume: timed('state consume', states.consume.bind(states)),
    complete: timed('state complete', states.complete.bind(states)),
  };
  deps.users = { ...users, upsert: timed('user upsert', users.upsert.bind(users)) };
  deps.loginCodes = { ...loginCodes, issue: timed('login-code write', loginCodes.issue.bind(loginCodes)) };
  deps.sns = {
    ...sns,
    exchangeCode: timed('code exchange', sns.exchangeCode.bind(sns)),
    getUserInfo: timed('profile read', sns.getUserInfo.bind(sns)),
  };
  h.kms.middlewareStack.add(
    (next, context) => async (args) => {
      const start = performance.now();
      try {
        return await next(args);
      } finally {
        if (recorder.recording && context.commandName === 'EncryptCommand')
          recorder.spans.push({ step: 'KMS seal', start, end: performance.now() });
      }
    },
    { step: 'initialize', name: 'benchSealTiming' },
  );
  return recorder;
}

/** One full silent sign-in; with a recorder, the callback's spans are recorded and returned. */
async function signInOnce(h: Harness, scope: OAuthScope, recorder?: SpanRecorder): Promise<{ callbackMs: number; callbackSpans: Span[] }> {
  const browser = new TestBrowser();
  const { codeVerifier, codeChallenge } = newPkcePair();
  const start = `${h.gateway.url}${ROUTES.h5OAuthStart}?${new URLSearchParams({
    appid: TEST_AUTHORIZER_APPID,
    scope,
    return_to: RETURN_TO,
    code_challenge: codeChallenge,
    code_challenge_method: 'S256',
  })}`;
  const started = await browser.get(start);
  const authorize = new URL(started.headers.get('location')!);
  // The simulator's consent page answered at once as its first user (snsapi_base needs no consent).
  authorize.searchParams.set('sim_user', h.sim.oauthUsers()[0]!.id);
  const authorized = await browser.get(authorize.href);
  const callbackUrl = authorized.headers.get('location')!;
  if (recorder) {
    recorder.spans = [];
    recorder.recording = true;
  }
  const c0 = performance.now();
  const back = await browser.get(callbackUrl);
  const callbackMs = performance.now() - c0;
  const callbackSpans = recorder?.spans ?? [];
  if (recorder) recorder.recording = false;
  const loginCode = new URL(back.headers.get('location')!).searchParams.get('wx_login');
  if (!loginCode) throw new Error(`sign-in failed: the callback answered ${back.status} without a login code`);
  const session = await fetch(`${h.gateway.url}${ROUTES.h5OAuthSession}`, {
    method: 'POST',
    body: JSON.stringify({ loginCode, codeVerifier }),
    headers: { origin: RETURN_TO_ORIGIN },
  });
  if (session.status !== 200) throw new Error(`sign-in failed: session ${session.status}`);
  await session.arrayBuffer();
  return { callbackMs, callbackSpans };
}

/**
 * The floor's calls, bare, on raw clients and plain fetch, each timed on its own; what they need (a state item to
 * consume, a code from the simulator) is made first, untimed. Items have the shape and size of the real ones.
 */
function bareFloorCalls(h: Harness, dynamo: DynamoDBClient, kms: KMSClient, componentAccessToken: string) {
  const componentAppid = h.h5OAuthDeps.componentAppid;
  const redirectUri = `${h.gateway.url}${ROUTES.h5OAuthCallback}`;
  let n = 0;
  return async (scope: OAuthScope): Promise<Partial<Record<FloorCall, number>>> => {
    n++;
    const state = randomBytes(16).toString('hex');
    const statePk = { S: `BENCH#state#${state}` };
    const nowMs = Date.now();
    await dynamo.send(
      new PutItemCommand({
        TableName: TABLE_NAME,
        Item: { pk: statePk, sk: { S: 'STATE' }, state: { S: state }, expiresAtMs: { N: String(nowMs + 600_000) } },
      }),
    );
    const authorize = await fetch(
      buildAuthorizeUrl({
        openBaseUrl: h.sim.url,
        authorizerAppid: TEST_AUTHORIZER_APPID,
        redirectUri,
        scope,
        state,
        componentAppid,
      }).replace('#wechat_redirect', `&sim_user=${encodeURIComponent(h.sim.oauthUsers()[0]!.id)}#wechat_redirect`),
      { redirect: 'manual' },
    );
    const code = new URL(authorize.headers.get('location') ?? 'http://x/').searchParams.get('code');
    if (!code) throw new Error(`the simulator gave no code (HTTP ${authorize.status})`);

    const out: Partial<Record<FloorCall, number>> = {};
    const time = async (call: FloorCall, run: () => Promise<unknown>) => {
      const t0 = performance.now();
      await run();
      out[call] = performance.now() - t0;
    };
    await time('state consume', () =>
      dynamo.send(
        new UpdateItemCommand({
          TableName: TABLE_NAME,
          Key: { pk: statePk, sk: { S: 'STATE' } },
          UpdateExpression: 'SET consumedAtMs = :now, codeSha256 = :code',
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(consumedAtMs) AND expiresAtMs > :now',
          ExpressionAttributeValues: { ':now': { N: String(nowMs) }, ':code': { S: createHash('sha256').update(code).digest('hex') } },
        }),
      ),
    );
    let tokens = '';
    let openid = '';
    let accessToken = '';
    await time('code exchange', async () => {
      const query = new URLSearchParams({
        appid: TEST_AUTHORIZER_APPID,
        code,
        grant_type: 'authorization_code',
        component_appid: componentAppid,
        component_access_token: componentAccessToken,
      });
      const res = await fetch(`${h.sim.url}/sns/oauth2/component/access_token?${query}`);
      const body = (await res.json()) as { access_token?: string; refresh_token?: string; openid?: string };
      if (!body.access_token || !body.openid) throw new Error('the simulator refused a bench code exchange');
      openid = body.openid;
      accessToken = body.access_token;
      tokens = JSON.stringify({ accessToken, refreshToken: body.refresh_token, accessTokenExpiresAtMs: nowMs, scope });
    });
    if (scope === 'snsapi_userinfo') {
      await time('profile read', async () => {
        const res = await fetch(`${h.sim.url}/sns/userinfo?${new URLSearchParams({ access_token: accessToken, openid, lang: 'zh_CN' })}`);
        const body = (await res.json()) as { openid?: string };
        if (body.openid !== openid) throw new Error('the simulator refused a bench profile read');
      });
    }
    let sealed: Uint8Array | undefined;
    await time('KMS seal', async () => {
      const res = await kms.send(
        new EncryptCommand({
          KeyId: h.aws.kmsKeyId,
          Plaintext: Buffer.from(tokens, 'utf8'),
          EncryptionContext: { componentAppid, purpose: 'user_oauth_tokens' },
        }),
      );
      sealed = res.CiphertextBlob;
    });
    await time('user write', () =>
      dynamo.send(
        new UpdateItemCommand({
          TableName: TABLE_NAME,
          Key: { pk: { S: `BENCH#user#${openid}#${n % 50}` }, sk: { S: 'PROFILE' } },
          UpdateExpression:
            'SET authorizerAppid = :appid, openid = :openid, lastSeenAtMs = :now, tokensCiphertext = :tokens, firstSeenAtMs = if_not_exists(firstSeenAtMs, :now), #scope = if_not_exists(#scope, :scope) ADD signInCount :one',
          ExpressionAttributeNames: { '#scope': 'scope' },
          ExpressionAttributeValues: {
            ':appid': { S: TEST_AUTHORIZER_APPID },
            ':openid': { S: openid },
            ':now': { N: String(nowMs) },
            ':tokens': { B: sealed ?? new Uint8Array() },
            ':scope': { S: scope },
            ':one': { N: '1' },
          },
          ReturnValues: 'ALL_NEW',
        }),
      ),
    );
    await time('login-code write', () =>
      dynamo.send(
        new PutItemCommand({
          TableName: TABLE_NAME,
          Item: {
            pk: { S: `BENCH#login#${randomBytes(32).toString('hex')}` },
            sk: { S: 'LOGIN_CODE' },
            authorizerAppid: { S: TEST_AUTHORIZER_APPID },
            openid: { S: openid },
            codeChallenge: { S: randomBytes(32).toString('base64url') },
            expiresAtMs: { N: String(nowMs + 120_000) },
            ttl: { N: String(Math.ceil(nowMs / 1000) + 3720) },
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
    return out;
  };
}
