/**
 * `npm run bench` does not simulate a day (10,000 authorizers take many minutes): it summarizes the newest report
 * `npm run simulate:day` left in bench-output/, saying where it comes from and when it ran.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { DaySummary } from './day-summary';
import type { AuthorizerDayResult } from './simulate-authorizer-day';

/** What simulate-day.ts writes to bench-output/authorizer-day-<N>.json. */
export interface SavedDayReport {
  run: { date: string; node: string; cpus: number };
  summary: DaySummary;
  result: Omit<AuthorizerDayResult, 'authorizerCalls'>;
}

const REPORT_NAME = /^authorizer-day-\d+\.json$/;

/** The newest saved day report in `outDir` and its file name, or null when there is none. */
export async function loadLastDayReport(outDir: string): Promise<{ file: string; report: SavedDayReport } | null> {
  const names = (await readdir(outDir).catch(() => [] as string[])).filter((name) => REPORT_NAME.test(name));
  if (names.length === 0) return null;
  const dated = await Promise.all(names.map(async (name) => ({ name, mtimeMs: (await stat(path.join(outDir, name))).mtimeMs })));
  const newest = dated.sort((a, b) => b.mtimeMs - a.mtimeMs)[0]!.name;
  const report = JSON.parse(await readFile(path.join(outDir, newest), 'utf8')) as SavedDayReport;
  return { file: newest, report };
}

/** A few lines for the bench's stdout: the invariants, the per-authorizer calls, the requests and the cost. */
export function formatLastDayReport(saved: { file: string; report: SavedDayReport } | null): string {
  const title = '8. Simulated authorizer day (not run by npm run bench: the last `npm run simulate:day` report)';
  if (!saved) return `${title}\nno bench-output/authorizer-day-*.json yet: run \`npm run simulate:day -- --authorizers 10000\``;
  const { run, summary, result } = saved.report;
  const failed = summary.invariants.filter((check) => !check.ok);
  const units = (value: number) => Math.round(value).toLocaleString('en-US');
  return [
    title,
    `bench-output/${saved.file}: ${summary.authorizers.toLocaleString('en-US')} authorizers, run ${run.date} (node ${run.node}, ${run.cpus} CPUs), ${summary.simulatedHours.toFixed(1)} simulated hours in ${summary.wallSeconds.toFixed(0)} s`,
    `invariants: ${summary.invariants.length - failed.length} of ${summary.invariants.length} hold${failed.length > 0 ? `; FAILED: ${failed.map((check) => `${check.name} (${check.value})`).join('; ')}` : ''}`,
    `api_authorizer_token per authorizer: max ${summary.tokenCalls.perAuthorizerMax} (no fault: ${summary.tokenCalls.unfaultedMax}), answered with a token max ${summary.tokenCalls.successfulMax}, mean ${summary.tokenCalls.perAuthorizerMean.toFixed(2)}; tokens served that WeChat refuses: ${result.reads.badCount} of ${result.reads.reads}`,
    `per day: DynamoDB ${JSON.stringify(summary.dynamo.operations)}, ${units(summary.dynamo.readUnits)} RCU, ${units(summary.dynamo.writeUnits)} WCU + ${units(summary.dynamo.indexWriteUnits)} index WCU; KMS ${JSON.stringify(summary.kms)}; SQS ${JSON.stringify(summary.sqs)}; Lambda ${summary.lambda.sqsTriggered} SQS-triggered, ${summary.lambda.invoked} invoked, ${summary.lambda.pushes} pushes`,
    `worst queue lag ${(result.queue.maxAgeAtFirstDeliveryMs / 1000).toFixed(1)} s (first deliveries), ${(result.queue.maxAgeAtDeliveryMs / 1000).toFixed(1)} s (redeliveries); cost per ${result.cost.perAuthorizers.toLocaleString('en-US')} authorizers per month: $${result.cost.totalUsdPerMonth.toFixed(2)} (${result.cost.prices.region}, prices as of ${result.cost.prices.asOf})`,
  ].join('\n');
}
