import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { AuthorizationPageDeps } from '../../shared/authorizer/authorization-page-deps';
import { AuthorizationPageError } from '../../shared/authorizer/authorization-page-errors';
import { completeAuthorization } from '../../shared/authorizer/complete-authorization';
import { startAuthorization } from '../../shared/authorizer/start-authorization';
import { ROUTES } from '../../shared/contract';
import { withObservability } from '../../shared/log/observability';
import { renderAuthorizationPage, renderResultPage } from './pages';
import { failure, htmlPage, plain, type ReferrerPolicy } from './responses';

type Result = APIGatewayProxyStructuredResultV2;

/** Failures on our side (logged as errors); the rest are refused input, limits or WeChat's answers (warnings). */
const OUR_FAULT = new Set(['INTERNAL', 'STORE_UNAVAILABLE', 'TOKEN_UNAVAILABLE']);

/** One route of the authorization page function; both are browser navigations answered with HTML. */
interface Route {
  path: string;
  name: 'page' | 'callback';
  referrerPolicy: ReferrerPolicy;
  handle(query: Record<string, string | undefined>): Promise<Result>;
}

/**
 * The authorization page: GET /authorize (a signed link → a page with the PC and in-WeChat links around a fresh
 * pre_auth_code) and GET /authorize/callback (WeChat's redirect after consent → the exchange, and the result).
 * Parses the request, calls shared/authorizer, shapes the page; every failure takes the one path at the end.
 */
export function makeAuthorizationPageHandler(deps: AuthorizationPageDeps) {
  const routes: Route[] = [
    {
      path: ROUTES.authorizationPage,
      name: 'page',
      referrerPolicy: 'strict-origin-when-cross-origin',
      handle: async (query) => {
        const started = await startAuthorization(deps, query);
        return htmlPage(200, renderAuthorizationPage(started, deps.now()), 'strict-origin-when-cross-origin');
      },
    },
    {
      path: ROUTES.authorizationCallback,
      name: 'callback',
      referrerPolicy: 'no-referrer',
      handle: async (query) => {
        const result = await completeAuthorization(deps, query);
        return htmlPage(result.status === 'authorized' ? 200 : 202, renderResultPage(result), 'no-referrer');
      },
    },
  ];

  return withObservability(deps.logger, deps.metrics, async (event: APIGatewayProxyEventV2, _context: Context): Promise<Result> => {
    const route = routes.find((candidate) => candidate.path === event.rawPath);
    if (!route) return plain(404, 'not found');
    if (event.requestContext.http.method !== 'GET') return plain(405, 'use GET', { allow: 'GET' });
    try {
      return await route.handle(event.queryStringParameters ?? {});
    } catch (err) {
      const reason = err instanceof AuthorizationPageError ? err.code : 'INTERNAL';
      // Never the query: it holds the link's signature or the authorization code.
      const fields = { route: route.name, reason, ...(reason === 'INTERNAL' || reason === 'STORE_UNAVAILABLE' ? { error: err } : {}) };
      if (OUR_FAULT.has(reason)) deps.logger.error('authorization page request failed', fields);
      else deps.logger.warn('authorization page request refused', fields);
      return failure(err, route.referrerPolicy);
    }
  });
}
