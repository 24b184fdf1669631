import { makeTokenRefresherHandler } from './app';
import { createRefresherDepsFromEnv } from './deps';

/** Lambda entry point: wiring happens once per container, at cold start. */
export const handler = makeTokenRefresherHandler(createRefresherDepsFromEnv());
