/**
 * Each Lambda handler's bundle and cold module load, next to a baseline of its own: a bare handler that constructs the
 * same AWS SDK clients the handler's bundle contains, built with the same esbuild options as the CDK construct. The
 * difference is what our code and its libraries add on top of the SDK clients any such Lambda pays for.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { type BuildOptions, build, version as esbuildVersion, type Metafile } from 'esbuild';
import { LAMBDA_BUILD_OPTIONS } from '../scripts/lambda-build-options';
import { ENV, type EnvKey } from '../shared/contract';
import { LIMITS } from './goal-limits';
import { median } from './stats';

const execFileAsync = promisify(execFile);

/** Cold load of a handler over its same-clients baseline that the handlers are held to. */
const COLD_LOAD_GOAL = LIMITS.coldLoadOverBaseline;

/** How the Lambda bundles are built (npm run build, which the construct deploys), quiet: the bench prints its own tables. */
export const CONSTRUCT_BUILD_OPTIONS = { ...LAMBDA_BUILD_OPTIONS, logLevel: 'error' } as const satisfies BuildOptions;

/** Options of {@link measureBundles}. */
export interface BundleOptions {
  /** Repository root; every functions/<name>/handler.ts is measured. */
  rootDir: string;
  /** Where bundles and baseline entries are written (git-ignored). */
  outDir: string;
  /** Fresh-process loads per side and handler, as baseline/handler pairs. @default 10 */
  pairs?: number;
}

/** Bytes of the minified output per npm package (our own source counted as "(project)"), largest first. */
export type PackageBytes = { name: string; bytes: number }[];

/** One side of a comparison: a bundle on disk, its size and its cold loads. */
export interface MeasuredBundle {
  bytes: number;
  gzipBytes: number;
  /** Median cold require() time in a fresh process, ms; null when loading failed (see loadError). */
  loadMsMedian: number | null;
  loadMsRuns: number[];
  /** CPU time (user + system) of the same loads, ms: less swayed than wall time by other work on the machine. */
  cpuMsMedian: number | null;
  cpuMsRuns: number[];
  loadError?: string;
  packages: PackageBytes;
}

/** A handler next to its same-clients baseline. */
export interface HandlerBundleResult extends MeasuredBundle {
  name: string;
  entry: string;
  /** The @aws-sdk/client-* packages in the handler's bundle: what its baseline constructs. */
  clients: string[];
  baseline: MeasuredBundle;
  sizeOverBaseline: number;
  gzipOverBaseline: number;
  /**
   * Median over the pairs of handler load / baseline load, wall time: each pair ran back to back, so a burst of load
   * on the machine hits both. Null when a side failed to load.
   */
  loadOverBaseline: number | null;
  /** The handler's median wall load over the baseline's, for comparison with harnesses that report that. */
  medianOverMedian: number | null;
  /**
   * Median of the pair ratios of CPU time (user + system) spent loading. What the goal is judged on: loading is
   * CPU-bound, as in a Lambda init, and on a busy shared machine the wall time of one load is mostly time spent
   * waiting for a core (back-to-back pairs' wall ratios ranged 0.3x-2x in one run, their CPU ratios a few percent).
   */
  cpuOverBaseline: number | null;
  /** Whether cpuOverBaseline is within {@link COLD_LOAD_GOAL}; null when a side failed to load. */
  goalMet: boolean | null;
  /** What the handler's bundle holds beyond its baseline's, per package, largest first. */
  addedPackages: PackageBytes;
}

export interface BundleSizeResult {
  esbuildVersion: string;
  gzipLevel: number;
  goal: number;
  pairs: number;
  bundles: HandlerBundleResult[];
}

const GZIP_LEVEL = 9;

/** Module-scope env for every handler's loadConfig: placeholder values only, nothing is called at load. */
const LOAD_CONFIG: Partial<Record<EnvKey, string>> = {
  componentAppid: 'wx0000000000000000',
  secretArn: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:wechat-component-bench',
  tableName: 't',
  kmsKeyId: 'k',
  refresherFunction: 'token-refresher',
  h5OAuthSessionSecretArn: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:wechat-session-bench',
  h5OAuthCallbackUrl: 'https://api.example.com/oauth/callback',
  h5OAuthAllowedReturnTo: 'https://h5.example.com/',
  authorizerJobsQueueUrl: 'https://sqs.us-east-1.amazonaws.com/000000000000/authorizer-jobs',
  authorizerWorkerFunction: 'authorizer-worker',
  authorizationPageUrl: 'https://api.example.com/authorize',
  authorizationCallbackUrl: 'https://api.example.com/authorize/callback',
  authorizationLinkSecretArn: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:wechat-link-bench',
};
const LOAD_ENV: Record<string, string> = {
  ...Object.fromEntries(Object.entries(LOAD_CONFIG).map(([key, value]) => [ENV[key as EnvKey], value])),
  AWS_REGION: 'us-east-1',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};

// Prints JSON so the parent can tell a successful load (handler is a function) from a module that loaded nothing.
const LOAD_SCRIPT = [
  'const t = process.hrtime.bigint();',
  'const c = process.cpuUsage();',
  'const m = require(process.argv[1]);',
  'const ns = process.hrtime.bigint() - t;',
  'const cpu = process.cpuUsage(c);',
  'process.stdout.write(JSON.stringify({ ns: String(ns), cpuUs: cpu.user + cpu.system, handler: typeof m.handler }));',
].join(' ');

/**
 * Bundles every handler and its same-clients baseline, then loads them in fresh processes as interleaved pairs (the
 * order flipping each round, handlers taking turns), so a burst of load on the shared machine hits both sides alike.
 */
export async function measureBundles(options: BundleOptions): Promise<BundleSizeResult> {
  const pairs = options.pairs ?? 10;
  const bundleDir = path.join(options.outDir, 'bundles');
  await mkdir(bundleDir, { recursive: true });
  const functionsDir = path.join(options.rootDir, 'functions');
  const names = (await readdir(functionsDir)).filter((name) => existsSync(path.join(functionsDir, name, 'handler.ts'))).sort();

  const built = [];
  for (const name of names) {
    const entry = path.join(functionsDir, name, 'handler.ts');
    const handler = await bundleFile(entry, path.join(bundleDir, `${name}.cjs`));
    const clients = sdkClientPackages(handler.metafile);
    const baselineEntry = path.join(bundleDir, `${name}.baseline.ts`);
    await writeFile(baselineEntry, baselineSource(name, clients, options.rootDir));
    const baseline = await bundleFile(baselineEntry, path.join(bundleDir, `${name}.baseline.cjs`));
    built.push({ name, entry, clients, handler, baseline });
  }

  const sides = built.flatMap((b) => [b.baseline, b.handler]);
  const loads = new Map(sides.map((side) => [side, { ms: [] as number[], cpuMs: [] as number[], error: undefined as string | undefined }]));
  for (let round = 0; round < pairs; round++) {
    for (const b of built) {
      for (const side of round % 2 === 0 ? [b.baseline, b.handler] : [b.handler, b.baseline]) {
        const load = loads.get(side)!;
        if (load.error) continue;
        try {
          const { wallMs, cpuMs } = await measureColdLoad(side.outfile);
          load.ms.push(wallMs);
          load.cpuMs.push(cpuMs);
        } catch (err) {
          load.error = err instanceof Error ? err.message : String(err);
        }
      }
    }
  }

  const measured = (side: BuiltBundle): MeasuredBundle => {
    const load = loads.get(side)!;
    const failed = load.error !== undefined || load.ms.length === 0;
    return {
      bytes: side.bytes,
      gzipBytes: side.gzipBytes,
      loadMsMedian: failed ? null : median(load.ms),
      loadMsRuns: load.ms,
      cpuMsMedian: failed ? null : median(load.cpuMs),
      cpuMsRuns: load.cpuMs,
      ...(load.error ? { loadError: load.error } : {}),
      packages: side.packages,
    };
  };
  return {
    esbuildVersion,
    gzipLevel: GZIP_LEVEL,
    goal: COLD_LOAD_GOAL,
    pairs,
    bundles: built.map((b) => {
      const handler = measured(b.handler);
      const baseline = measured(b.baseline);
      const failed = handler.loadMsMedian === null || baseline.loadMsMedian === null;
      const pairRatio = (ours: number[], base: number[]) => (failed ? null : median(ours.map((ms, i) => ms / (base[i] as number))));
      const loadOverBaseline = pairRatio(handler.loadMsRuns, baseline.loadMsRuns);
      const cpuOverBaseline = pairRatio(handler.cpuMsRuns, baseline.cpuMsRuns);
      return {
        name: b.name,
        entry: path.relative(options.rootDir, b.entry),
        clients: b.clients,
        ...handler,
        baseline,
        sizeOverBaseline: handler.bytes / baseline.bytes,
        gzipOverBaseline: handler.gzipBytes / baseline.gzipBytes,
        loadOverBaseline,
        medianOverMedian: failed ? null : (handler.loadMsMedian as number) / (baseline.loadMsMedian as number),
        cpuOverBaseline,
        goalMet: cpuOverBaseline === null ? null : cpuOverBaseline <= COLD_LOAD_GOAL,
        addedPackages: addedBytes(handler.packages, baseline.packages),
      };
    }),
  };
}

interface BuiltBundle {
  outfile: string;
  bytes: number;
  gzipBytes: number;
  metafile: Metafile;
  packages: PackageBytes;
}

/** Bundles one entry the way the construct does, with a metafile for where the bytes come from. */
export async function bundleFile(entry: string, outfile: string): Promise<BuiltBundle> {
  const { metafile } = await build({ ...CONSTRUCT_BUILD_OPTIONS, entryPoints: [entry], outfile, metafile: true });
  const code = await readFile(outfile);
  return {
    outfile,
    bytes: code.length,
    gzipBytes: gzipSync(code, { level: GZIP_LEVEL }).length,
    metafile,
    packages: packageBytes(metafile),
  };
}

/** The @aws-sdk/client-* packages whose code is in the bundle, sorted. */
export function sdkClientPackages(metafile: Metafile): string[] {
  const names = new Set<string>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const name = packageOf(input);
      if (bytesInOutput > 0 && name.startsWith('@aws-sdk/client-')) names.add(name);
    }
  }
  return [...names].sort();
}

// The client class each package exports is the one with a declaration file of its own: dist-types/<Name>Client.d.ts.
function clientClassOf(pkg: string, rootDir: string): string {
  const typesDir = path.join(rootDir, 'node_modules', pkg, 'dist-types');
  const found = existsSync(typesDir) ? readdirSync(typesDir).filter((f) => /^[A-Z][A-Za-z0-9]*Client\.d\.ts$/.test(f)) : [];
  if (found.length !== 1) throw new Error(`cannot tell the client class of ${pkg}: found ${found.join(', ') || 'none'}`);
  return (found[0] as string).replace(/\.d\.ts$/, '');
}

function baselineSource(name: string, clients: string[], rootDir: string): string {
  const classes = clients.map((pkg) => ({ pkg, cls: clientClassOf(pkg, rootDir) }));
  return [
    `// Written by bench/bundle-size.ts: a bare handler constructing the SDK clients ${name}'s bundle contains.`,
    ...classes.map(({ pkg, cls }) => `import { ${cls} } from '${pkg}';`),
    `const clients = [${classes.map(({ cls }) => `new ${cls}({})`).join(', ')}];`,
    'export const handler = async () => ({ statusCode: 200, body: String(clients.length) });',
    '',
  ].join('\n');
}

function packageBytes(metafile: Metafile): PackageBytes {
  const byPackage = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const name = packageOf(input);
      byPackage.set(name, (byPackage.get(name) ?? 0) + bytesInOutput);
    }
  }
  return [...byPackage].map(([name, bytes]) => ({ name, bytes })).sort((a, b) => b.bytes - a.bytes);
}

function addedBytes(handler: PackageBytes, baseline: PackageBytes): PackageBytes {
  const base = new Map(baseline.map((p) => [p.name, p.bytes]));
  return handler
    .map((p) => ({ name: p.name, bytes: p.bytes - (base.get(p.name) ?? 0) }))
    .filter((p) => p.bytes > 0)
    .sort((a, b) => b.bytes - a.bytes);
}

// The innermost node_modules segment names the package that shipped the file (nested copies count as themselves).
export function packageOf(input: string): string {
  const parts = input.split('/');
  const at = parts.lastIndexOf('node_modules');
  if (at === -1) return '(project)';
  const first = parts[at + 1] ?? '?';
  return first.startsWith('@') ? `${first}/${parts[at + 2] ?? '?'}` : first;
}

/** One sample: ms to require() the bundle in a fresh node process with placeholder env. */
export async function measureColdLoadMs(bundleFile: string): Promise<number> {
  return (await measureColdLoad(bundleFile)).wallMs;
}

/** One sample: wall and CPU ms to require() the bundle (module init included) in a fresh node process. */
export async function measureColdLoad(bundleFile: string): Promise<{ wallMs: number; cpuMs: number }> {
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
  const out = JSON.parse(stdout) as { ns: string; cpuUs: number; handler: string };
  if (out.handler !== 'function') throw new Error(`${path.basename(bundleFile)} exports no handler function`);
  return { wallMs: Number(out.ns) / 1e6, cpuMs: out.cpuUs / 1000 };
}
