import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { withObservability } from '../../shared/log/observability';
import { acceptPush, type PushDeps } from '../../shared/push/accept-push';
import { readRequestBody } from './read-body';
import { rejectionFor } from './rejections';

const text = (statusCode: number, body: string): APIGatewayProxyStructuredResultV2 => ({
  statusCode,
  headers: { 'content-type': 'text/plain; charset=utf-8' },
  body,
});

/**
 * POST /wechat/component/events: the authorization event receive URL. Answers exactly `success` once the push is
 * stored; anything else makes WeChat retry, which is what we want when storing failed.
 */
export function makePushReceiverHandler(deps: PushDeps) {
  return withObservability(deps.logger, deps.metrics, async (event: APIGatewayProxyEventV2, _context: Context) => {
    if (event.requestContext.http.method !== 'POST') return text(405, 'method not allowed: WeChat pushes use POST');
    try {
      const body = readRequestBody(event, deps.maxBodyBytes);
      await acceptPush(deps, { query: event.queryStringParameters ?? {}, body });
      return text(200, 'success');
    } catch (err) {
      const rejection = rejectionFor(err);
      const log = rejection.status >= 500 ? deps.logger.error.bind(deps.logger) : deps.logger.warn.bind(deps.logger);
      log('push rejected', { status: rejection.status, reason: rejection.reason, ...(rejection.status >= 500 ? { error: err } : {}) });
      deps.metrics.addMetric(rejection.status >= 500 ? 'PushStoreFailures' : 'PushesRejected', 'Count', 1);
      return text(rejection.status, rejection.message);
    }
  });
}
