import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { AuthorizationPageError } from '../../shared/authorizer/authorization-page-errors';
import { FAILURES, renderFailurePage } from './pages';

type Result = APIGatewayProxyStructuredResultV2;

/**
 * How each page may send a Referer when the visitor follows a link from it. The links page must send its origin:
 * WeChat's consent pages check that the visitor came from the authorization initiation domain (docs/wechat-protocol.md
 * §4), and `no-referrer` makes them refuse. `strict-origin-when-cross-origin` sends WeChat the origin only, never the
 * page's query (the link's signature). The callback's pages carry the auth_code in their URL: they send nothing.
 */
export type ReferrerPolicy = 'strict-origin-when-cross-origin' | 'no-referrer';

const CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** An HTML page that is never cached (each view has its own pre_auth_code) and runs no script. */
export function htmlPage(statusCode: number, body: string, referrerPolicy: ReferrerPolicy, headers: Record<string, string> = {}): Result {
  return {
    statusCode,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'referrer-policy': referrerPolicy,
      'content-security-policy': CSP,
      'x-content-type-options': 'nosniff',
      ...headers,
    },
    body,
  };
}

/** The one place a failure becomes a response: its page and status, Retry-After when waiting helps. */
export function failure(err: unknown, referrerPolicy: ReferrerPolicy): Result {
  const code = err instanceof AuthorizationPageError ? err.code : 'INTERNAL';
  const detail = err instanceof AuthorizationPageError ? err.detail : {};
  // A relative link with only the rebuilt query: it reopens the same page whatever path prefix the API is served under.
  const retryHref = detail.retryQuery === undefined ? undefined : `?${detail.retryQuery}`;
  const headers: Record<string, string> = detail.retryAfterSec === undefined ? {} : { 'retry-after': String(detail.retryAfterSec) };
  return htmlPage(FAILURES[code].status, renderFailurePage(code, retryHref), referrerPolicy, headers);
}

/** 404 and 405 in plain text: no page of ours lives there. */
export function plain(statusCode: 404 | 405, message: string, headers: Record<string, string> = {}): Result {
  return {
    statusCode,
    headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', ...headers },
    body: message,
  };
}
