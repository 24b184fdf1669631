/**
 * Test helpers: a fake clock, a simulator with canary credentials, and a JSON client.
 */
import { startWechatSim, type WechatSim, type WechatSimOptions } from '../../../local/wechat-sim/server';

/** Canary credentials: tests assert these values never show up in logs or answers. */
export const CANARY = {
  componentAppid: 'wx1234567890abcdef',
  componentAppsecret: 'CANARY-appsecret-9f8e7d6c5b4a',
  token: 'CANARYmessagetoken',
  encodingAesKey: 'CANARYkey0123456789abcdefghijklmnopqrstuvwx',
} as const;

/** 2025-01-15 12:00:00 Beijing time (04:00 UTC). */
export const NOON_BEIJING_MS = Date.UTC(2025, 0, 15, 4, 0, 0);

/** A clock the test moves by hand. */
export interface FakeClock {
  now: () => number;
  advanceSec(seconds: number): void;
  setMs(ms: number): void;
}

/** A frozen clock starting at `startMs`. */
export function fakeClock(startMs = NOON_BEIJING_MS): FakeClock {
  let nowMs = startMs;
  return {
    now: () => nowMs,
    advanceSec: (seconds) => {
      nowMs += seconds * 1000;
    },
    setMs: (ms) => {
      nowMs = ms;
    },
  };
}

const running: WechatSim[] = [];

/** Starts a sim with the canary credentials on a random port; no automatic pushes unless asked. */
export async function startTestSim(overrides: Partial<WechatSimOptions> = {}): Promise<WechatSim> {
  const sim = await startWechatSim({ ...CANARY, autoPush: false, ...overrides });
  running.push(sim);
  return sim;
}

/** Closes every sim started by startTestSim; call from afterEach. */
export async function closeTestSims(): Promise<void> {
  await Promise.all(running.splice(0).map((sim) => sim.close()));
}

/** POSTs `body` (JSON-encoded unless already a string) and returns the status and parsed JSON answer. */
export async function postJson(url: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

/** The valid api_component_token request body for `ticket`. */
export function tokenRequest(ticket: string): Record<string, string> {
  return {
    component_appid: CANARY.componentAppid,
    component_appsecret: CANARY.componentAppsecret,
    component_verify_ticket: ticket,
  };
}

/** Issues a ticket (no receiver needed) and fetches a component_access_token with it. */
export async function fetchComponentToken(sim: WechatSim): Promise<string> {
  if (!sim.latestTicket()) await sim.pushTicketNow();
  const ticket = sim.latestTicket();
  if (!ticket) throw new Error('the simulator issued no ticket');
  const { json } = await postJson(`${sim.url}/cgi-bin/component/api_component_token`, tokenRequest(ticket.ticket));
  if (typeof json.component_access_token !== 'string') throw new Error(`no token: errcode ${String(json.errcode)}`);
  return json.component_access_token;
}
