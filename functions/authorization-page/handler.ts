import { makeAuthorizationPageHandler } from './app';
import { createAuthorizationPageDepsFromEnv } from './deps';

/** Lambda entry point: wiring happens once per container, at cold start. */
export const handler = makeAuthorizationPageHandler(createAuthorizationPageDepsFromEnv());
