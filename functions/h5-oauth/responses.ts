import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { H5OAuthError } from '../../shared/h5-oauth/h5-oauth-errors';
import { FAILURES, renderErrorPage } from './error-pages';

const NO_STORE = { 'cache-control': 'no-store', 'referrer-policy': 'no-referrer', 'x-content-type-options': 'nosniff' };

export function redirect(location: string, cookies: string[] = []): APIGatewayProxyStructuredResultV2 {
  return { statusCode: 302, headers: { ...NO_STORE, location }, ...(cookies.length ? { cookies } : {}), body: '' };
}

/** 204 with no body: logout, and the CORS preflight. */
export function noContent(headers: Record<string, string> = {}): APIGatewayProxyStructuredResultV2 {
  return { statusCode: 204, headers: { ...NO_STORE, ...headers }, body: '' };
}

export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode,
    headers: { ...NO_STORE, 'content-type': 'application/json; charset=utf-8', ...headers },
    body: JSON.stringify(body),
  };
}

/**
 * The one place a failure becomes a response: an HTML page for browser routes, JSON for the session API. `appUrl` is
 * the page's retry link when the error names no sign-in to repeat.
 */
export function failure(
  err: unknown,
  kind: 'page' | 'json',
  headers: Record<string, string> = {},
  appUrl?: string,
): APIGatewayProxyStructuredResultV2 {
  const code = err instanceof H5OAuthError ? err.code : 'INTERNAL';
  const { status, en } = FAILURES[code];
  if (kind === 'json') {
    // Every 401 is about the bearer token (RFC 6750 section 3.1): invalid, logged out, or of a revoked authorizer.
    const auth: Record<string, string> = status === 401 ? { 'www-authenticate': 'Bearer error="invalid_token"' } : {};
    return json(status, { error: code, message: en }, { ...headers, ...auth });
  }
  return {
    statusCode: status,
    headers: {
      ...NO_STORE,
      ...headers,
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy':
        "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    },
    body: renderErrorPage(code, err instanceof H5OAuthError ? err.retryUrl : undefined, appUrl),
  };
}

/** Set-Cookie for the browser binding: `__Host-` prefix, so Secure, host-only and Path=/ are guaranteed by the browser. */
export function bindingCookie(cookie: { name: string; value: string; maxAgeSec: number }): string {
  return `${cookie.name}=${cookie.value}; Max-Age=${cookie.maxAgeSec}; Path=/; Secure; HttpOnly; SameSite=Lax`;
}

/** Cookies of an HTTP API v2 event as a map (API Gateway puts them in `cookies`, not in headers). */
export function parseCookies(cookies: string[] | undefined): Record<string, string> {
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const cookie of cookies ?? []) {
    for (const part of cookie.split(';')) {
      const index = part.indexOf('=');
      if (index > 0) out[part.slice(0, index).trim()] = part.slice(index + 1).trim();
    }
  }
  return out;
}

/** What /h5-oauth/session answers: redeem a login code, read the session, log out (and the CORS preflight). */
export const SESSION_METHODS = 'GET, POST, DELETE, OPTIONS';

/** CORS for the session API: only the origins of the return_to allow-list. */
export function corsHeaders(origin: string | undefined, allowed: ReadonlySet<string>): Record<string, string> | null {
  if (!origin) return {};
  if (!allowed.has(origin)) return null;
  return {
    'access-control-allow-origin': origin,
    'access-control-allow-methods': SESSION_METHODS,
    'access-control-allow-headers': 'authorization, content-type',
    'access-control-max-age': '600',
    vary: 'Origin',
  };
}
