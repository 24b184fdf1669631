/**
 * The component_access_token check every component API after api_component_token shares (section 3).
 */
import { Errcode } from '../errcodes';
import type { SimRequest } from '../http-io';
import type { SimContext } from '../sim-context';

/**
 * The errcode for the token in the query, or null when it is usable: missing 41001, never issued 40001,
 * expired 42001, superseded past the grace period 40001. Newer WeChat docs name the parameter `access_token`;
 * both names are accepted, `component_access_token` first.
 */
export function checkComponentAccessTokenParam(request: SimRequest, ctx: SimContext): number | null {
  const params = request.url.searchParams;
  const token = params.get('component_access_token') || params.get('access_token');
  if (!token) return Errcode.ACCESS_TOKEN_MISSING;
  switch (ctx.tokens.check(token, ctx.now())) {
    case 'ok':
      return null;
    case 'expired':
      return Errcode.ACCESS_TOKEN_EXPIRED;
    case 'superseded':
    case 'unknown':
      return Errcode.INVALID_CREDENTIAL;
  }
}
