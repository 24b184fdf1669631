/**
 * What a simulated day counts, by phase of the day: every counter of the local parts (DynamoDB operations and capacity
 * units, KMS / SQS / Lambda requests, WeChat API calls, SQS-triggered invocations) read before and after each piece of
 * work, so each request is attributed to the part of the service that made it.
 */
import type { DaySystem } from './day-system';

/**
 * Flat counters: requests (`dynamo.UpdateItem`, `kms.Decrypt`, `sqs.SendMessageBatch`, `lambda.Invoke`,
 * `wechat.api_query_auth`), their details (`dynamo.UpdateItem.writeUnits`, `dynamo.UpdateItem.conditionalCheckFailed`),
 * totals (`dynamoUnits.read`, `dynamoUnits.write`, `dynamoUnits.indexWrite`), invocations (`lambda.sqsTriggered`,
 * `lambda.pushes`), output (`logs.bytes`) and `process.cpuMs`.
 */
export type Counters = Record<string, number>;

/** The parts of a day, each with its own counters. */
export const PHASES = ['setup', 'component', 'sweep', 'worker', 'readers', 'authorizations', 'reconcile', 'faults'] as const;
export type Phase = (typeof PHASES)[number];

/** Phases whose requests the service makes in operation (setup is the one-off import; faults are the test's own). */
export const OPERATING_PHASES: readonly Phase[] = ['component', 'sweep', 'worker', 'readers', 'authorizations', 'reconcile'];

/** Every counter of the local parts now, plus `extra` ones (e.g. the functions' log output). */
export function readCounters(system: DaySystem, extra: () => Counters = () => ({})): Counters {
  const counters: Counters = { ...extra() };
  const dynamo = system.aws.dynamoStats();
  for (const [operation, stats] of Object.entries(dynamo.byOperation)) {
    counters[`dynamo.${operation}`] = stats.count;
    counters[`dynamo.${operation}.readUnits`] = stats.readUnits;
    counters[`dynamo.${operation}.writeUnits`] = stats.writeUnits;
    counters[`dynamo.${operation}.indexWriteUnits`] = stats.indexWriteUnits;
    counters[`dynamo.${operation}.conditionalCheckFailed`] = stats.conditionalCheckFailed;
  }
  counters['dynamoUnits.read'] = dynamo.readUnits;
  counters['dynamoUnits.write'] = dynamo.writeUnits;
  counters['dynamoUnits.indexWrite'] = dynamo.indexWriteUnits;
  const calls = system.aws.stats();
  for (const service of ['kms', 'sqs', 'lambda', 'secretsManager'] as const) {
    for (const [operation, count] of Object.entries(calls[service])) counters[`${service}.${operation}`] = count;
  }
  const wechat = system.sim.stats();
  for (const [api, count] of Object.entries(wechat.calls)) counters[`wechat.${api}`] = count;
  counters['lambda.sqsTriggered'] = system.jobs.stats().invocations;
  // Each push WeChat sends is one request to the push route and one push receiver invocation.
  counters['lambda.pushes'] = wechat.pushes.sent;
  // This process's CPU time (the service's code and every local part it talks to): where a simulated day's time goes.
  const cpu = process.cpuUsage();
  counters['process.cpuMs'] = (cpu.user + cpu.system) / 1000;
  return counters;
}

/** Adds `after - before` into `into`. */
function addDelta(into: Counters, before: Counters, after: Counters): void {
  for (const [key, value] of Object.entries(after)) {
    const delta = value - (before[key] ?? 0);
    if (delta !== 0) into[key] = (into[key] ?? 0) + delta;
  }
}

/** Sums counters (e.g. the operating phases). */
export function sumCounters(parts: readonly Counters[]): Counters {
  const total: Counters = {};
  for (const part of parts) for (const [key, value] of Object.entries(part)) total[key] = (total[key] ?? 0) + value;
  return total;
}

/** Runs pieces of work and adds what each made the local parts do to its phase. */
export class PhaseCounters {
  readonly byPhase = Object.fromEntries(PHASES.map((phase) => [phase, {} as Counters])) as Record<Phase, Counters>;

  constructor(
    private readonly system: DaySystem,
    private readonly extra: () => Counters = () => ({}),
  ) {}

  /** Runs `work`, attributing every request made meanwhile to `phase`: nothing else may run concurrently. */
  async measure<T>(phase: Phase, work: () => Promise<T>): Promise<T> {
    const before = readCounters(this.system, this.extra);
    try {
      return await work();
    } finally {
      addDelta(this.byPhase[phase], before, readCounters(this.system, this.extra));
    }
  }

  /** The operating phases summed: what a day of operation costs. */
  operating(): Counters {
    return sumCounters(OPERATING_PHASES.map((phase) => this.byPhase[phase]));
  }
}
