/**
 * `npm run bench`: push-handling throughput, the cost of refusing junk pushes, token-reader latency, handler bundle
 * size, the bundles cdk synth deploys and h5-oauth throughput, each next to a baseline measured in the same run.
 * The machine is shared and noisy, so the ratios are the figures to compare between runs; nothing here asserts on
 * time. Prints tables and writes bench-output/results.json.
 */

import { mkdir, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { measureBundles } from './bundle-size';
import { measureDeployedBundles } from './deployed-bundles';
import { measureSignIn } from './h5-oauth-throughput';
import { measurePushRejection } from './push-rejection';
import { measurePushThroughput } from './push-throughput';
import { formatReaderBundle, measureReaderBundle } from './reader-bundle';
import { formatBundles, formatDeployedBundles, formatPushRejection, formatPushThroughput, formatSignIn, formatTokenReader } from './report';
import { measureTokenReaderLatency } from './token-reader-latency';

const ROOT_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT_DIR = path.join(ROOT_DIR, 'bench-output');

async function main(): Promise<void> {
  // Read when the first SDK client is constructed; the warning is noise in a table meant to be read.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const startedAt = new Date();
  const sectionMs: Record<string, number> = {};
  const timed = async <T>(name: string, run: () => T | Promise<T>): Promise<T> => {
    const start = performance.now();
    const result = await run();
    sectionMs[name] = Math.round(performance.now() - start);
    return result;
  };

  console.log(`bench: node ${process.version}, ${cpus().length} CPUs, ${startedAt.toISOString()}\n`);

  const pushThroughput = await timed('pushThroughput', () => measurePushThroughput());
  console.log(`${formatPushThroughput(pushThroughput)}\n`);

  const pushRejection = await timed('pushRejection', () => measurePushRejection());
  console.log(`${formatPushRejection(pushRejection)}\n`);

  const tokenReader = await timed('tokenReader', () => measureTokenReaderLatency());
  console.log(`${formatTokenReader(tokenReader)}\n`);

  const bundles = await timed('bundles', () => measureBundles({ rootDir: ROOT_DIR, outDir: OUT_DIR }));
  console.log(`${formatBundles(bundles)}\n`);

  const readerBundle = await timed('readerBundle', () => measureReaderBundle({ rootDir: ROOT_DIR, outDir: OUT_DIR }));
  console.log(`${formatReaderBundle(readerBundle)}\n`);

  const deployedBundles = await timed('deployedBundles', () =>
    measureDeployedBundles({ rootDir: ROOT_DIR, outDir: OUT_DIR, plain: bundles }),
  );
  console.log(`${formatDeployedBundles(deployedBundles)}\n`);

  const h5OAuth = await timed('h5OAuth', () => measureSignIn());
  console.log(`${formatSignIn(h5OAuth)}\n`);

  const results = {
    date: startedAt.toISOString(),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    sectionMs,
    pushThroughput,
    pushRejection,
    tokenReader,
    bundles,
    readerBundle,
    deployedBundles,
    h5OAuth,
  };
  await mkdir(OUT_DIR, { recursive: true });
  const outFile = path.join(OUT_DIR, 'results.json');
  await writeFile(outFile, `${JSON.stringify(results, null, 2)}\n`);
  console.log(
    `sections took ${Object.entries(sectionMs)
      .map(([k, v]) => `${k} ${(v / 1000).toFixed(1)} s`)
      .join(', ')}`,
  );
  console.log(`wrote ${path.relative(ROOT_DIR, outFile)}`);
}

main().catch((err: unknown) => {
  console.error('bench failed:', err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
