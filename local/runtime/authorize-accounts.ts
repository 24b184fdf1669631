import { setTimeout as delay } from 'node:timers/promises';
import { sha256Hex } from '../../shared/crypto/digests';
import type { AuthorizationCodeStore, CodeStatus } from '../../shared/store/authorization-code-store';
import type { AuthorizerStatusName, AuthorizerStore } from '../../shared/store/authorizer-store';
import type { WechatSim } from '../wechat-sim/server';

/** How one account's startup authorization ended. */
export interface AccountAuthorization {
  authorizerAppid: string;
  /**
   * The store's status for the account once its code was exchanged; else the code's own end (`refused`, `lost`), or
   * `pending` when it had not ended in time.
   */
  status: AuthorizerStatusName | 'pending' | 'refused' | 'lost';
  /** When the account's access token expires (from the store's metadata), or null without one. */
  tokenExpiresAtMs: number | null;
  /** Why it is not authorized, when it is not: what an operator looks at next. */
  problem?: string;
}

/** Code statuses after which nothing more happens to a code. */
const SETTLED: ReadonlySet<CodeStatus> = new Set(['exchanged', 'refused', 'lost']);

/**
 * Authorizes each account through the real path: the simulator authorizes the component for it and pushes
 * `authorized` with a fresh authorization code; the receiver records and queues the code, and the worker exchanges
 * it with api_query_auth. Waits until every code is settled, or `timeoutMs` has passed, then reads each account's
 * status and token expiry from the store (metadata only: no token is opened).
 */
export async function authorizeAccounts(input: {
  sim: Pick<WechatSim, 'authorize'>;
  codes: Pick<AuthorizationCodeStore, 'get'>;
  authorizers: Pick<AuthorizerStore, 'getReaderView'>;
  authorizerAppids: readonly string[];
  timeoutMs: number;
  /** @default Date.now */
  now?: () => number;
  /** @default a setTimeout-based sleep */
  sleep?: (ms: number) => Promise<void>;
  /** @default 100 */
  pollIntervalMs?: number;
}): Promise<AccountAuthorization[]> {
  const now = input.now ?? Date.now;
  const sleep = input.sleep ?? ((ms: number) => delay(ms));
  const deadline = now() + input.timeoutMs;
  const started = await Promise.all(
    input.authorizerAppids.map(async (authorizerAppid) => {
      const { authorizationCode, push } = await input.sim.authorize({ authorizerAppid });
      return { authorizerAppid, codeSha256: sha256Hex(authorizationCode), pushProblem: push.acked ? null : describePush(push) };
    }),
  );

  const settled = new Map<string, CodeStatus>();
  for (;;) {
    for (const { codeSha256 } of started) {
      if (settled.has(codeSha256)) continue;
      const code = await input.codes.get(codeSha256);
      if (code && SETTLED.has(code.status)) settled.set(codeSha256, code.status);
    }
    if (settled.size === started.length || now() >= deadline) break;
    await sleep(input.pollIntervalMs ?? 100);
  }

  return Promise.all(
    started.map(async ({ authorizerAppid, codeSha256, pushProblem }): Promise<AccountAuthorization> => {
      const codeStatus = settled.get(codeSha256);
      const view = await input.authorizers.getReaderView(authorizerAppid);
      const tokenExpiresAtMs = view?.accessToken?.expiresAtMs ?? null;
      if (codeStatus === 'exchanged' && view) return { authorizerAppid, status: view.status, tokenExpiresAtMs };
      if (codeStatus === 'refused')
        return { authorizerAppid, status: codeStatus, tokenExpiresAtMs, problem: 'WeChat refused the authorization code' };
      if (codeStatus === 'lost')
        return { authorizerAppid, status: codeStatus, tokenExpiresAtMs, problem: 'the authorization code was used up without an answer' };
      const waited = `not exchanged within ${Math.round(input.timeoutMs / 1000)} s`;
      return { authorizerAppid, status: 'pending', tokenExpiresAtMs, problem: pushProblem ? `${waited}; ${pushProblem}` : waited };
    }),
  );
}

/** One line per account: appid, status and token expiry, never the token. */
export function describeAuthorization(result: AccountAuthorization): string {
  const validUntil = result.tokenExpiresAtMs === null ? 'no token' : `token valid until ${new Date(result.tokenExpiresAtMs).toISOString()}`;
  return `${result.authorizerAppid}: ${result.status}, ${validUntil}${result.problem ? ` (${result.problem})` : ''}`;
}

function describePush(push: { status: number | null; error?: string }): string {
  return push.status === null
    ? `the authorized push was not delivered (${push.error ?? 'no answer'})`
    : `the receiver answered the push with HTTP ${push.status}`;
}
