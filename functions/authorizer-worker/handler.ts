import { makeAuthorizerWorkerHandler } from './app';
import { createAuthorizerWorkerDepsFromEnv } from './deps';

/** Lambda entry point: wiring happens once per container, at cold start. */
export const handler = makeAuthorizerWorkerHandler(createAuthorizerWorkerDepsFromEnv());
