/**
 * api_component_token and api_start_push_ticket (docs/wechat-protocol.md §1 and §3).
 */
import { Errcode, errorBody } from '../errcodes';
import { okJson, parseJsonObject, stringField } from '../http-io';
import type { SimRoute } from '../sim-context';
import { consumeApiQuota } from './component-api-request';
import { checkComponentCredentials } from './component-credentials';

/**
 * POST /cgi-bin/component/api_component_token.
 *
 * Checks run in this order: JSON (47001), appid (61011), secret (41004, 40125), ticket (61006 unknown or
 * missing, 61005 from CreateTime + 12 h), then the daily quota (45009). Only a call that passed every other
 * check uses quota: WeChat does not document this, and it keeps a misconfigured caller's failures from
 * eating the quota in tests.
 */
export const componentTokenRoute: SimRoute = {
  api: 'api_component_token',
  method: 'POST',
  path: '/cgi-bin/component/api_component_token',
  handle(request, ctx) {
    const body = parseJsonObject(request.body);
    if (!body) return okJson(errorBody(Errcode.DATA_FORMAT_ERROR));
    const credentialError = checkComponentCredentials(body, 'component_appsecret', ctx);
    if (credentialError !== null) return okJson(errorBody(credentialError));

    const nowMs = ctx.now();
    const ticket = stringField(body, 'component_verify_ticket');
    const ticketState = ticket === undefined ? 'unknown' : ctx.tickets.check(ticket, nowMs);
    if (ticketState === 'unknown') return okJson(errorBody(Errcode.TICKET_INVALID));
    if (ticketState === 'expired') return okJson(errorBody(Errcode.TICKET_EXPIRED));

    if (!ctx.quota.tryConsume(nowMs)) return okJson(errorBody(Errcode.DAILY_QUOTA_REACHED));
    const { token, expiresInSec } = ctx.tokens.issue(nowMs);
    ctx.stats.recordTokenIssued();
    ctx.log(`api_component_token: issued a component_access_token valid ${expiresInSec} s`);
    return okJson({ component_access_token: token, expires_in: expiresInSec });
  },
};

/**
 * POST /cgi-bin/component/api_start_push_ticket: answers ok, then pushes a fresh ticket in the background.
 * Checks: JSON (47001), appid (61011), secret (41004, 40125), then its `apiDailyQuota` (45009).
 */
export const startPushTicketRoute: SimRoute = {
  api: 'api_start_push_ticket',
  method: 'POST',
  path: '/cgi-bin/component/api_start_push_ticket',
  handle(request, ctx) {
    const body = parseJsonObject(request.body);
    if (!body) return okJson(errorBody(Errcode.DATA_FORMAT_ERROR));
    const credentialError = checkComponentCredentials(body, 'component_secret', ctx);
    if (credentialError !== null) return okJson(errorBody(credentialError));
    const quotaError = consumeApiQuota('api_start_push_ticket', ctx);
    if (quotaError) return quotaError;

    ctx.schedulePushTicket();
    return okJson({ errcode: 0, errmsg: 'ok' });
  },
};
