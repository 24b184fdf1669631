import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { ROUTES } from '../../shared/contract';
import { completeH5OAuth } from '../../shared/h5-oauth/complete-h5-oauth';
import type { H5OAuthDeps } from '../../shared/h5-oauth/h5-oauth-deps';
import { H5OAuthError } from '../../shared/h5-oauth/h5-oauth-errors';
import { allowedOrigins } from '../../shared/h5-oauth/return-to';
import { endSession, readSession, redeemLoginCode } from '../../shared/h5-oauth/session-api';
import { startH5OAuth } from '../../shared/h5-oauth/start-h5-oauth';
import { withObservability } from '../../shared/log/observability';
import { bindingCookie, corsHeaders, failure, json, noContent, parseCookies, redirect, SESSION_METHODS } from './responses';

const MAX_SESSION_BODY_BYTES = 4096;

type Result = APIGatewayProxyStructuredResultV2;

/** One route of the h5-oauth function; `kind` says how its failures are answered (a page for browsers, JSON for the API). */
interface Route {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  name: 'start' | 'callback' | 'session';
  handle(event: APIGatewayProxyEventV2, cors: Record<string, string>): Promise<Result>;
}

const kindOf = (path: string): 'page' | 'json' => (path === ROUTES.h5OAuthSession ? 'json' : 'page');

/**
 * h5-oauth, web authorization on behalf of authorized official accounts: GET start, GET callback, and POST, GET and
 * DELETE session (+ its CORS preflight) under /h5-oauth/. Parses the request, calls shared/h5-oauth, shapes the
 * response; every failure takes the one path at the end (log, then a page or JSON from `failure`).
 */
export function makeH5OAuthHandler(deps: H5OAuthDeps) {
  const origins = allowedOrigins(deps.returnToRules);
  // Where "try again" leads when a failure names no sign-in to repeat: the (first) application, which starts a new one.
  const firstRule = deps.returnToRules[0];
  const appUrl = firstRule ? `${firstRule.origin}${firstRule.pathPrefix}` : undefined;
  const routes: Route[] = [
    {
      method: 'GET',
      path: ROUTES.h5OAuthStart,
      name: 'start',
      handle: async (event) => {
        const started = await startH5OAuth(deps, event.queryStringParameters ?? {});
        return redirect(started.location, started.cookie ? [bindingCookie(started.cookie)] : []);
      },
    },
    {
      method: 'GET',
      path: ROUTES.h5OAuthCallback,
      name: 'callback',
      handle: async (event) => {
        const { location } = await completeH5OAuth(deps, {
          query: event.queryStringParameters ?? {},
          cookies: parseCookies(event.cookies),
        });
        return redirect(location);
      },
    },
    {
      method: 'POST',
      path: ROUTES.h5OAuthSession,
      name: 'session',
      handle: async (event, cors) => json(200, await redeemLoginCode(deps, readRedemption(event)), cors),
    },
    {
      method: 'GET',
      path: ROUTES.h5OAuthSession,
      name: 'session',
      handle: async (event, cors) => json(200, await readSession(deps, event.headers.authorization), cors),
    },
    {
      method: 'DELETE',
      path: ROUTES.h5OAuthSession,
      name: 'session',
      handle: async (event, cors) => {
        await endSession(deps, event.headers.authorization);
        return noContent(cors);
      },
    },
  ];

  return withObservability(deps.logger, deps.metrics, async (event: APIGatewayProxyEventV2, _context: Context): Promise<Result> => {
    const { method } = event.requestContext.http;
    const path = event.rawPath;
    const onPath = routes.filter((route) => route.path === path);
    if (onPath.length === 0) return json(404, { error: 'NOT_FOUND', message: 'no such route' });
    // Only the session API is called cross-origin (from the allow-listed pages); the other routes are navigations.
    const cors = path === ROUTES.h5OAuthSession ? corsHeaders(event.headers.origin, origins) : {};
    try {
      if (cors === null) throw new H5OAuthError('ORIGIN_NOT_ALLOWED', 'origin not allowed');
      if (method === 'OPTIONS' && path === ROUTES.h5OAuthSession) return noContent(cors);
      const route = onPath.find((candidate) => candidate.method === method);
      if (!route) return methodNotAllowed(onPath, cors);
      return await route.handle(event, cors);
    } catch (err) {
      const code = err instanceof H5OAuthError ? err.code : 'INTERNAL';
      const level = code === 'INTERNAL' ? 'error' : 'warn';
      deps.logger[level]('h5-oauth request refused', {
        route: onPath[0]!.name,
        reason: code,
        ...(code === 'INTERNAL' ? { error: err } : {}),
      });
      return failure(err, kindOf(path), cors ?? {}, appUrl);
    }
  });
}

function methodNotAllowed(onPath: Route[], cors: Record<string, string>): Result {
  if (kindOf(onPath[0]!.path) === 'page') return json(405, { error: 'METHOD_NOT_ALLOWED', message: 'use GET' }, { allow: 'GET' });
  return json(
    405,
    { error: 'METHOD_NOT_ALLOWED', message: 'use POST to redeem a login code, GET to read the session or DELETE to sign out' },
    { ...cors, allow: SESSION_METHODS },
  );
}

/** The JSON body of POST /h5-oauth/session; its fields are checked by redeemLoginCode. */
function readRedemption(event: APIGatewayProxyEventV2): { loginCode: unknown; codeVerifier: unknown } {
  const raw = event.isBase64Encoded ? Buffer.from(event.body ?? '', 'base64').toString('utf8') : (event.body ?? '');
  if (raw.length > MAX_SESSION_BODY_BYTES) throw new H5OAuthError('BAD_REQUEST', 'request body too large');
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    throw new H5OAuthError('LOGIN_CODE_INVALID', 'the body must be JSON {"loginCode": "...", "codeVerifier": "..."}');
  }
  const { loginCode, codeVerifier } = (body ?? {}) as { loginCode?: unknown; codeVerifier?: unknown };
  return { loginCode, codeVerifier };
}
