import { makePushReceiverHandler } from './app';
import { createPushDepsFromEnv } from './deps';

/** Lambda entry point: wiring happens once per container, at cold start. */
export const handler = makePushReceiverHandler(createPushDepsFromEnv());
