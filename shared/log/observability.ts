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
 * Adds the Lambda context to log lines, then clears per-invocation keys and flushes metrics, whatever happens.
 * (What Powertools' middy middlewares do, without adding middy as a dependency for three handlers.) Each invocation
 * is a scope of the secret registry: per-request values it registers are masked in its log lines and then forgotten.
 */
export function withObservability<E, R>(
  logger: Logger,
  metrics: Metrics,
  handler: (event: E, context: Context) => Promise<R>,
): (event: E, context: Context) => Promise<R> {
  return (event, context) =>
    secretRegistry.runInScope(async () => {
      logger.addContext(context);
      try {
        return await handler(event, context);
      } finally {
        // Publishing an empty buffer only logs a warning; a refused request may record nothing.
        if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
        logger.resetKeys();
      }
    });
}
