import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { withObservability } from '../../shared/log/observability';
import { completeSignIn } from '../../shared/oauth/complete-sign-in';
import type { OAuthDeps } from '../../shared/oauth/oauth-deps';
import { OAuthError } from '../../shared/oauth/oauth-errors';
import { allowedOrigins } from '../../shared/oauth/return-to';
import { endSession, readSession, redeemLoginCode } from '../../shared/oauth/session-api';
import { startSignIn } from '../../shared/oauth/start-sign-in';
import { bindingCookie, corsHeaders, failure, json, noContent, parseCookies, redirect, SESSION_METHODS } from './responses';

export const OAUTH_ROUTES = {
  start: '/oauth/start',
  callback: '/oauth/callback',
  session: '/oauth/session',
} as const;

const MAX_SESSION_BODY_BYTES = 4096;

/**
 * H5 sign-in on behalf of authorized official accounts: GET /oauth/start, GET /oauth/callback, POST, GET and DELETE
 * /oauth/session (+ its CORS preflight). Parses the request, calls shared/oauth, shapes the response.
 */
export function makeH5OAuthHandler(deps: OAuthDeps) {
  const origins = allowedOrigins(deps.returnToRules);
  // Where "try again" leads when a failure names no sign-in to repeat: the (first) application, which starts a new one.
  const firstRule = deps.returnToRules[0];
  const appUrl = firstRule ? `${firstRule.origin}${firstRule.pathPrefix}` : undefined;
  return withObservability(deps.logger, deps.metrics, async (event: APIGatewayProxyEventV2, _context: Context): Promise<APIGatewayProxyStructuredResultV2> => {
    const method = event.requestContext.http.method;
    const path = event.rawPath;
    const query = event.queryStringParameters ?? {};
    const log = (err: unknown, route: string) => {
      const code = err instanceof OAuthError ? err.code : 'INTERNAL';
      const level = code === 'INTERNAL' ? 'error' : 'warn';
      deps.logger[level]('sign-in request refused', { route, reason: code, ...(code === 'INTERNAL' ? { error: err } : {}) });
    };

    if (path === OAUTH_ROUTES.start && method === 'GET') {
      try {
        const started = await startSignIn(deps, query);
        return redirect(started.location, started.cookie ? [bindingCookie(started.cookie)] : []);
      } catch (err) {
        log(err, 'start');
        return failure(err, 'page', {}, appUrl);
      }
    }

    if (path === OAUTH_ROUTES.callback && method === 'GET') {
      try {
        const { location } = await completeSignIn(deps, { query, cookies: parseCookies(event.cookies) });
        return redirect(location);
      } catch (err) {
        log(err, 'callback');
        return failure(err, 'page', {}, appUrl);
      }
    }

    if (path === OAUTH_ROUTES.session) {
      const cors = corsHeaders(event.headers.origin, origins);
      if (!cors) {
        const refusal = new OAuthError('ORIGIN_NOT_ALLOWED', 'origin not allowed');
        log(refusal, 'session');
        return failure(refusal, 'json');
      }
      if (method === 'OPTIONS') return noContent(cors);
      try {
        if (method === 'POST') return json(200, await redeemLoginCode(deps, readRedemption(event)), cors);
        if (method === 'GET') return json(200, await readSession(deps, event.headers.authorization), cors);
        if (method === 'DELETE') {
          await endSession(deps, event.headers.authorization);
          return noContent(cors);
        }
      } catch (err) {
        log(err, 'session');
        return failure(err, 'json', cors);
      }
      return json(
        405,
        { error: 'METHOD_NOT_ALLOWED', message: 'use POST to redeem a login code, GET to read the session or DELETE to sign out' },
        { ...cors, allow: SESSION_METHODS },
      );
    }
    return json(404, { error: 'NOT_FOUND', message: 'no such route' });
  });
}

/** The JSON body of POST /oauth/session; its fields are checked by redeemLoginCode. */
function readRedemption(event: APIGatewayProxyEventV2): { loginCode: unknown; codeVerifier: unknown } {
  const raw = event.isBase64Encoded ? Buffer.from(event.body ?? '', 'base64').toString('utf8') : (event.body ?? '');
  if (raw.length > MAX_SESSION_BODY_BYTES) throw new OAuthError('BAD_REQUEST', 'request body too large');
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    throw new OAuthError('LOGIN_CODE_INVALID', 'the body must be JSON {"loginCode": "...", "codeVerifier": "..."}');
  }
  const { loginCode, codeVerifier } = (body ?? {}) as { loginCode?: unknown; codeVerifier?: unknown };
  return { loginCode, codeVerifier };
}
