/**
 * Control endpoints for the accounts that authorize the component, mirroring the WechatSim methods, for the
 * local runtime and checks from other processes. Bad input answers HTTP 400 with `{error}` naming the field.
 */
import { parseJsonObject, type SimRequest, type SimResponse } from '../http-io';
import type { ControlRoute } from '../router';
import type { SimAddAccountsOptions, SimAuthorizeInput, WechatSim } from '../types';

/**
 * POST /__sim/authorize `{authorizerAppid, authType?, funcInfo?}` → `{authorizationCode, infoType, push}`;
 * POST /__sim/revoke `{authorizerAppid}` → the PushResult of the `unauthorized` push;
 * POST /__sim/accounts `{count, kind?, prefix?}` → `{appids}`;
 * GET /__sim/authorizers → `{authorizers}` (profiles and states, no tokens);
 * GET /__sim/authorization-codes → `{codes}` (api_query_auth counters by code fingerprint).
 */
export function createAuthorizerControlRoutes(sim: WechatSim): ControlRoute[] {
  return [
    {
      method: 'POST',
      path: '/__sim/authorize',
      handle: (request) => withJsonBody(request, async (body) => json(await sim.authorize(body as unknown as SimAuthorizeInput))),
    },
    {
      method: 'POST',
      path: '/__sim/revoke',
      handle: (request) => withJsonBody(request, async (body) => json(await sim.revokeAuthorization(requireAppid(body.authorizerAppid)))),
    },
    {
      method: 'POST',
      path: '/__sim/accounts',
      handle: (request) =>
        withJsonBody(request, (body) => {
          const { count, ...options } = body;
          return json({ appids: sim.addAuthorizedAccounts(count as number, options as SimAddAccountsOptions) });
        }),
    },
    { method: 'GET', path: '/__sim/authorizers', handle: () => json({ authorizers: sim.authorizers() }) },
    { method: 'GET', path: '/__sim/authorization-codes', handle: () => json({ codes: sim.authorizationCodeStats() }) },
  ];
}

/** Runs `act` on the JSON object body; a TypeError from it (bad input) becomes HTTP 400 with its message. */
async function withJsonBody(
  request: SimRequest,
  act: (body: Record<string, unknown>) => SimResponse | Promise<SimResponse>,
): Promise<SimResponse> {
  const body = parseJsonObject(request.body);
  if (!body) return { status: 400, json: { error: 'body must be a JSON object' } };
  try {
    return await act(body);
  } catch (err) {
    if (err instanceof TypeError) return { status: 400, json: { error: err.message } };
    throw err;
  }
}

function requireAppid(value: unknown): string {
  if (typeof value !== 'string' || value === '') throw new TypeError('authorizerAppid must be a non-empty string');
  return value;
}

function json(value: unknown): SimResponse {
  return { status: 200, json: value };
}
