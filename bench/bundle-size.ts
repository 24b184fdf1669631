/**
 * Handler bundle size (raw and gzip) and cold module-load time, each next to a baseline bundle of a handler that only
 * constructs a DynamoDBClient: the floor any Lambda using our pinned SDK pays.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { build, version as esbuildVersion } from 'esbuild';
import { median } from './stats';

const execFileAsync = promisify(execFile);

/** Options of {@link measureBundles}. */
export interface BundleOptions {
  /** Repository root; handler entries are resolved against it. */
  rootDir: string;
  /** Where bundles and the baseline entry are written (git-ignored). */
  outDir: string;
  /** Fresh `node` processes per bundle; the median is reported. @default 5 */
  loadRuns?: number;
}

/** One bundle's figures and its ratios to the baseline bundle. */
export interface BundleResult {
  name: string;
  entry: string;
  bytes: number;
  gzipBytes: number;
  /** Median cold `require()` time in a fresh process, ms; null when loading failed (see loadError). */
  loadMsMedian: number | null;
  loadMsRuns: number[];
  loadError?: string;
  sizeOverBaseline: number;
  gzipOverBaseline: number;
  loadOverBaseline: number | null;
  /** Where the bytes come from, per package, largest first. */
  packages: PackageBytes;
}

/** What {@link measureBundles} returns; `bundles[0]` is the baseline. */
export interface BundleSizeResult {
  esbuildVersion: string;
  gzipLevel: number;
  bundles: BundleResult[];
}

const HANDLERS = ['push-receiver', 'token-refresher', 'h5-oauth', 'authorizer-worker', 'authorization-page'] as const;
const GZIP_LEVEL = 9;

/** Module-scope env for the handlers' loadConfig; placeholder names only. Nothing is called at load, so no endpoint is needed. */
const LOAD_ENV: Record<string, string> = {
  WECHAT_COMPONENT_APPID: 'wx0000000000000000',
  WECHAT_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:wechat-component-bench',
  WECHAT_TABLE_NAME: 't',
  WECHAT_KMS_KEY_ID: 'k',
  // h5-oauth reads these at load too.
  WECHAT_REFRESHER_FUNCTION: 'token-refresher',
  WECHAT_H5_OAUTH_SESSION_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:wechat-session-bench',
  WECHAT_H5_OAUTH_CALLBACK_URL: 'https://api.example.com/oauth/callback',
  WECHAT_H5_OAUTH_ALLOWED_RETURN_TO: 'https://h5.example.com/',
  // The push receiver queues authorization-code exchanges; the authorizer worker and the authorization page read the rest.
  WECHAT_AUTHORIZER_JOBS_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/000000000000/authorizer-jobs',
  WECHAT_AUTHORIZER_WORKER_FUNCTION: 'authorizer-worker:reader',
  WECHAT_AUTHORIZATION_PAGE_URL: 'https://auth.example.com/authorize',
  WECHAT_AUTHORIZATION_CALLBACK_URL: 'https://auth.example.com/authorize/callback',
  WECHAT_AUTHORIZATION_LINK_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:wechat-authorization-link-bench',
  AWS_REGION: 'us-east-1',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};

// Prints JSON so the parent can tell a successful load (handler is a function) from a module that loaded nothing.
const LOAD_SCRIPT = [
  'const t = process.hrtime.bigint();',
  'const m = require(process.argv[1]);',
  'const ns = process.hrtime.bigint() - t;',
  'process.stdout.write(JSON.stringify({ ns: String(ns), handler: typeof m.handler }));',
].join(' ');

/** Bundles each existing handler and the baseline with esbuild, then loads each bundle in fresh processes, interleaved. */
export async function measureBundles(options: BundleOptions): Promise<BundleSizeResult> {
  const loadRuns = options.loadRuns ?? 5;
  const bundleDir = path.join(options.outDir, 'bundles');
  await mkdir(bundleDir, { recursive: true });

  const baselineEntry = path.join(options.outDir, 'baseline-handler.ts');
  await writeFile(
    baselineEntry,
    [
      '// Written by bench/bundle-size.ts: the smallest handler that uses our pinned DynamoDB client.',
      "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';",
      'const client = new DynamoDBClient({});',
      'export const handler = async () => ({ statusCode: 200, body: String(typeof client.send) });',
      '',
    ].join('\n'),
  );

  const entries = [
    { name: 'baseline (DynamoDBClient only)', entry: baselineEntry, outName: 'baseline' },
    ...HANDLERS.map((name) => ({ name, entry: path.join(options.rootDir, 'functions', name, 'handler.ts'), outName: name })).filter((e) =>
      existsSync(e.entry),
    ),
  ];

  const built = [];
  for (const e of entries) {
    const outfile = path.join(bundleDir, `${e.outName}.cjs`);
    const packages = await bundle(e.entry, outfile);
    const code = await readFile(outfile);
    built.push({ ...e, outfile, packages, bytes: code.length, gzipBytes: gzipSync(code, { level: GZIP_LEVEL }).length });
  }

  // Round-robin over the bundles, so a burst of load on the shared machine slows every bundle's k-th run alike.
  const runs = built.map(() => ({ ms: [] as number[], error: undefined as string | undefined }));
  for (let round = 0; round < loadRuns; round++) {
    for (const [i, b] of built.entries()) {
      const run = runs[i] as (typeof runs)[number];
      if (run.error) continue;
      try {
        run.ms.push(await measureColdLoadMs(b.outfile));
      } catch (err) {
        run.error = err instanceof Error ? err.message : String(err);
      }
    }
  }

  const results = built.map((b, i) => {
    const run = runs[i] as (typeof runs)[number];
    const loadMsMedian = run.error || run.ms.length === 0 ? null : median(run.ms);
    return { b, run, loadMsMedian };
  });
  const base = results[0] as (typeof results)[number];
  return {
    esbuildVersion,
    gzipLevel: GZIP_LEVEL,
    bundles: results.map(({ b, run, loadMsMedian }) => ({
      name: b.name,
      entry: path.relative(options.rootDir, b.entry),
      bytes: b.bytes,
      gzipBytes: b.gzipBytes,
      loadMsMedian,
      loadMsRuns: run.ms,
      ...(run.error ? { loadError: run.error } : {}),
      sizeOverBaseline: b.bytes / base.b.bytes,
      gzipOverBaseline: b.gzipBytes / base.b.gzipBytes,
      loadOverBaseline: loadMsMedian === null || base.loadMsMedian === null ? null : loadMsMedian / base.loadMsMedian,
      packages: b.packages,
    })),
  };
}

/** Bytes of the minified output per npm package (our own source counted as "(project)"), largest first. */
export type PackageBytes = { name: string; bytes: number }[];

async function bundle(entry: string, outfile: string): Promise<PackageBytes> {
  // External nothing: @aws-sdk/* is bundled too, because the functions pin their own SDK instead of the runtime's.
  const { metafile } = await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    minify: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    logLevel: 'error',
    metafile: true,
  });
  const byPackage = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const name = packageOf(input);
      byPackage.set(name, (byPackage.get(name) ?? 0) + bytesInOutput);
    }
  }
  return [...byPackage].map(([name, bytes]) => ({ name, bytes })).sort((a, b) => b.bytes - a.bytes);
}

// The innermost node_modules segment names the package that shipped the file (nested copies count as themselves).
function packageOf(input: string): string {
  const parts = input.split('/');
  const at = parts.lastIndexOf('node_modules');
  if (at === -1) return '(project)';
  const first = parts[at + 1] ?? '?';
  return first.startsWith('@') ? `${first}/${parts[at + 2] ?? '?'}` : first;
}

/** Median-free single sample: ms to require() the bundle in a fresh node process with placeholder env. */
export async function measureColdLoadMs(bundleFile: string): Promise<number> {
  // A minimal env, not process.env: nothing of the bench's own AWS_* settings may change what the handler does at load.
  const { stdout } = await execFileAsync(process.execPath, ['-e', LOAD_SCRIPT, bundleFile], {
    env: { PATH: process.env.PATH ?? '', ...LOAD_ENV },
    timeout: 30_000,
  }).catch((err: unknown) => {
    // Only the `SomeError: message` line of stderr: node first echoes the offending source line, which in a minified
    // bundle is tens of kilobytes of code.
    const lines = ((err as { stderr?: string }).stderr ?? '').split('\n');
    const reason = lines.find((l) => /^[A-Za-z]*(?:Error|Exception)\b/.test(l)) ?? 'no error line on stderr';
    throw new Error(`loading ${path.basename(bundleFile)} failed: ${reason.trim()}`);
  });
  const out = JSON.parse(stdout) as { ns: string; handler: string };
  if (out.handler !== 'function') throw new Error(`${path.basename(bundleFile)} exports no handler function`);
  return Number(out.ns) / 1e6;
}
