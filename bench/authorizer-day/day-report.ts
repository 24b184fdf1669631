/** The simulated day as markdown: invariants, calls per authorizer, requests by phase, queue lag, faults and cost. */
import { OPERATING_PHASES, PHASES } from './day-counters';
import type { DaySummary } from './day-summary';
import { MAX_CALLS_PER_DAY } from './day-summary';
import type { AuthorizerDayResult } from './simulate-authorizer-day';

// Column, counter (a trailing dot sums every request of that service), divisor.
const REQUEST_KEYS: ReadonlyArray<[string, string, number?]> = [
  ['GetItem', 'dynamo.GetItem'],
  ['UpdateItem', 'dynamo.UpdateItem'],
  ['PutItem', 'dynamo.PutItem'],
  ['DeleteItem', 'dynamo.DeleteItem'],
  ['Query', 'dynamo.Query'],
  ['Scan', 'dynamo.Scan'],
  ['RCU', 'dynamoUnits.read'],
  ['WCU', 'dynamoUnits.write'],
  ['index WCU', 'dynamoUnits.indexWrite'],
  ['KMS', 'kms.'],
  ['SQS sends', 'sqs.SendMessageBatch'],
  ['Lambda', 'lambda.'],
  ['WeChat calls', 'wechat.'],
  ['log KiB', 'logs.bytes', 1024],
  ['CPU s', 'process.cpuMs', 1000],
];

/** Renders the day for bench-output/authorizer-day-<N>.md and the README's cost section. */
export function renderDayMarkdown(
  result: Omit<AuthorizerDayResult, 'authorizerCalls'>,
  summary: DaySummary,
  run: { date: string; node: string; cpus: number },
): string {
  const { options } = result;
  const lines: string[] = [];
  lines.push(`# A simulated day with ${options.authorizers.toLocaleString('en-US')} authorizers`, '');
  lines.push(
    `${run.date}, node ${run.node}, ${run.cpus} CPUs. ${summary.simulatedHours.toFixed(1)} simulated hours in ${summary.wallSeconds.toFixed(0)} s of wall time (${summary.cpuSeconds.toFixed(0)} s of CPU).`,
    `Options: ${options.readsPerAuthorizer} reads per authorizer from ${options.readerContainers} reader containers, worker invocations of ${options.invocationMs} ms with at most ${options.workerConcurrency} in flight, ${options.newAuthorizations} new authorizations and ${options.revocations} revocations during the day, faults ${options.faults ? 'on' : 'off'}.`,
    '',
  );

  lines.push(
    '## Invariants',
    '',
    table(
      ['check', 'found', 'ok'],
      summary.invariants.map((check) => [check.name, check.value, check.ok ? 'yes' : '**NO**']),
    ),
    '',
  );

  const calls = summary.tokenCalls;
  lines.push(
    `## api_authorizer_token per authorizer (24 h, limit ${MAX_CALLS_PER_DAY} = ceil(86400 / (7200 - 900)))`,
    '',
    table(
      ['', 'max', 'mean'],
      [
        ['calls (every call WeChat saw)', String(calls.perAuthorizerMax), calls.perAuthorizerMean.toFixed(2)],
        ['successful calls', String(calls.successfulMax), calls.successfulMean.toFixed(2)],
        ['calls of authorizers no fault touched', String(calls.unfaultedMax), ''],
      ],
    ),
    '',
    `Calls per authorizer: ${Object.entries(calls.histogram)
      .map(([count, authorizers]) => `${count} calls: ${authorizers}`)
      .join(', ')}. ${calls.total.toLocaleString('en-US')} calls in all.`,
    '',
  );
  if (calls.overLimit.length > 0) {
    const reasons = new Map<string, number>();
    for (const entry of calls.overLimit) reasons.set(entry.why, (reasons.get(entry.why) ?? 0) + 1);
    lines.push(
      `Over the limit: ${calls.overLimit.length} authorizers, each by the extra calls a fault caused: ${[...reasons]
        .map(([why, count]) => `${count} × ${why}`)
        .join('; ')}.`,
      '',
    );
  }

  const reads = result.reads;
  lines.push(
    '## Tokens served',
    '',
    `${reads.reads.toLocaleString('en-US')} reads: ${reads.ok.toLocaleString('en-US')} tokens WeChat accepted, ${reads.badCount} it would refuse, ${reads.refusedRevoked} revoked authorizers refused (REVOKED), ${reads.servedWithinRevalidation} served within the reader's revalidation interval after a revocation.`,
    '',
  );

  lines.push('## Requests per day, by phase', '');
  const cells = (counters: Record<string, number>) =>
    REQUEST_KEYS.map(([, key, divisor]) => format(sumByPrefix(counters, key) / (divisor ?? 1)));
  const rows = PHASES.map((phase) => [phase, ...cells(result.phases[phase])]);
  const operatingRow = ['**operating**', ...cells(result.operating)];
  lines.push(
    table(['phase', ...REQUEST_KEYS.map(([label]) => label)], [...rows, operatingRow]),
    '',
    `Operating = ${OPERATING_PHASES.join(' + ')} (setup is the one-off import; faults are the simulation's own requests). KMS by operation: ${JSON.stringify(summary.kms)}. SQS: ${JSON.stringify(summary.sqs)}. Lambda: ${summary.lambda.sqsTriggered} SQS-triggered worker invocations, ${summary.lambda.invoked} invoked (schedules, reader refreshes, reconcile), ${summary.lambda.pushes} push receiver invocations. DynamoDB conditional checks failed: ${summary.dynamo.conditionalChecksFailed}.`,
    '',
  );

  const queue = result.queue;
  lines.push(
    '## Queue',
    '',
    `Worst queue lag (oldest message at delivery): ${(queue.maxAgeAtFirstDeliveryMs / 1000).toFixed(1)} s on first deliveries, ${(queue.maxAgeAtDeliveryMs / 1000).toFixed(1)} s with redeliveries (a batch whose worker died waits out the visibility timeout). Longest wave (from a sweep to an empty queue): ${(queue.maxWaveDrainMs / 1000).toFixed(1)} s. ${queue.invocations} invocations, ${queue.functionErrors} function errors, ${queue.partialFailures} partial batch failures, ${queue.deadLetters} dead letters, ${queue.workerContainers} worker containers. Sweeps: ${result.sweeps.runs} runs queued ${result.sweeps.refreshesQueued} refreshes and ${result.sweeps.exchangesQueued} exchanges in ${result.sweeps.pages} due-index pages.`,
    '',
  );

  const faults = result.faults;
  lines.push(
    '## Faults',
    '',
    `- errcode -1 burst at hour 3: ${faults.minusOneAnswers} calls answered -1.`,
    `- a lost SQS message at hour 5: ${faults.lostMessage ? `the refresh job of ${faults.lostMessage.authorizerAppid}, refreshed by a later sweep` : 'none'}.`,
    `- a worker container that died at hour 8 right after WeChat answered: ${faults.crashVictim ? `the token issued for ${faults.crashVictim} was never stored; the authorizer was refreshed again after its lease ended` : 'none'}.`,
    '',
  );

  const cost = result.cost;
  lines.push(
    `## Cost per ${cost.perAuthorizers.toLocaleString('en-US')} authorizers per month`,
    '',
    table(
      ['item', 'per month', 'unit', 'USD', 'from'],
      cost.lines.map((line) => [line.item, format(line.quantityPerMonth), line.unit, usd(line.usdPerMonth), line.basis]),
    ),
    '',
    `**Total: ${usd(cost.totalUsdPerMonth)} per month** (${cost.prices.region} list prices as of ${cost.prices.asOf}; no free tier). Duration model: ${cost.durationModel.memoryMb} MB arm64, a job batch ${cost.durationModel.jobBatchMs} ms, any other invocation ${cost.durationModel.invocationOverheadMs} ms plus ${cost.durationModel.awsRequestMs} ms per AWS request and ${cost.durationModel.wechatCallMs} ms per WeChat call. Storage from ${result.storage.sampledItems} sampled items of ${result.storage.averageItemBytes} bytes on average.`,
    '',
  );
  return lines.join('\n');
}

function sumByPrefix(counters: Record<string, number>, key: string): number {
  if (!key.endsWith('.')) return counters[key] ?? 0;
  return Object.entries(counters)
    .filter(([name]) => name.startsWith(key) && /^[A-Za-z_]+$/.test(name.slice(key.length)))
    .reduce((sum, [, value]) => sum + value, 0);
}

function format(value: number): string {
  if (value === 0) return '0';
  if (Number.isInteger(value)) return value.toLocaleString('en-US');
  return value >= 100 ? Math.round(value).toLocaleString('en-US') : value.toFixed(2);
}

function usd(value: number): string {
  return `$${value < 0.01 ? value.toFixed(4) : value.toFixed(2)}`;
}

function table(header: string[], rows: string[][]): string {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((row) => `| ${row.join(' | ')} |`)].join('\n');
}
