/**
 * `npm run simulate:day -- --authorizers 10000`: a simulated day of the authorizer lifecycle against the local parts
 * (bench/authorizer-day), written to bench-output/authorizer-day-<N>.json and .md; `npm run bench` summarizes the
 * newest one. Exits 1 when an invariant fails.
 *
 * Options: --authorizers N (default 10000), --reads-per-authorizer N (5), --invocation-ms N (400), --no-faults.
 * `--reprice bench-output/authorizer-day-10000.json` prices a saved day again with bench/authorizer-day/cost-model.ts
 * (after a price change) and rewrites its JSON and markdown, without simulating.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { renderDayMarkdown } from './authorizer-day/day-report';
import { summarizeDay } from './authorizer-day/day-summary';
import type { SavedDayReport } from './authorizer-day/last-day-report';
import { priceDay, simulateAuthorizerDay } from './authorizer-day/simulate-authorizer-day';

const ROOT_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DAY_OUTPUT_DIR = path.join(ROOT_DIR, 'bench-output');

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      authorizers: { type: 'string', default: '10000' },
      'reads-per-authorizer': { type: 'string', default: '5' },
      'invocation-ms': { type: 'string', default: '400' },
      'no-faults': { type: 'boolean', default: false },
      reprice: { type: 'string' },
    },
  });
  if (values.reprice) {
    const saved = JSON.parse(await readFile(values.reprice, 'utf8')) as SavedDayReport;
    saved.result.cost = priceDay(saved.result);
    await writeReport(values.reprice.replace(/\.json$/, ''), saved);
    return;
  }
  const authorizers = wholeNumber(values.authorizers, '--authorizers');
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const started = new Date();
  console.error(`simulating a day with ${authorizers} authorizers (progress on stderr, by simulated hour)`);
  const result = await simulateAuthorizerDay({
    authorizers,
    readsPerAuthorizer: wholeNumber(values['reads-per-authorizer'], '--reads-per-authorizer'),
    invocationMs: wholeNumber(values['invocation-ms'], '--invocation-ms'),
    faults: !values['no-faults'],
    progress: (line) => console.error(line),
  });
  const summary = summarizeDay(result);
  const run = { date: started.toISOString(), node: process.version, cpus: cpus().length };
  // The per-authorizer list is summarized (histogram, over-limit list) rather than written out: 10,000 rows say nothing more.
  const { authorizerCalls: _perAuthorizer, ...kept } = result;
  await mkdir(DAY_OUTPUT_DIR, { recursive: true });
  await writeReport(path.join(DAY_OUTPUT_DIR, `authorizer-day-${authorizers}`), { run, summary, result: kept });
  if (summary.invariants.some((check) => !check.ok)) process.exitCode = 1;
}

/** Writes `<base>.json` and `<base>.md` and prints the markdown. */
async function writeReport(base: string, report: SavedDayReport): Promise<void> {
  const markdown = renderDayMarkdown(report.result, report.summary, report.run);
  await writeFile(`${base}.json`, `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(`${base}.md`, `${markdown}\n`);
  console.log(markdown);
  console.log(`wrote ${path.relative(ROOT_DIR, base)}.json and .md`);
}

function wholeNumber(value: string | undefined, name: string): number {
  const number = Number(value);
  if (!Number.isSafeInteger(number) || number < 1) throw new RangeError(`${name} must be a whole number of at least 1, not ${value}`);
  return number;
}

main().catch((err: unknown) => {
  console.error('simulate:day failed:', err instanceof Error ? err.stack : err);
  process.exitCode = 1;
});
