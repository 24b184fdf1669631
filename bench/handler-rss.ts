/**
 * Peak RSS of each Lambda handler over many invocations, each handler in a fresh Node process of its own: the
 * handler's production module bundled by esbuild (as the construct bundles it) together with a small driver
 * (handler-rss-driver.ts), pointed through the environment at the local parts this process runs (dynalite, the AWS
 * stand-ins and the WeChat simulator, from the integration harness). Only the handler's process is measured.
 */
import { fork } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { build } from 'esbuild';
import { TEST_AUTHORIZER_APPID } from '../local/wechat-sim/defaults';
import { RETURN_TO, TEST_SECRETS } from '../test/support/harness';
import type { RssDriverInput, RssDriverReport, RssHandlerName } from './handler-rss-driver';
import type { RssParts } from './handler-rss-parts';

export const RSS_HANDLERS: readonly RssHandlerName[] = [
  'push-receiver',
  'token-refresher',
  'h5-oauth',
  'authorizer-worker',
  'authorization-page',
];

export interface HandlerRss extends RssDriverReport {
  /** The memorySize the construct gives the function, MiB. */
  memorySizeMiB: number;
  /** Peak RSS over the memory size. */
  peakOverMemorySize: number;
  /** Wall time of the child, ms. */
  wallMs: number;
  error?: string;
}

export interface HandlerRssResult {
  invocationsPerHandler: number;
  handlers: HandlerRss[];
}

/**
 * What infra/component/component-function.ts gives every function. Kept here as a figure to compare with, not
 * imported: the bench reads no CDK code; the README's memory table and this bench name the same number.
 */
export const CONSTRUCT_MEMORY_SIZE_MIB = 256;
const MIB = 1024 * 1024;

export async function measureHandlerRss(options: { rootDir: string; outDir: string; invocations?: number }): Promise<HandlerRssResult> {
  const invocations = options.invocations ?? 1000;
  const dir = path.join(options.outDir, 'rss');
  await mkdir(dir, { recursive: true });
  const bundles = new Map<RssHandlerName, string>();
  for (const name of RSS_HANDLERS) bundles.set(name, await bundleWithDriver(options.rootDir, dir, name));
  // Worker threads do not get tsx's loader: the parts' TypeScript is bundled, their packages left to node_modules.
  const partsFile = path.join(dir, 'parts.cjs');
  await build({
    entryPoints: [path.join(options.rootDir, 'bench', 'handler-rss-parts.ts')],
    outfile: partsFile,
    bundle: true,
    packages: 'external',
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    logLevel: 'error',
  });

  const base = {
    PATH: process.env.PATH ?? '',
    // As in Lambda: logs and metrics on (they go to the child's stdout, which is discarded).
    POWERTOOLS_LOG_LEVEL: 'INFO',
    POWERTOOLS_METRICS_NAMESPACE: 'WechatComponentBench',
  };
  // The handlers run at once, each in its own process against its own parts (a worker thread each): each process's
  // peak is its own, and no single-threaded server is shared by all of them.
  const handlers = await Promise.all(
    RSS_HANDLERS.map(async (name): Promise<HandlerRss> => {
      const parts = new Worker(partsFile);
      const { env, authorizationLink } = await new Promise<RssParts>((resolve, reject) => {
        parts.once('message', resolve);
        parts.once('error', reject);
      });
      const input: RssDriverInput = {
        name,
        invocations,
        pushKeys: { appid: TEST_SECRETS.componentAppid, token: TEST_SECRETS.token, encodingAesKey: TEST_SECRETS.encodingAesKey },
        authorizerAppid: TEST_AUTHORIZER_APPID,
        returnTo: RETURN_TO,
        authorizationLink,
      };
      const started = performance.now();
      try {
        const report = await runChild(bundles.get(name) as string, { ...base, ...env, RSS_DRIVER: JSON.stringify(input) });
        return { ...report, ...sizing(report.peakRssBytes), wallMs: performance.now() - started };
      } catch (err) {
        const error = err instanceof Error ? err.message : String(err);
        const empty = { invocations: 0, rssAfterLoadBytes: 0, peakRssBytes: 0, heapUsedBytes: 0, outcomes: {} };
        return { name, ...empty, ...sizing(0), wallMs: performance.now() - started, error };
      } finally {
        const exited = new Promise((resolve) => parts.once('exit', resolve));
        parts.postMessage('close');
        await exited;
      }
    }),
  );
  return { invocationsPerHandler: invocations, handlers };
}

function sizing(peakRssBytes: number): { memorySizeMiB: number; peakOverMemorySize: number } {
  return { memorySizeMiB: CONSTRUCT_MEMORY_SIZE_MIB, peakOverMemorySize: peakRssBytes / MIB / CONSTRUCT_MEMORY_SIZE_MIB };
}

/** One bundle per handler: the function's handler module and the driver, minified CJS, nothing external (as deployed). */
async function bundleWithDriver(rootDir: string, dir: string, name: RssHandlerName): Promise<string> {
  const entry = path.join(dir, `${name}-entry.ts`);
  await writeFile(
    entry,
    [
      '// Written by bench/handler-rss.ts.',
      `import { handler } from ${JSON.stringify(path.join(rootDir, 'functions', name, 'handler'))};`,
      `import { driveHandler } from ${JSON.stringify(path.join(rootDir, 'bench', 'handler-rss-driver'))};`,
      'void driveHandler(handler as never);',
      '',
    ].join('\n'),
  );
  const outfile = path.join(dir, `${name}.cjs`);
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    minify: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    logLevel: 'error',
  });
  return outfile;
}

function runChild(bundle: string, env: Record<string, string>): Promise<RssDriverReport> {
  return new Promise((resolve, reject) => {
    const child = fork(bundle, [], { env, execArgv: [], stdio: ['ignore', 'ignore', 'pipe', 'ipc'], timeout: 120_000 });
    let report: RssDriverReport | undefined;
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    child.on('message', (message) => {
      report = message as RssDriverReport;
      child.disconnect();
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (report) resolve(report);
      else reject(new Error(`${path.basename(bundle)} exited (${signal ?? code}) without a report: ${lastErrorLine(stderr)}`));
    });
  });
}

function lastErrorLine(stderr: string): string {
  const lines = stderr.split('\n').filter((l) => /Error|error/.test(l));
  return (lines.at(-1) ?? stderr.slice(-300)).trim().slice(0, 300);
}
