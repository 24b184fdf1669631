import { describe, expect, it } from 'vitest';
import type { AuthorizerDeps } from '../../../shared/authorizer/authorizer-deps';
import { IMPORT_CONCURRENCY, reconcileAuthorizers } from '../../../shared/authorizer/reconcile-authorizers';
import type { AuthorizerListEntry } from '../../../shared/wechat/authorizer-api';
import { RecordingLogger, RecordingMetrics } from '../../support/fakes/recording-observability';

const COMPONENT_APPID = 'wx0000000000000000';
const appidOf = (i: number) => `wxa${String(i).padStart(15, '0')}`;

/** WeChat's list of `count` accounts, served in pages, and a store whose imports take a while and report how many overlap. */
function importWorld(count: number) {
  const listed: AuthorizerListEntry[] = Array.from({ length: count }, (_, i) => ({
    authorizerAppid: appidOf(i),
    refreshToken: `refreshtoken@@@listed-${i}`,
    authTimeSec: 1_700_000_000,
  }));
  const imported: string[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const deps = {
    componentAppid: COMPONENT_APPID,
    now: () => 1_700_000_000_000,
    refreshMarginMs: 1_200_000,
    componentToken: { withComponentAccessToken: <T>(call: (token: string) => Promise<T>) => call('component-access-token') },
    api: {
      getAuthorizerList: async ({ offset, count: pageSize = 500 }: { offset: number; count?: number }) => ({
        totalCount: listed.length,
        entries: listed.slice(offset, offset + pageSize),
      }),
    },
    authorizers: {
      listAuthorized: async () => [],
      importRefreshToken: async (entry: { authorizerAppid: string }) => {
        inFlight += 1;
        maxInFlight = Math.max(maxInFlight, inFlight);
        // A store write takes a few turns of the event loop, as a DynamoDB request does.
        for (let turn = 0; turn < 3; turn++) await new Promise((resolve) => setImmediate(resolve));
        inFlight -= 1;
        imported.push(entry.authorizerAppid);
        return 'imported' as const;
      },
    },
    logger: new RecordingLogger().logger,
    metrics: new RecordingMetrics().metrics,
  } as unknown as AuthorizerDeps;
  return { deps, imported, maxInFlight: () => maxInFlight };
}

describe('reconcileAuthorizers import', () => {
  it('imports listed accounts side by side, a bounded number at a time, so 10,000 fit in one invocation', async () => {
    const world = importWorld(1_200);

    const report = await reconcileAuthorizers(world.deps, 'import');

    expect(report).toMatchObject({ listed: 1_200, imported: 1_200, missingHere: [], missingThere: [] });
    expect(new Set(world.imported).size).toBe(1_200);
    expect(world.maxInFlight()).toBe(IMPORT_CONCURRENCY);
  });

  it('fails the run when an import fails and starts no more: the operator runs it again (an import never writes over a newer token)', async () => {
    const world = importWorld(40);
    const failing = world.deps.authorizers.importRefreshToken;
    world.deps.authorizers.importRefreshToken = async (entry) => {
      if (entry.authorizerAppid === appidOf(7)) throw new Error('store unavailable');
      return failing(entry);
    };

    await expect(reconcileAuthorizers(world.deps, 'import')).rejects.toThrow('store unavailable');
    // Long enough for every other import to have run, had the run gone on taking accounts.
    for (let turn = 0; turn < 100; turn++) await new Promise((resolve) => setImmediate(resolve));

    expect(world.imported.length).toBeLessThan(IMPORT_CONCURRENCY);
  });
});
