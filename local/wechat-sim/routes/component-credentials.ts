/**
 * The appid and secret check shared by api_component_token and api_start_push_ticket.
 */
import { Errcode } from '../errcodes';
import { stringField } from '../http-io';
import type { SimContext } from '../sim-context';

/**
 * The errcode for a bad component_appid (61011), a missing secret (41004) or a wrong one (40125), in that
 * order, or null when both are right. `secretField` differs per API: `component_appsecret` or `component_secret`.
 */
export function checkComponentCredentials(
  body: Record<string, unknown>,
  secretField: 'component_appsecret' | 'component_secret',
  ctx: SimContext,
): number | null {
  if (stringField(body, 'component_appid') !== ctx.componentAppid) return Errcode.INVALID_COMPONENT;
  const secret = stringField(body, secretField);
  if (secret === undefined) return Errcode.APPSECRET_MISSING;
  if (secret !== ctx.componentAppsecret) return Errcode.INVALID_APPSECRET;
  return null;
}
