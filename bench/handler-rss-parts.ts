/**
 * The local parts one handler of bench/handler-rss.ts runs against, in a worker thread of their own: dynalite and the
 * stand-ins are single-threaded, so parts shared by every handler would make one core the bench's bottleneck.
 * Posts the environment the handler's process needs, then closes everything when told to.
 */
import { parentPort } from 'node:worker_threads';
import { ENV } from '../shared/contract';
import { startHarness } from '../test/support/harness';

/** What the worker posts once its parts are up. */
export interface RssParts {
  env: Record<string, string>;
  authorizationLink: string;
}

const PRE_AUTH_CODES_PER_MINUTE = 100_000;

async function start(): Promise<void> {
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  const h = await startHarness({ authorization: { preAuthCodesPerMinute: PRE_AUTH_CODES_PER_MINUTE } });
  // The handler's process runs on the real clock: move the harness's clock (the simulator's and the stand-ins') to it.
  h.clock.advance(Date.now() - h.clock.now());
  await h.sim.pushTicketNow();
  await h.runRefresher();
  const parts: RssParts = {
    env: {
      ...h.aws.env(),
      ...h.env,
      // The handler's own page limit, as high as the harness's: a thousand page views in a minute are the point.
      [ENV.preAuthCodesPerMinute]: String(PRE_AUTH_CODES_PER_MINUTE),
    },
    authorizationLink: await h.makeLink(),
  };
  parentPort?.once('message', () => {
    void h.close().then(() => process.exit(0));
  });
  parentPort?.postMessage(parts);
}

void start();
