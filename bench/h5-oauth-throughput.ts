/**
 * h5-oauth throughput and callback latency, against the real local parts (dynalite, the KMS / Secrets Manager /
 * Lambda stand-ins, the WeChat simulator) through the same harness the integration tests use. Each sign-in is a full
 * silent (snsapi_base) flow: start → simulator authorize → callback → login code redeemed at POST /h5-oauth/session.
 * Baseline in the same run: the cheapest round trip through the same gateway and handler (GET /h5-oauth/session with no
 * token: refused before any I/O).
 */
import { TEST_AUTHORIZER_APPID } from '../local/wechat-sim/defaults';
import { TestBrowser } from '../test/support/h5-oauth-browser';
import { RETURN_TO, RETURN_TO_ORIGIN, startHarness } from '../test/support/harness';
import { newPkcePair } from '../test/support/pkce';
import { type LatencySummary, summarizeLatency } from './stats';

export interface SignInResult {
  signIns: number;
  concurrency: number;
  signInsPerSec: number;
  /** Whole flow per sign-in, ms. */
  flowMs: LatencySummary;
  /** The /h5-oauth/callback request alone (state, code exchange at the simulator, user upsert, login code), ms. */
  callbackMs: LatencySummary;
  baselineMs: LatencySummary;
  callbackP99OverBaselineP99: number;
  flowsPerSecOverBaselineRequestsPerSec: number;
  snsCalls: number;
}

export async function measureSignIn(options: { signIns?: number; concurrency?: number } = {}): Promise<SignInResult> {
  const signIns = options.signIns ?? 300;
  const concurrency = options.concurrency ?? 8;
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  const h = await startHarness();
  try {
    await h.sim.pushTicketNow();
    await h.runRefresher();
    const signInOnce = async (): Promise<{ flowMs: number; callbackMs: number }> => {
      const browser = new TestBrowser();
      const { codeVerifier, codeChallenge } = newPkcePair();
      const start = `${h.gateway.url}/h5-oauth/start?${new URLSearchParams({
        appid: TEST_AUTHORIZER_APPID,
        scope: 'snsapi_base',
        return_to: RETURN_TO,
        code_challenge: codeChallenge,
        code_challenge_method: 'S256',
      })}`;
      const t0 = performance.now();
      const started = await browser.get(start);
      const authorized = await browser.get(started.headers.get('location')!);
      const callbackUrl = authorized.headers.get('location')!;
      const c0 = performance.now();
      const back = await browser.get(callbackUrl);
      const callbackMs = performance.now() - c0;
      const loginCode = new URL(back.headers.get('location')!).searchParams.get('wx_login');
      const session = await fetch(`${h.gateway.url}/h5-oauth/session`, {
        method: 'POST',
        body: JSON.stringify({ loginCode, codeVerifier }),
        headers: { origin: RETURN_TO_ORIGIN },
      });
      if (session.status !== 200) throw new Error(`sign-in failed: session ${session.status}`);
      await session.arrayBuffer();
      return { flowMs: performance.now() - t0, callbackMs };
    };
    const baselineOnce = async (): Promise<number> => {
      const t0 = performance.now();
      const res = await fetch(`${h.gateway.url}/h5-oauth/session`);
      await res.arrayBuffer();
      if (res.status !== 401) throw new Error(`baseline expected 401, got ${res.status}`);
      return performance.now() - t0;
    };

    for (let i = 0; i < 20; i++) await signInOnce(); // warm-up: JIT, SDK clients, connections
    const baseline: number[] = [];
    for (let i = 0; i < 200; i++) baseline.push(await baselineOnce());
    const baselineWall = baseline.reduce((a, b) => a + b, 0);

    const snsBefore = h.sim.stats().calls.sns_component_access_token ?? 0;
    const flows: number[] = [];
    const callbacks: number[] = [];
    let next = 0;
    const wall0 = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < signIns) {
          next++;
          const { flowMs, callbackMs } = await signInOnce();
          flows.push(flowMs);
          callbacks.push(callbackMs);
        }
      }),
    );
    const wallMs = performance.now() - wall0;
    const baselineMs = summarizeLatency(baseline);
    const callbackMs = summarizeLatency(callbacks);
    const signInsPerSec = (signIns / wallMs) * 1000;
    return {
      signIns,
      concurrency,
      signInsPerSec,
      flowMs: summarizeLatency(flows),
      callbackMs,
      baselineMs,
      callbackP99OverBaselineP99: callbackMs.p99 / baselineMs.p99,
      flowsPerSecOverBaselineRequestsPerSec: signInsPerSec / ((baseline.length / baselineWall) * 1000),
      snsCalls: (h.sim.stats().calls.sns_component_access_token ?? 0) - snsBefore,
    };
  } finally {
    await h.close();
  }
}
