/**
 * `npm run bench`: push-handling throughput, the cost of refusing junk pushes, receiver latency, token-reader latency,
 * h5-oauth callback latency, handler bundle size, the bundles cdk synth deploys, each handler's peak RSS, authorizer
 * refreshes per second and the authorizer token reader's latency, each next to a baseline measured in the same run;
 * then a summary of the last simulated authorizer day in bench-output/ (written by `npm run simulate:day`, which the
 * bench does not run). The machine is shared and noisy, so the ratios are the figures to compare between runs;
 * nothing here asserts on time. Prints tables and writes bench-output/results.json, report.md (every goal, met or
 * missed) and latency.svg.
 */

import { mkdir, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatLastDayReport, loadLastDayReport } from './authorizer-day/last-day-report';
import { measureAuthorizerReaderLatency } from './authorizer-reader-latency';
import { measureAuthorizerRefreshThroughput } from './authorizer-refresh-throughput';
import { measureBundles } from './bundle-size';
import { measureDeployedBundles, synthesizeApp } from './deployed-bundles';
import { collectGoals } from './goals';
import { measureSignIn } from './h5-oauth-throughput';
import { measureHandlerRss } from './handler-rss';
import { renderLatencyChart } from './latency-chart';
import { measurePushRejection } from './push-rejection';
import { measurePushThroughput } from './push-throughput';
import { formatReaderBundle, measureReaderBundle } from './reader-bundle';
import { measureReceiverLatency } from './receiver-latency';
import {
  formatAuthorizerReader,
  formatAuthorizerRefreshes,
  formatBundles,
  formatDeployedBundles,
  formatPushRejection,
  formatPushThroughput,
  formatReceiver,
  formatRss,
  formatSignIn,
  formatTokenReader,
} from './report';
import { chartSeries, renderReport, withDeployedMemorySizes } from './report-md';
import { measureTokenReaderLatency } from './token-reader-latency';

const ROOT_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT_DIR = path.join(ROOT_DIR, 'bench-output');
const CHART_FILE = 'latency.svg';

async function main(): Promise<void> {
  // Read when the first SDK client is constructed; the warning is noise in a table meant to be read.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const startedAt = new Date();
  const runStart = performance.now();
  const sectionMs: Record<string, number> = {};
  const failures: Record<string, string> = {};
  // A section that throws is reported as failed and the others still run: one broken part must not hide every goal.
  const section = async <T>(name: string, run: () => T | Promise<T>, format: (result: T) => string): Promise<T | undefined> => {
    const start = performance.now();
    try {
      const result = await run();
      console.log(`${format(result)}\n`);
      return result;
    } catch (err) {
      failures[name] = err instanceof Error ? err.message : String(err);
      console.log(`${name} FAILED: ${failures[name]}\n`);
      return undefined;
    } finally {
      sectionMs[name] = Math.round(performance.now() - start);
      console.log(`(${name}: ${(sectionMs[name] / 1000).toFixed(1)} s)\n`);
    }
  };

  console.log(`bench: node ${process.version}, ${cpus().length} CPUs, ${startedAt.toISOString()}\n`);

  const pushThroughput = await section('pushThroughput', () => measurePushThroughput(), formatPushThroughput);
  const pushRejection = await section('pushRejection', () => measurePushRejection(), formatPushRejection);
  const receiver = await section('receiver', () => measureReceiverLatency(), formatReceiver);
  const tokenReader = await section('tokenReader', () => measureTokenReaderLatency(), formatTokenReader);
  const h5OAuth = await section('h5OAuth', () => measureSignIn(), formatSignIn);
  const bundles = await section('bundles', () => measureBundles({ rootDir: ROOT_DIR, outDir: OUT_DIR }), formatBundles);
  // cdk synth runs beside the RSS section, which measures memory, not time: one after the other they would take a
  // minute or more. The deployed bundles' load times are measured after both.
  const [synthMs, measuredRss] = await Promise.all([
    synthesizeApp({ rootDir: ROOT_DIR, outDir: OUT_DIR }).catch((err: unknown) => {
      failures.synth = err instanceof Error ? err.message : String(err);
      return undefined;
    }),
    section('rss', () => measureHandlerRss({ rootDir: ROOT_DIR, outDir: OUT_DIR }), formatRss),
  ]);
  const deployedBundles =
    bundles && synthMs !== undefined
      ? await section(
          'deployedBundles',
          () => measureDeployedBundles({ rootDir: ROOT_DIR, outDir: OUT_DIR, plain: bundles, synthMs }),
          formatDeployedBundles,
        )
      : undefined;
  const rss = measuredRss && deployedBundles ? withDeployedMemorySizes(measuredRss, deployedBundles) : measuredRss;

  const readerBundle = await section('readerBundle', () => measureReaderBundle({ rootDir: ROOT_DIR, outDir: OUT_DIR }), formatReaderBundle);
  const authorizerRefreshes = await section('authorizerRefreshes', () => measureAuthorizerRefreshThroughput(), formatAuthorizerRefreshes);
  const authorizerReader = await section('authorizerReader', () => measureAuthorizerReaderLatency(), formatAuthorizerReader);
  const lastDay = await loadLastDayReport(OUT_DIR);
  console.log(`${formatLastDayReport(lastDay)}\n`);

  const totalMs = performance.now() - runStart;
  const goals = collectGoals({ pushThroughput, pushRejection, receiver, tokenReader, bundles, h5OAuth });
  const results = {
    date: startedAt.toISOString(),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    sectionMs,
    totalMs: Math.round(totalMs),
    failures,
    goals,
    pushThroughput,
    pushRejection,
    receiver,
    tokenReader,
    h5OAuth,
    bundles,
    readerBundle,
    deployedBundles,
    rss,
    authorizerRefreshes,
    authorizerReader,
    lastAuthorizerDay: lastDay ? { file: lastDay.file, run: lastDay.report.run, summary: lastDay.report.summary } : null,
  };
  await mkdir(OUT_DIR, { recursive: true });
  await writeFile(path.join(OUT_DIR, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  const series = chartSeries({ receiver, tokenReader, h5OAuth });
  await writeFile(path.join(OUT_DIR, CHART_FILE), renderLatencyChart(series, { title: 'Latency distributions (same run, local servers)' }));
  const report = renderReport({
    date: results.date,
    node: results.node,
    cpus: results.cpus,
    cpuModel: results.cpuModel,
    sectionMs,
    totalMs,
    goals,
    receiver,
    tokenReader,
    h5OAuth,
    rss,
    failures,
    chartFile: CHART_FILE,
  });
  await writeFile(path.join(OUT_DIR, 'report.md'), report);

  for (const g of goals)
    console.log(`${g.verdict.padEnd(12)} ${g.name}: ${g.ratio === null ? '-' : `${g.ratio.toFixed(2)}x`} (${g.direction} ${g.limit}x)`);
  console.log(
    `\nsections took ${Object.entries(sectionMs)
      .map(([k, v]) => `${k} ${(v / 1000).toFixed(1)} s`)
      .join(', ')}; total ${(totalMs / 1000).toFixed(1)} s`,
  );
  console.log(`wrote bench-output/results.json, report.md, ${CHART_FILE}`);
}

main().catch((err: unknown) => {
  console.error('bench failed:', err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
