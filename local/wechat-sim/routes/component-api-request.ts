/**
 * The shape every component API called with a component_access_token shares (docs/wechat-protocol.md §3, §4
 * and 6): common checks, the API's own checks, its daily quota, then the answer.
 */
import { Errcode, errorBody } from '../errcodes';
import { okJson, parseJsonObject, type SimRequest, type SimResponse, stringField } from '../http-io';
import type { SimContext, SimRoute } from '../sim-context';
import { checkComponentAccessTokenParam } from './component-access-token';

/**
 * What an API's own checks decide: an errcode to answer now, or how to answer once the call has used its quota
 * (a JSON body, or an errcode from a check that must come after the quota).
 */
export type ComponentApiDecision = number | (() => Record<string, unknown> | number);

/**
 * A POST component API. Checks run in this order: component token (41001, 40001, 42001), JSON object body
 * (47001), body `component_appid` is ours (61011), then `decide`, then the API's `apiDailyQuota` (45009). So only
 * a call that passed every other check uses quota, as for api_component_token.
 */
export function componentApiRoute(spec: {
  api: string;
  path: string;
  decide(body: Record<string, unknown>, ctx: SimContext): ComponentApiDecision;
}): SimRoute {
  return {
    api: spec.api,
    method: 'POST',
    path: spec.path,
    handle(request, ctx) {
      const body = readComponentApiBody(request, ctx);
      if (typeof body === 'number') return errcodeAnswer(body);
      const decision = spec.decide(body, ctx);
      if (typeof decision === 'number') return errcodeAnswer(decision);
      if (!ctx.apiQuotas.tryConsume(spec.api, ctx.now())) return errcodeAnswer(Errcode.DAILY_QUOTA_REACHED);
      const answer = decision();
      return typeof answer === 'number' ? errcodeAnswer(answer) : okJson(answer);
    },
  };
}

/** Uses one call of `api`'s daily quota; the 45009 answer when it is used up, else null. */
export function consumeApiQuota(api: string, ctx: SimContext): SimResponse | null {
  return ctx.apiQuotas.tryConsume(api, ctx.now()) ? null : errcodeAnswer(Errcode.DAILY_QUOTA_REACHED);
}

function readComponentApiBody(request: SimRequest, ctx: SimContext): Record<string, unknown> | number {
  const tokenError = checkComponentAccessTokenParam(request, ctx);
  if (tokenError !== null) return tokenError;
  const body = parseJsonObject(request.body);
  if (!body) return Errcode.DATA_FORMAT_ERROR;
  if (stringField(body, 'component_appid') !== ctx.componentAppid) return Errcode.INVALID_COMPONENT;
  return body;
}

function errcodeAnswer(errcode: number): SimResponse {
  return okJson(errorBody(errcode));
}
