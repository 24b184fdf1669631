/**
 * The bundles `cdk synth` actually deploys (the prebuilt dist/lambda assets of `npm run build`: esbuild, minified, source maps, node24), their
 * size and cold module-load time in a fresh Node process, next to the plain esbuild bundle of the same handler
 * measured in section 3 of the same run (the previous figures) and to that handler's same-clients baseline there.
 */
import { execFile } from 'node:child_process';
import { copyFile, mkdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import type { BundleSizeResult } from './bundle-size';
import { measureColdLoadMs } from './bundle-size';
import { median } from './stats';

const execFileAsync = promisify(execFile);

export interface DeployedBundle {
  function: string;
  handler: string;
  /** MemorySize in the synthesized template (Lambda's default, 128, when unset). */
  memorySizeMiB: number;
  bytes: number;
  mapBytes: number;
  gzipBytes: number;
  /** Null when the bundle failed to load (see loadError). */
  loadMsMedian: number | null;
  loadMsRuns: number[];
  loadError?: string;
  /** Over the plain esbuild bundle of the same handler (section 3). */
  sizeOverPlain: number | null;
  loadOverPlain: number | null;
  /** Over the handler's same-clients baseline bundle of section 3. */
  loadOverBaseline: number | null;
}

export interface DeployedBundlesResult {
  synthMs: number;
  bundles: DeployedBundle[];
}

/** Synthesizes the app offline into bench-output/cdk.out; returns how long it took, ms. */
export async function synthesizeApp(options: { rootDir: string; outDir: string }): Promise<number> {
  const cdkOut = path.join(options.outDir, 'cdk.out');
  const started = performance.now();
  await execFileAsync(
    path.join(options.rootDir, 'node_modules/.bin/cdk'),
    [
      'synth',
      '--quiet',
      '-o',
      cdkOut,
      '-c',
      'componentAppid=wx0000000000000000',
      '-c',
      'region=ap-east-1',
      '-c',
      'h5OAuthAllowedReturnTo=https://h5.example.com/app/',
    ],
    {
      cwd: options.rootDir,
      env: { ...process.env, CDK_DISABLE_VERSION_CHECK: '1', CDK_DISABLE_CLI_TELEMETRY: 'true' },
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  return performance.now() - started;
}

/**
 * Measures each Lambda's asset of the synthesized app: `synthMs` from an earlier synthesizeApp (the bench runs the
 * synth beside another section), or synthesizes first.
 */
export async function measureDeployedBundles(options: {
  rootDir: string;
  outDir: string;
  plain: BundleSizeResult;
  loadRuns?: number;
  synthMs?: number;
}): Promise<DeployedBundlesResult> {
  const cdkOut = path.join(options.outDir, 'cdk.out');
  const synthMs = options.synthMs ?? (await synthesizeApp(options));
  const template = JSON.parse(await readFile(path.join(cdkOut, 'WechatComponent.template.json'), 'utf8')) as {
    Resources: Record<
      string,
      { Type: string; Properties: { Description?: string; MemorySize?: number }; Metadata?: Record<string, string> }
    >;
  };
  const functions = Object.entries(template.Resources)
    .filter(([, r]) => r.Type === 'AWS::Lambda::Function' && r.Metadata?.['aws:asset:path'])
    .map(([id, r]) => ({
      id,
      asset: path.join(cdkOut, r.Metadata!['aws:asset:path']!),
      handler: handlerName(id),
      memorySizeMiB: r.Properties.MemorySize ?? 128,
    }));

  // Lambda loads index.js as CommonJS (no package.json in the asset). Here it sits under our "type": "module"
  // package.json, which would make Node read it as ESM, so it is measured from a .cjs copy of the same bytes.
  const copies = path.join(options.outDir, 'deployed');
  await mkdir(copies, { recursive: true });
  for (const fn of functions) await copyFile(path.join(fn.asset, 'index.js'), path.join(copies, `${fn.handler}.cjs`));
  const runs = functions.map(() => [] as number[]);
  const errors: (string | undefined)[] = functions.map(() => undefined);
  for (let round = 0; round < (options.loadRuns ?? 5); round++) {
    for (const [i, fn] of functions.entries()) {
      if (errors[i]) continue;
      // One bundle that does not load (say, an environment variable the load env lacks) must not hide the others.
      await measureColdLoadMs(path.join(copies, `${fn.handler}.cjs`)).then(
        (loadMs) => runs[i]!.push(loadMs),
        (err: unknown) => {
          errors[i] = err instanceof Error ? err.message : String(err);
        },
      );
    }
  }
  const bundles: DeployedBundle[] = [];
  for (const [i, fn] of functions.entries()) {
    const code = await readFile(path.join(fn.asset, 'index.js'));
    const mapBytes = (await stat(path.join(fn.asset, 'index.js.map')).catch(() => ({ size: 0 }))).size;
    const plain = options.plain.bundles.find((b) => b.name === fn.handler);
    const loadMsMedian = errors[i] || runs[i]!.length === 0 ? null : median(runs[i]!);
    bundles.push({
      function: fn.id,
      handler: fn.handler,
      memorySizeMiB: fn.memorySizeMiB,
      bytes: code.length,
      mapBytes,
      gzipBytes: gzipSync(code, { level: 9 }).length,
      loadMsMedian,
      loadMsRuns: runs[i]!,
      ...(errors[i] ? { loadError: errors[i] } : {}),
      sizeOverPlain: plain ? code.length / plain.bytes : null,
      loadOverPlain: plain?.loadMsMedian && loadMsMedian !== null ? loadMsMedian / plain.loadMsMedian : null,
      loadOverBaseline: plain?.baseline.loadMsMedian && loadMsMedian !== null ? loadMsMedian / plain.baseline.loadMsMedian : null,
    });
  }
  return { synthMs, bundles };
}

// Logical ids start with the construct path: ComponentPushReceiverFunction..., ComponentTokenRefresherFunction...
function handlerName(logicalId: string): string {
  if (logicalId.includes('PushReceiver')) return 'push-receiver';
  if (logicalId.includes('TokenRefresher')) return 'token-refresher';
  if (logicalId.includes('H5OAuth')) return 'h5-oauth';
  if (logicalId.includes('AuthorizerWorker')) return 'authorizer-worker';
  if (logicalId.includes('AuthorizationPage')) return 'authorization-page';
  return logicalId;
}
