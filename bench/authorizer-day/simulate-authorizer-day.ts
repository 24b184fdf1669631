/**
 * A simulated day of the authorizer lifecycle (24 h on the fake clock) against the local parts: N authorizers imported
 * through the operator's import (api_get_authorizer_list), the due sweep every 5 minutes fanning refreshes out through
 * SQS to the worker (batches of 10, bounded concurrency), WeChat's ticket pushes and the component token refresher
 * keeping the component token, new authorizations and revocations pushed by WeChat, the daily reconcile, readers
 * reading random authorizers' tokens throughout (each token checked with the simulator), and faults: a burst of
 * errcode -1, a lost SQS message and a worker container that dies after WeChat answered.
 *
 * Time: the clock stands still while a piece of work runs, except worker invocations, which take `invocationMs` each
 * (modelled: one WeChat round trip plus two DynamoDB writes from AWS, jobs of a batch in parallel); with at most
 * `workerConcurrency` in flight, a round of invocations moves the clock by `invocationMs`. Queue lag is measured on
 * that clock.
 */
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { DeleteMessageCommand, GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { dynamoItemBytes } from '../../local/aws/dynamo-item-size';
import type { ReconcileReport } from '../../shared/authorizer/reconcile-authorizers';
import type { ScheduleOutcome } from '../../shared/authorizer/schedule-due-work';
import { authorizerPk, SK } from '../../shared/store/table-keys';
import { type CostModel, costPerMonth } from './cost-model';
import { type Counters, type Phase, PhaseCounters } from './day-counters';
import { DayReaders, type ReadOutcomes, seededRandom } from './day-readers';
import { DAY_TABLE_NAME, type DaySystem, startDaySystem } from './day-system';
import { PowertoolsOutput, type PowertoolsOutputCounts } from './powertools-output';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const SWEEP_EVERY_MS = 5 * MIN;
const REFRESHER_EVERY_MS = 5 * MIN;
const TICKET_EVERY_MS = 10 * MIN;
/** Reader containers look at the store again after this long (the reader's default). */
const REVALIDATE_MS = 60_000;
const MINUS_ONE_BURST = 150;
/** A new authorization is read from this long after WeChat pushed it (its exchange is done by then). */
const READABLE_AFTER_MS = 5 * MIN;

export interface AuthorizerDayOptions {
  authorizers: number;
  /** Token reads per authorizer over the day, spread evenly. @default 5 */
  readsPerAuthorizer?: number;
  /** Reader containers (each with its own cache). @default 3 */
  readerContainers?: number;
  /** Modelled duration of one worker invocation. @default 400 */
  invocationMs?: number;
  /** Worker invocations in flight at most. @default 5 */
  workerConcurrency?: number;
  /** Accounts that authorize during the day (push, exchange). @default max(3, N / 1000) */
  newAuthorizations?: number;
  /** Accounts that revoke during the day (unauthorized push). @default max(3, N / 1000) */
  revocations?: number;
  /** Inject the faults (a -1 burst, a lost SQS message, a worker crash). @default true */
  faults?: boolean;
  /** Seed of the readers' and revocations' random choices. @default 1 */
  seed?: number;
  /** Progress lines (simulated hour, wall time). */
  progress?: (line: string) => void;
}

/** What the faults did, for the report and the assertions. */
export interface FaultRecord {
  /** api_authorizer_token calls answered -1 by the injected burst. */
  minusOneAnswers: number;
  /** The authorizer whose refresh job was taken off the queue unprocessed, and when. */
  lostMessage: { authorizerAppid: string; atMs: number } | null;
  /** The authorizer whose fresh token WeChat issued but the dying worker never stored. */
  crashVictim: string | null;
}

/** Per authorizer: api_authorizer_token calls (every call WeChat saw) and successful ones. */
export interface AuthorizerCalls {
  authorizerAppid: string;
  calls: number;
  successes: number;
}

/** The final state, checked against WeChat's (the simulator's) view. */
export interface EndState {
  authorized: number;
  revoked: number;
  needsReauth: number;
  /** Authorized here with a token WeChat accepts now. */
  tokensValid: number;
  /** Authorized here whose stored refresh token is the one WeChat holds. */
  refreshTokensCurrent: number;
  /** Appids whose status or refresh token disagrees with WeChat's (must be empty). */
  disagreements: string[];
}

export interface AuthorizerDayResult {
  options: Required<Omit<AuthorizerDayOptions, 'progress'>>;
  startedAtMs: number;
  simulatedMs: number;
  wallMs: number;
  imported: number;
  phases: Record<Phase, Counters>;
  operating: Counters;
  authorizerCalls: AuthorizerCalls[];
  reads: ReadOutcomes;
  queue: {
    /** The oldest message ever handed to the worker, from its send (retries after the faults included). */
    maxAgeAtDeliveryMs: number;
    /** The same over first deliveries: how long a queued job waits for the worker. */
    maxAgeAtFirstDeliveryMs: number;
    /** From a sweep that queued work to the queue holding nothing visible and no invocation running. */
    maxWaveDrainMs: number;
    invocations: number;
    functionErrors: number;
    partialFailures: number;
    deadLetters: number;
    workerContainers: number;
  };
  sweeps: { runs: number; refreshesQueued: number; exchangesQueued: number; pages: number };
  reconcile: ReconcileReport | null;
  /** api_query_auth calls and successes per authorization code (must be one each). */
  codeExchanges: Array<{ calls: number; successes: number }>;
  pushes: { sent: number; acked: number };
  faults: FaultRecord;
  endState: EndState;
  /** What the functions wrote to CloudWatch: log lines, EMF documents, and the distinct custom metrics. */
  output: PowertoolsOutputCounts & { customMetrics: string[] };
  /** Table storage at the end of the day, from a sample of authorizer items. */
  storage: { sampledItems: number; averageItemBytes: number; estimatedTableBytes: number };
  /** Per 10,000 authorizers per month. */
  cost: CostModel;
}

/** Runs the day and stops every part; the result carries the counts, nothing else is kept. */
export async function simulateAuthorizerDay(options: AuthorizerDayOptions): Promise<AuthorizerDayResult> {
  const n = options.authorizers;
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError('authorizers must be a whole number of at least 1');
  const settings = {
    authorizers: n,
    readsPerAuthorizer: options.readsPerAuthorizer ?? 5,
    readerContainers: options.readerContainers ?? 3,
    invocationMs: options.invocationMs ?? 400,
    workerConcurrency: options.workerConcurrency ?? 5,
    newAuthorizations: options.newAuthorizations ?? Math.max(3, Math.round(n / 1000)),
    revocations: options.revocations ?? Math.max(3, Math.round(n / 1000)),
    faults: options.faults ?? true,
    seed: options.seed ?? 1,
  };
  const progress = options.progress ?? (() => undefined);
  const newAppids = Array.from({ length: settings.newAuthorizations }, (_, i) => `wxn${String(i + 1).padStart(15, '0')}`);
  // On before the functions are made: Powertools reads its settings then.
  const output = new PowertoolsOutput().start();
  try {
    const system = await startDaySystem({
      workerConcurrency: settings.workerConcurrency,
      readerRevalidateMs: REVALIDATE_MS,
      authorizationAccounts: newAppids,
    });
    try {
      return await runDay(system, output, settings, newAppids, progress);
    } finally {
      await system.close();
    }
  } finally {
    output.stop();
  }
}

async function runDay(
  system: DaySystem,
  output: PowertoolsOutput,
  settings: AuthorizerDayResult['options'],
  newAppids: string[],
  progress: (line: string) => void,
): Promise<AuthorizerDayResult> {
  const { clock, sim, jobs } = system;
  const wallStart = performance.now();
  const counters = new PhaseCounters(system, () => ({
    'logs.lines': output.counts.logLines + output.counts.emfDocuments,
    'logs.bytes': output.counts.logBytes + output.counts.emfBytes,
  }));
  const random = seededRandom(settings.seed);
  const readers = new DayReaders({
    sim,
    readers: Array.from({ length: settings.readerContainers }, () => system.newReader()),
    now: clock.now,
    random,
    revalidateAfterMs: REVALIDATE_MS,
  });

  // WeChat knows N authorized accounts; the service learns them through the operator's import.
  const appids = sim.addAuthorizedAccounts(settings.authorizers);
  const imported = await counters.measure('setup', async () => {
    await sim.pushTicketNow();
    await system.invoke('token-refresher', { action: 'refresh', reason: 'schedule' });
    return ((await system.invoke('authorizer-worker', { action: 'import' })) as ReconcileReport).imported;
  });
  readers.add(appids);

  const startedAtMs = clock.now();
  const endMs = startedAtMs + DAY;
  const at = (ms: number) => startedAtMs + ms;
  const next = { ticket: at(TICKET_EVERY_MS), refresher: at(REFRESHER_EVERY_MS), sweep: at(0) };
  const readIntervalMs = DAY / (settings.readsPerAuthorizer * settings.authorizers);
  let nextReadMs = at(readIntervalMs / 2);
  const revokable = [...appids];
  // One-off events, in time order.
  const events: Array<{ atMs: number; phase: Phase; run: () => Promise<void> }> = [];
  newAppids.forEach((appid, i) => {
    const atMs = at(((i + 1) * DAY) / (newAppids.length + 1));
    events.push({
      atMs,
      phase: 'authorizations',
      run: async () => {
        await sim.authorize({ authorizerAppid: appid });
        events.push({ atMs: atMs + READABLE_AFTER_MS, phase: 'readers', run: async () => readers.add([appid]) });
      },
    });
  });
  for (let i = 0; i < settings.revocations; i++) {
    const appid = revokable.splice(Math.floor(random() * revokable.length), 1)[0]!;
    events.push({
      atMs: at(((i + 0.5) * DAY) / settings.revocations),
      phase: 'authorizations',
      run: async () => {
        await sim.revokeAuthorization(appid);
        readers.revoked(appid, clock.now());
      },
    });
  }
  let reconcile: ReconcileReport | null = null;
  events.push({
    // Not at the same moment as an authorization: a code pushed but not yet exchanged is drift for that moment.
    atMs: at(12 * HOUR + 17 * MIN),
    phase: 'reconcile',
    run: async () => {
      reconcile = (await system.invoke('authorizer-worker', { action: 'reconcile' })) as ReconcileReport;
    },
  });
  const faults: FaultRecord = { minusOneAnswers: 0, lostMessage: null, crashVictim: null };
  let loseAMessage = false;
  if (settings.faults) {
    events.push(
      {
        // WeChat busy for a moment: the next 150 api_authorizer_token calls answer -1, so a round of 50 refreshes (5
        // invocations of 10) uses up all three attempts each and is retried later.
        atMs: at(3 * HOUR),
        phase: 'faults',
        run: async () => sim.setFaults({ failNext: [{ api: 'api_authorizer_token', errcode: -1, count: MINUS_ONE_BURST }] }),
      },
      {
        atMs: at(5 * HOUR),
        phase: 'faults',
        run: async () => {
          loseAMessage = true;
        },
      },
      { atMs: at(8 * HOUR), phase: 'faults', run: async () => system.crashNextJobInvocation() },
    );
  }

  const sweeps = { runs: 0, refreshesQueued: 0, exchangesQueued: 0, pages: 0 };
  let waveStartedAtMs: number | null = null;
  let maxWaveDrainMs = 0;
  let nextProgressMs = at(HOUR);

  while (clock.now() < endMs) {
    const now = clock.now();
    if (now >= next.ticket) {
      await counters.measure('component', () => sim.pushTicketNow());
      next.ticket += TICKET_EVERY_MS;
    }
    if (now >= next.refresher) {
      await counters.measure('component', () => system.invoke('token-refresher', { action: 'refresh', reason: 'schedule' }));
      next.refresher += REFRESHER_EVERY_MS;
    }
    events.sort((a, b) => a.atMs - b.atMs);
    while (events.length > 0 && events[0]!.atMs <= now) {
      const event = events.shift()!;
      await counters.measure(event.phase, event.run);
    }
    if (now >= next.sweep) {
      const outcome = (await counters.measure('sweep', () =>
        system.invoke('authorizer-worker', { action: 'schedule' }),
      )) as ScheduleOutcome;
      sweeps.runs += 1;
      sweeps.refreshesQueued += outcome.refreshesQueued;
      sweeps.exchangesQueued += outcome.exchangesQueued;
      sweeps.pages += outcome.pages;
      if (outcome.refreshesQueued + outcome.exchangesQueued > 0) waveStartedAtMs ??= now;
      if (loseAMessage && outcome.refreshesQueued > 0) {
        loseAMessage = false;
        faults.lostMessage = await counters.measure('faults', () => loseOneMessage(system));
      }
      next.sweep += SWEEP_EVERY_MS;
    }
    if (nextReadMs <= now) {
      await counters.measure('readers', async () => {
        while (nextReadMs <= clock.now()) {
          await readers.readOne();
          nextReadMs += readIntervalMs;
        }
      });
    }
    if (now >= nextProgressMs) {
      progress(`hour ${Math.round((now - startedAtMs) / HOUR)}: ${Math.round((performance.now() - wallStart) / 1000)} s`);
      nextProgressMs += HOUR;
    }

    const status = jobs.status();
    if (status.visible > 0) {
      await counters.measure('worker', () => workerRound(system, settings.workerConcurrency));
      clock.advance(settings.invocationMs);
      continue;
    }
    if (waveStartedAtMs !== null) {
      maxWaveDrainMs = Math.max(maxWaveDrainMs, now - waveStartedAtMs);
      waveStartedAtMs = null;
    }
    const wakeAt = Math.min(
      next.ticket,
      next.refresher,
      next.sweep,
      nextReadMs,
      endMs,
      events[0]?.atMs ?? Number.POSITIVE_INFINITY,
      status.nextVisibleInMs === undefined ? Number.POSITIVE_INFINITY : now + status.nextVisibleInMs,
    );
    clock.advance(Math.max(1, wakeAt - now));
  }
  const dayEndMs = clock.now();
  faults.minusOneAnswers = sim.stats().errors.api_authorizer_token?.['-1'] ?? 0;
  faults.crashVictim = system.crashVictim();

  const allAppids = [...appids, ...newAppids];
  const callsByAuthorizer = sim.callsByAuthorizer('api_authorizer_token');
  const authorizerCalls = allAppids.map((authorizerAppid) => ({
    authorizerAppid,
    calls: callsByAuthorizer[authorizerAppid] ?? 0,
    successes: sim.authorizerSnapshot(authorizerAppid)?.refreshes ?? 0,
  }));
  const eventSource = jobs.stats();
  const storage = await sampleStorage(system, allAppids);
  const customMetrics = [...output.metrics].sort();
  const measured: Omit<AuthorizerDayResult, 'cost'> = {
    options: settings,
    startedAtMs,
    simulatedMs: dayEndMs - startedAtMs,
    wallMs: 0,
    imported,
    phases: counters.byPhase,
    operating: counters.operating(),
    authorizerCalls,
    reads: readers.outcomes,
    queue: {
      maxAgeAtDeliveryMs: eventSource.maxAgeAtDeliveryMs,
      maxAgeAtFirstDeliveryMs: eventSource.maxAgeAtFirstDeliveryMs,
      maxWaveDrainMs,
      invocations: eventSource.invocations,
      functionErrors: eventSource.functionErrors,
      partialFailures: eventSource.partialFailures,
      deadLetters: await queueDepth(system, system.deadLetterQueueUrl),
      workerContainers: system.workerContainers(),
    },
    sweeps,
    reconcile,
    codeExchanges: Object.values(sim.authorizationCodeStats()).map(({ calls, successes }) => ({ calls, successes })),
    pushes: { sent: sim.stats().pushes.sent, acked: sim.stats().pushes.acked },
    faults,
    endState: await checkEndState(system, allAppids),
    output: { ...output.counts, customMetrics },
    storage,
  };
  measured.wallMs = Math.round(performance.now() - wallStart);
  return { ...measured, cost: priceDay(measured) };
}

/** The day's counts priced per 10,000 authorizers a month (also for a saved day, with today's cost model). */
export function priceDay(result: Pick<AuthorizerDayResult, 'options' | 'phases' | 'output' | 'storage'>): CostModel {
  return costPerMonth({
    authorizers: result.options.authorizers,
    phases: result.phases,
    customMetrics: result.output.customMetrics.length,
    storageBytes: result.storage.estimatedTableBytes,
  });
}

/** One round of worker invocations: as many batches as are visible, up to the concurrency, side by side. */
async function workerRound(system: DaySystem, concurrency: number): Promise<void> {
  const batches = Math.min(concurrency, Math.ceil(system.jobs.status().visible / 10));
  await Promise.all(Array.from({ length: batches }, () => system.jobs.pollOnce()));
}

/** Takes the oldest visible refresh job off the queue without running it: an SQS message that never arrives. */
async function loseOneMessage(system: DaySystem): Promise<{ authorizerAppid: string; atMs: number }> {
  const out = await system.sqs.send(new ReceiveMessageCommand({ QueueUrl: system.queueUrl, MaxNumberOfMessages: 1 }));
  const message = out.Messages?.[0];
  if (!message?.ReceiptHandle || !message.Body) throw new Error('no refresh job in the queue to lose');
  await system.sqs.send(new DeleteMessageCommand({ QueueUrl: system.queueUrl, ReceiptHandle: message.ReceiptHandle }));
  const job = JSON.parse(message.Body) as { authorizerAppid?: string };
  return { authorizerAppid: String(job.authorizerAppid), atMs: system.clock.now() };
}

async function queueDepth(system: DaySystem, queueUrl: string): Promise<number> {
  const out = await system.sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }));
  return Number(out.Attributes?.ApproximateNumberOfMessages ?? 0);
}

/** Every authorizer as the store has it, against WeChat's view: status, refresh token, and a token WeChat accepts. */
async function checkEndState(system: DaySystem, appids: readonly string[]): Promise<EndState> {
  const state: EndState = { authorized: 0, revoked: 0, needsReauth: 0, tokensValid: 0, refreshTokensCurrent: 0, disagreements: [] };
  for (const appid of appids) {
    const stored = await system.stores.authorizers.get(appid);
    const wechat = system.sim.authorizerSnapshot(appid);
    if (stored?.status === 'revoked') state.revoked += 1;
    if (stored?.status === 'needs_reauth') state.needsReauth += 1;
    if (stored?.status !== 'authorized') {
      if ((stored?.status ?? 'unknown') !== (wechat?.state === 'revoked' ? 'revoked' : 'authorized')) state.disagreements.push(appid);
      continue;
    }
    state.authorized += 1;
    // The simulator shows the first 12 hex digits of a token's sha256; the store keeps the whole sha256.
    const current = stored.refreshToken?.sha256.slice(0, 12) === wechat?.refreshTokenFingerprint;
    if (current) state.refreshTokensCurrent += 1;
    if (wechat?.state !== 'authorized' || !current) state.disagreements.push(appid);
    if (!stored.accessToken) continue;
    const token = await system.stores.authorizers.openAccessToken(appid, stored.accessToken);
    if (system.sim.checkAuthorizerAccessToken(appid, token) === 'ok') state.tokensValid += 1;
  }
  return state;
}

// DynamoDB stores 100 bytes more per item than its attributes, and each index entry holds the keys, what the index
// projects and 100 bytes of its own: about 250 bytes for each of an authorizer's two (due, status).
const ITEM_OVERHEAD_BYTES = 100;
const INDEX_ENTRIES_BYTES = 2 * 250;
const STORAGE_SAMPLE = 200;

/** The table's size: authorizer items sampled evenly (each is one item, the bulk of the table), read after the day. */
async function sampleStorage(system: DaySystem, appids: readonly string[]): Promise<AuthorizerDayResult['storage']> {
  const step = Math.max(1, Math.floor(appids.length / STORAGE_SAMPLE));
  const sizes: number[] = [];
  for (let i = 0; i < appids.length; i += step) {
    const { Item } = await system.dynamoClient.send(
      new GetItemCommand({
        TableName: DAY_TABLE_NAME,
        Key: { pk: { S: authorizerPk(system.componentAppid, appids[i]!) }, sk: { S: SK.authorizer } },
      }),
    );
    if (Item) sizes.push(dynamoItemBytes(Item));
  }
  const averageItemBytes = sizes.reduce((sum, size) => sum + size, 0) / Math.max(1, sizes.length);
  return {
    sampledItems: sizes.length,
    averageItemBytes: Math.round(averageItemBytes),
    estimatedTableBytes: Math.round(appids.length * (averageItemBytes + ITEM_OVERHEAD_BYTES + INDEX_ENTRIES_BYTES)),
  };
}
