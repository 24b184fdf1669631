/**
 * Turns HTTP requests into route calls. WeChat API routes get stats, latency and injected failures; the
 * /__sim control endpoints get none of these, so inspecting the simulator never changes what it reports.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Errcode, errorBody } from './errcodes';
import type { FaultPlan } from './fault-plan';
import { okJson, parseJsonObject, readBody, type SimRequest, type SimResponse, stringField, writeResponse } from './http-io';
import type { SimContext, SimRoute } from './sim-context';

/** Stats and fault name of calls to paths no route serves. */
export const UNKNOWN_API = 'unknown';
/** Prefix of the simulator's own control endpoints. */
export const CONTROL_PATH_PREFIX = '/__sim/';

/** A control endpoint; it sees the request only, its handler closes over the simulator. */
export interface ControlRoute {
  method: 'GET' | 'POST';
  path: string;
  handle(request: SimRequest): SimResponse | Promise<SimResponse>;
}

/** Everything the router dispatches to. */
export interface RouterDeps {
  apiRoutes: readonly SimRoute[];
  controlRoutes: readonly ControlRoute[];
  ctx: SimContext;
  faults: FaultPlan;
}

/** Builds the node:http request listener. */
export function createRequestListener(deps: RouterDeps): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    handle(deps, req, res).catch((err: unknown) => {
      deps.ctx.log(`internal error: ${err instanceof Error ? err.name : 'unknown'}`);
      if (!res.headersSent) writeResponse(res, { status: 500, json: errorBody(Errcode.SYSTEM_ERROR) });
      else res.destroy();
    });
  };
}

async function handle(deps: RouterDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://wechat-sim.invalid');
  const body = await readBody(req);
  const request: SimRequest = { method: req.method ?? 'GET', url, body, headers: req.headers };

  if (url.pathname.startsWith(CONTROL_PATH_PREFIX)) {
    writeResponse(res, await answerControl(deps.controlRoutes, request));
    return;
  }

  const { ctx, faults } = deps;
  const route = deps.apiRoutes.find((candidate) => candidate.path === url.pathname);
  const api = route?.api ?? UNKNOWN_API;
  const faultNames = [api, url.pathname];
  ctx.stats.recordCall(api);
  // Counted before faults and checks, like `calls`: every call WeChat would see, whatever it answers.
  const authorizerAppid = authorizerAppidOf(request.body);
  if (authorizerAppid !== undefined) ctx.stats.recordAuthorizerCall(api, authorizerAppid);

  const latencyMs = faults.latencyMs();
  if (latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, latencyMs));

  if (faults.takeDrop(faultNames)) {
    ctx.stats.recordError(api, 'dropped');
    ctx.log(`${api}: connection dropped by fault injection`);
    req.socket.destroy();
    return;
  }

  const response = answerInjectedFailure(faults, faultNames) ?? (await answerRoute(route, request, ctx));
  const errorKey = errorKeyOf(response);
  if (errorKey !== null) {
    ctx.stats.recordError(api, errorKey);
    ctx.log(`${api}: ${errorKey.startsWith('http_') ? errorKey : `errcode ${errorKey}`}`);
  }
  writeResponse(res, response);
}

/** The `authorizer_appid` a JSON body names, if any. */
function authorizerAppidOf(body: string | null): string | undefined {
  if (body === null || !body.includes('authorizer_appid')) return undefined;
  const json = parseJsonObject(body);
  return json ? stringField(json, 'authorizer_appid') : undefined;
}

async function answerRoute(route: SimRoute | undefined, request: SimRequest, ctx: SimContext): Promise<SimResponse> {
  if (!route) {
    return { status: 404, json: { errcode: 404, errmsg: `no such API in the WeChat simulator: ${request.url.pathname}` } };
  }
  if (request.method !== route.method) {
    return okJson(errorBody(route.method === 'POST' ? Errcode.REQUIRE_POST : Errcode.REQUIRE_GET));
  }
  return route.handle(request, ctx);
}

function answerInjectedFailure(faults: FaultPlan, names: readonly string[]): SimResponse | null {
  const failure = faults.takeFailure(names);
  if (!failure) return null;
  if (failure.httpStatus !== undefined) {
    return failure.errcode === undefined
      ? { status: failure.httpStatus, text: `HTTP ${failure.httpStatus} injected by the WeChat simulator` }
      : { status: failure.httpStatus, json: errorBody(failure.errcode) };
  }
  return okJson(errorBody(failure.errcode ?? Errcode.SYSTEM_ERROR));
}

/** The stats key of a failed answer, or null for a success. */
function errorKeyOf(response: SimResponse): string | null {
  const json = response.json;
  if (typeof json === 'object' && json !== null && 'errcode' in json) {
    const { errcode } = json as { errcode: unknown };
    if (typeof errcode === 'number' && errcode !== 0) return String(errcode);
  }
  return response.status >= 400 ? `http_${response.status}` : null;
}

async function answerControl(routes: readonly ControlRoute[], request: SimRequest): Promise<SimResponse> {
  const matches = routes.filter((candidate) => candidate.path === request.url.pathname);
  const route = matches.find((candidate) => candidate.method === request.method);
  if (route) return route.handle(request);
  return matches.length > 0
    ? { status: 405, json: { error: `use ${matches.map((m) => m.method).join(' or ')} for ${request.url.pathname}` } }
    : { status: 404, json: { error: `no such simulator endpoint: ${request.url.pathname}` } };
}
