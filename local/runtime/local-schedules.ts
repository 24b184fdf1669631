import type { ReconcileReport } from '../../shared/authorizer/reconcile-authorizers';
import type { AuthorizerGauges, ScheduleOutcome } from '../../shared/authorizer/schedule-due-work';
import type { RefreshOutcome } from '../../shared/token/refresh-request';
import { REFRESHER_FUNCTION, WORKER_FUNCTION } from './local-environment';

/** A schedule as EventBridge Scheduler runs it in AWS: an unqualified invocation of a function with a fixed input. */
export interface LocalSchedule {
  name: string;
  everySec: number;
  /** Invokes the function and says what it did, in log lines (never a token: the functions return none). */
  run(): Promise<string[]>;
}

type Invoke = (functionName: string, payload: unknown) => Promise<unknown>;

/** The schedules' names, for `runNow`. */
export const SCHEDULES = {
  tokenRefresher: 'token refresher',
  dueSweep: 'authorizer due sweep',
  reconcile: 'authorizer reconcile',
} as const;

/** The due sweep's rate in AWS: a token due within the 15-minute margin is queued within 5 minutes. */
export const DUE_SWEEP_EVERY_SEC = 300;
export const RECONCILE_EVERY_SEC = 86_400;

/**
 * The schedules of the deployed service: the component token refresher (followed by a token reader, to show the
 * token reaches readers), the authorizer due sweep and the daily authorizer reconcile.
 */
export function serviceSchedules(input: {
  invoke: Invoke;
  refreshIntervalSec: number;
  /** Reads the component token as a reader would and says what it got, in a log line (a fingerprint, never the token). */
  readComponentToken: () => Promise<string>;
}): LocalSchedule[] {
  const { invoke } = input;
  return [
    {
      name: SCHEDULES.tokenRefresher,
      everySec: input.refreshIntervalSec,
      async run() {
        const outcome = (await invoke(REFRESHER_FUNCTION, { action: 'refresh', reason: 'schedule' })) as RefreshOutcome;
        const line = `[schedule] ${SCHEDULES.tokenRefresher}: ${describeRefresh(outcome)}`;
        return outcome.status === 'refreshed' || outcome.status === 'fresh' ? [line, await input.readComponentToken()] : [line];
      },
    },
    {
      name: SCHEDULES.dueSweep,
      everySec: DUE_SWEEP_EVERY_SEC,
      run: async () => [
        `[schedule] ${SCHEDULES.dueSweep}: ${describeSweep((await invoke(WORKER_FUNCTION, { action: 'schedule' })) as SweepOutcome)}`,
      ],
    },
    {
      name: SCHEDULES.reconcile,
      everySec: RECONCILE_EVERY_SEC,
      run: async () => [
        `[schedule] ${SCHEDULES.reconcile}: ${describeReconcile((await invoke(WORKER_FUNCTION, { action: 'reconcile' })) as ReconcileReport)}`,
      ],
    },
  ];
}

/**
 * Runs each schedule on the real clock, every `everySec` from now (as a rate schedule does); a failed run is logged
 * and the next one comes as planned. `runNow` runs one at once; `stop` clears the timers and waits for runs in flight.
 */
export function startLocalSchedules(
  schedules: LocalSchedule[],
  log: (line: string) => void,
): { runNow(name: string): Promise<void>; stop(): Promise<void> } {
  const running = new Set<Promise<void>>();
  const run = (schedule: LocalSchedule): Promise<void> => {
    const done = schedule.run().then(
      (lines) => {
        for (const line of lines) log(line);
      },
      (err: unknown) => log(`[schedule] ${schedule.name} run failed: ${err instanceof Error ? err.message : String(err)}`),
    );
    running.add(done);
    return done.finally(() => running.delete(done));
  };
  const timers = schedules.map((schedule) => setInterval(() => void run(schedule), schedule.everySec * 1000));
  return {
    runNow(name) {
      const schedule = schedules.find((candidate) => candidate.name === name);
      if (!schedule) throw new Error(`no schedule named ${name}`);
      return run(schedule);
    },
    async stop() {
      for (const timer of timers) clearInterval(timer);
      await Promise.allSettled([...running]);
    },
  };
}

function describeRefresh(outcome: RefreshOutcome): string {
  switch (outcome.status) {
    case 'refreshed':
    case 'fresh':
      return `${outcome.status}, token version ${outcome.version} expires at ${new Date(outcome.expiresAtMs).toISOString()}`;
    case 'no-ticket':
      return `no valid ticket yet (api_start_push_ticket ${outcome.startPushTicket})`;
    case 'backoff':
      return `backing off after errcode ${outcome.errcode} until ${new Date(outcome.untilMs).toISOString()}`;
    case 'failed':
      return `failed (${outcome.error}${outcome.errcode === null ? '' : `, errcode ${outcome.errcode}`})`;
    default:
      return outcome.status;
  }
}

/** What the worker's `schedule` action returns. */
type SweepOutcome = ScheduleOutcome & { gauges: AuthorizerGauges };

function describeSweep(outcome: SweepOutcome): string {
  const { gauges } = outcome;
  return (
    `${outcome.refreshesQueued} refreshes and ${outcome.exchangesQueued} exchanges queued; authorizers active ${gauges.active}, ` +
    `revoked ${gauges.revoked}, needs_reauth ${gauges.needsReauth}, tokens valid ${gauges.tokensValid}`
  );
}

function describeReconcile(report: ReconcileReport): string {
  return `WeChat lists ${report.listed}; missing here ${report.missingHere.length}, missing at WeChat ${report.missingThere.length}`;
}
