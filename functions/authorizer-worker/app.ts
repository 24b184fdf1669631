import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { AuthorizationLinks } from '../../shared/authorizer/authorization-link';
import { AuthorizationLinkRequestError } from '../../shared/authorizer/authorization-page-errors';
import type { AuthorizerDeps } from '../../shared/authorizer/authorizer-deps';
import { type AuthorizerJob, parseAuthorizerJob } from '../../shared/authorizer/authorizer-jobs';
import { exchangeAuthorizationCode } from '../../shared/authorizer/exchange-authorization-code';
import { reconcileAuthorizers } from '../../shared/authorizer/reconcile-authorizers';
import { refreshAuthorizerToken } from '../../shared/authorizer/refresh-authorizer-token';
import { reportAuthorizerGauges, scheduleDueWork } from '../../shared/authorizer/schedule-due-work';
import { actionKey, parseWorkerRequest, READER_ACTIONS, type WorkerRequest } from '../../shared/authorizer/worker-request';
import { withObservability } from '../../shared/log/observability';
import { invocationQualifier } from '../../shared/runtime/invocation-qualifier';

/** The worker's dependencies: the authorizer lifecycle's, and the operator's authorization links. */
export interface AuthorizerWorkerDeps extends AuthorizerDeps {
  authorizationLinks: Pick<AuthorizationLinks, 'make'>;
}

/**
 * The authorizer worker: SQS jobs (refresh one authorizer, exchange one authorization code), readers' refresh
 * requests (through the `reader` alias), the due sweep and the daily reconcile (schedules), and operator actions.
 * Returns what happened, never a token.
 */
export function makeAuthorizerWorkerHandler(deps: AuthorizerWorkerDeps) {
  return withObservability(deps.logger, deps.metrics, async (event: unknown, context: Context): Promise<unknown> => {
    const request = readRequest(deps, event);
    const qualifier = invocationQualifier(context.invokedFunctionArn);
    if (qualifier !== null && !READER_ACTIONS.has(actionKey(request))) {
      deps.logger.warn('authorizer worker request refused: not allowed through this alias', {
        action: actionKey(request),
        invokedVia: qualifier,
      });
      deps.metrics.addMetric('AuthorizerRequestsRefused', MetricUnit.Count, 1);
      throw new Error(
        `'${actionKey(request)}' is refused through qualifier '${qualifier}': readers may ask for reader-miss or invalidate refreshes only`,
      );
    }
    switch (request.action) {
      case 'jobs':
        return runJobs(deps, request.event);
      case 'refresh': {
        const { action: _action, ...refresh } = request;
        return refreshAuthorizerToken(deps, refresh);
      }
      case 'schedule': {
        const queued = await scheduleDueWork(deps);
        return { ...queued, gauges: await reportAuthorizerGauges(deps) };
      }
      case 'reconcile':
        return reconcileAuthorizers(deps, 'report');
      case 'import':
        return reconcileAuthorizers(deps, 'import');
      case 'authorization-link': {
        const { action: _action, ...target } = request;
        const link = await deps.authorizationLinks.make(target);
        deps.logger.info('authorization link made', { authType: target.authType, bizAppid: target.bizAppid, expiresAt: link.expiresAt });
        return link;
      }
    }
  });
}

/** The request, or an error that says what is wrong with it (logged as refused input). */
function readRequest(deps: AuthorizerDeps, event: unknown): WorkerRequest {
  let request: WorkerRequest | null;
  try {
    request = parseWorkerRequest(event);
  } catch (err) {
    if (!(err instanceof AuthorizationLinkRequestError)) throw err;
    deps.logger.warn('authorizer worker request refused: invalid authorization-link request', { problem: err.message });
    throw new Error(`invalid authorization-link request: ${err.message}`);
  }
  if (!request) {
    deps.logger.warn('authorizer worker request refused: not a job batch, a refresh request or a known action');
    throw new Error(
      'invalid request: expected SQS records or {"action":"refresh"|"schedule"|"reconcile"|"import"|"authorization-link",...}',
    );
  }
  return request;
}

/**
 * Runs a batch of jobs side by side. A job to try again later (WeChat busy or timing out, storage trouble) is reported
 * as a batch item failure: SQS delivers it again after its visibility timeout, and after the queue's receive limit it
 * lands in the dead-letter queue, which is alarmed. The store stays the truth: the due sweep re-drives anything left.
 */
async function runJobs(deps: AuthorizerDeps, event: SQSEvent): Promise<SQSBatchResponse> {
  const results = await Promise.all(
    event.Records.map(async (record) => {
      const job = parseAuthorizerJob(record.body);
      if (!job) {
        // A message we cannot read will never become readable: drop it, loudly.
        deps.metrics.addMetric('AuthorizerJobsMalformed', MetricUnit.Count, 1);
        deps.logger.error('authorizer job dropped: malformed message', { messageId: record.messageId });
        return null;
      }
      try {
        return (await runJob(deps, job)) ? null : record.messageId;
      } catch (err) {
        deps.logger.error('authorizer job failed; SQS retries it', {
          job: describe(job),
          error: err instanceof Error ? err.name : 'unknown',
        });
        return record.messageId;
      }
    }),
  );
  const batchItemFailures = results.filter((id): id is string => id !== null).map((itemIdentifier) => ({ itemIdentifier }));
  return { batchItemFailures };
}

/** Runs one job; false when it should be tried again later. */
async function runJob(deps: AuthorizerDeps, job: AuthorizerJob): Promise<boolean> {
  if (job.kind === 'exchange') return (await exchangeAuthorizationCode(deps, job.codeSha256)).status !== 'retry';
  return (await refreshAuthorizerToken(deps, { authorizerAppid: job.authorizerAppid, reason: 'schedule' })).status !== 'failed';
}

function describe(job: AuthorizerJob): string {
  return job.kind === 'exchange' ? `exchange ${job.codeSha256.slice(0, 12)}` : `refresh ${job.authorizerAppid}`;
}
