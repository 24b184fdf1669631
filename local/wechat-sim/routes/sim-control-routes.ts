/**
 * The simulator's own HTTP control endpoints, so tests in other processes (and curl) can drive it.
 */
import { parseSimFaults } from '../fault-plan';
import { parseJsonObject } from '../http-io';
import type { ControlRoute } from '../router';
import type { WechatSim } from '../types';
import { createAuthorizerControlRoutes } from './authorizer-control-routes';

/** GET /__sim/stats, POST /__sim/reset, POST /__sim/faults, POST /__sim/push, and the authorizer endpoints. */
export function createSimControlRoutes(sim: WechatSim): ControlRoute[] {
  return [
    { method: 'GET', path: '/__sim/stats', handle: () => ({ status: 200, json: sim.stats() }) },
    {
      method: 'POST',
      path: '/__sim/reset',
      handle: () => {
        sim.resetStats();
        return { status: 200, json: { ok: true } };
      },
    },
    {
      method: 'POST',
      path: '/__sim/faults',
      handle: (request) => {
        const body = parseJsonObject(request.body);
        if (!body) return { status: 400, json: { error: 'body must be a JSON object of SimFaults' } };
        try {
          sim.setFaults(parseSimFaults(body));
        } catch (err) {
          return { status: 400, json: { error: err instanceof TypeError ? err.message : 'invalid faults' } };
        }
        return { status: 200, json: { ok: true } };
      },
    },
    { method: 'POST', path: '/__sim/push', handle: async () => ({ status: 200, json: await sim.pushTicketNow() }) },
    ...createAuthorizerControlRoutes(sim),
  ];
}
