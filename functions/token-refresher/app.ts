import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { withObservability } from '../../shared/log/observability';
import { type RefresherDeps, refreshComponentToken } from '../../shared/token/refresh-component-token';
import {
  invocationQualifier,
  mayAskFor,
  parseRefreshEvent,
  type RefreshOutcome,
  refusedReasonMessage,
} from '../../shared/token/refresh-request';

/**
 * Runs on the EventBridge schedule and when a token reader invokes it (through the `reader` alias). Returns the
 * outcome (never the token) so an invoking reader knows whether to wait for a token or give up.
 */
export function makeTokenRefresherHandler(deps: RefresherDeps) {
  return withObservability(deps.logger, deps.metrics, async (event: unknown, context: Context): Promise<RefreshOutcome> => {
    const request = parseRefreshEvent(event);
    if (!request) {
      deps.logger.warn('refresh request rejected: not a refresh request or a scheduled event');
      throw new Error('invalid refresh request: expected {"action":"refresh","reason":...} or an EventBridge Scheduled Event');
    }
    const qualifier = invocationQualifier(context.invokedFunctionArn);
    if (qualifier !== null && !mayAskFor(request.reason, qualifier)) {
      deps.logger.warn('refresh request refused: reason not allowed through this alias', { reason: request.reason, invokedVia: qualifier });
      deps.metrics.addMetric('RefreshRequestsRefused', MetricUnit.Count, 1);
      throw new Error(refusedReasonMessage(request.reason, qualifier));
    }
    const outcome = await refreshComponentToken(deps, request);
    deps.logger.info('refresh finished', { status: outcome.status });
    return outcome;
  });
}
