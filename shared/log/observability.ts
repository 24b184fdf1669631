import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { secretRegistry } from './redaction';

export const METRICS_NAMESPACE = 'WechatComponent';

/** One structured logger per function; strings are passed through the secret registry. */
export function createLogger(serviceName: string): Logger {
  return new Logger({ serviceName, jsonReplacerFn: secretRegistry.replacer });
}

/** One EMF metrics buffer per function; flushed at the end of each invocation by withObservability. */
export function createMetrics(serviceName: string): Metrics {
  return new Metrics({ namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? METRICS_NAMESPACE, serviceName });
}

/**
 * Adds the Lambda context to log lines, then clears per-invocation keys and flushes metrics, whatever happens. Each
 * invocation is a scope of the secret registry: per-request values it registers are masked in its log lines and then
 * forgotten. The first invocation of an on-demand container emits the ColdStart metric, and addContext marks its log
 * lines cold_start (Powertools reads AWS_LAMBDA_INITIALIZATION_TYPE, so provisioned containers report neither).
 *
 * Why not Powertools' injectLambdaContext / logMetrics: they come as middy middlewares (a dependency for three
 * handlers) or method decorators (a class per handler), we would still wrap each invocation in the registry scope,
 * and logMetrics publishes even an empty buffer, which logs a "No application metrics" warning for every request
 * that records none. Otherwise this does what injectLambdaContext({ resetKeys: true }) and
 * logMetrics({ captureColdStartMetric: true }) do.
 */
export function withObservability<E, R>(
  logger: Logger,
  metrics: Metrics,
  handler: (event: E, context: Context) => Promise<R>,
): (event: E, context: Context) => Promise<R> {
  return (event, context) =>
    secretRegistry.runInScope(async () => {
      logger.addContext(context);
      // Published at once, as a metric of its own; a no-op after the first call in this container.
      metrics.captureColdStartMetric(context.functionName);
      try {
        return await handler(event, context);
      } finally {
        if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
        logger.resetKeys();
      }
    });
}
