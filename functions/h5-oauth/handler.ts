import { makeH5OAuthHandler } from './app';
import { createH5OAuthDepsFromEnv } from './deps';

/** Lambda entry point: wiring happens once per container, at cold start. */
export const handler = makeH5OAuthHandler(createH5OAuthDepsFromEnv());
