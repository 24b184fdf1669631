/**
 * The performance goals the bench checks: each a ratio of a subject to a baseline measured in the same run, with the
 * limit it must stay within. Pure: it reads the sections' result objects and judges, so it is unit-tested on made-up
 * results.
 */
import type { BundleSizeResult } from './bundle-size';
import { LIMITS } from './goal-limits';
import type { SignInResult } from './h5-oauth-throughput';
import type { PushRejectionResult } from './push-rejection';
import type { PushThroughputResult } from './push-throughput';
import type { ReceiverLatencyResult } from './receiver-latency';
import type { TokenReaderLatencyResult } from './token-reader-latency';

/** The sections' results a goal may read; a section that did not run (or failed) is absent. */
export interface GoalInputs {
  pushThroughput?: PushThroughputResult | undefined;
  pushRejection?: PushRejectionResult | undefined;
  receiver?: ReceiverLatencyResult | undefined;
  tokenReader?: TokenReaderLatencyResult | undefined;
  bundles?: BundleSizeResult | undefined;
  h5OAuth?: SignInResult | undefined;
}

export type Verdict = 'met' | 'missed' | 'not measured';

export interface Goal {
  name: string;
  /** What is measured, and the baseline it is divided by. */
  subject: string;
  baseline: string;
  /** The subject's and the baseline's figures, as measured (e.g. "p50 4.1 ms, p99 20 ms"). */
  figures: string;
  /** 'at most' for costs, 'at least' for speed-ups. */
  direction: 'at most' | 'at least';
  limit: number;
  /** The measured ratio, or null when it could not be measured (`note` says why). */
  ratio: number | null;
  verdict: Verdict;
  note?: string;
}

/** Whether `ratio` keeps to the limit; a ratio that is missing or not a finite number counts as not measured. */
export function judge(ratio: number | null | undefined, direction: Goal['direction'], limit: number): Verdict {
  if (ratio === null || ratio === undefined || !Number.isFinite(ratio)) return 'not measured';
  return (direction === 'at most' ? ratio <= limit : ratio >= limit) ? 'met' : 'missed';
}

/** Every goal, in a fixed order; one per handler for the cold load. */
export function collectGoals(inputs: GoalInputs): Goal[] {
  const goal = (g: Omit<Goal, 'verdict'>): Goal => ({ ...g, verdict: judge(g.ratio, g.direction, g.limit) });
  const missing = (section: string) => ({ ratio: null, figures: '-', note: `section ${section} did not produce a result` });
  const goals: Goal[] = [];

  const peer = inputs.pushThroughput?.full[1];
  goals.push(
    goal({
      name: 'push throughput',
      subject: 'ours: openComponentPush, pushes/s',
      baseline: 'xml2js + wechat-crypto pipeline (co-wechat style), pushes/s',
      direction: 'at least',
      limit: LIMITS.pushFullOverPeer,
      ...(peer && inputs.pushThroughput
        ? {
            ratio: peer.oursOverThis,
            figures: `${rate(inputs.pushThroughput.full[0]?.medianPushesPerSec)} vs ${rate(peer.medianPushesPerSec)} pushes/s (median of rounds)`,
          }
        : missing('1 (push throughput)')),
    }),
  );
  const cryptoPeer = inputs.pushThroughput?.cryptoOnly[1];
  goals.push(
    goal({
      name: 'push crypto alone',
      subject: 'ours: verifyMsgSignature + decrypt, pushes/s',
      baseline: 'wechat-crypto 0.0.2, pushes/s',
      direction: 'at least',
      limit: LIMITS.cryptoOverWechatCrypto,
      ...(cryptoPeer && inputs.pushThroughput
        ? {
            ratio: cryptoPeer.oursOverThis,
            figures: `${rate(inputs.pushThroughput.cryptoOnly[0]?.medianPushesPerSec)} vs ${rate(cryptoPeer.medianPushesPerSec)} pushes/s`,
          }
        : missing('1 (push throughput)')),
    }),
  );
  const rejection = inputs.pushRejection;
  goals.push(
    goal({
      name: 'junk push refusal, worst case',
      subject: 'the most expensive junk shape at the body cap, per call',
      baseline: 'a genuine push, per call (no I/O)',
      direction: 'at most',
      limit: LIMITS.rejectionOverGenuine,
      ...(rejection
        ? { ratio: rejection.worst.overValid, figures: `${rejection.worst.name}; genuine ${us(rejection.valid.nsPerCall / 1000)}` }
        : missing('1c (push rejection)')),
    }),
  );
  const receiver = inputs.receiver;
  goals.push(
    goal({
      name: 'receiver p99',
      subject: 'push receiver: HTTP in → ticket stored → success',
      baseline: 'p99 of a bare conditional PutItem + p99 of a bare KMS Encrypt',
      direction: 'at most',
      limit: LIMITS.receiverOverFloor,
      ...(receiver
        ? {
            ratio: receiver.receiverP99OverFloorP99,
            figures: `receiver p50 ${ms(receiver.receiverMs.p50)}, p99 ${ms(receiver.receiverMs.p99)}; PutItem p99 ${ms(receiver.putItemMs.p99)} + Encrypt p99 ${ms(receiver.kmsEncryptMs.p99)} = ${ms(receiver.floorP99Ms)}`,
          }
        : missing('2a (receiver latency)')),
    }),
  );
  for (const scope of ['snsapi_base', 'snsapi_userinfo'] as const) {
    const h5 = scope === 'snsapi_base' ? inputs.h5OAuth : inputs.h5OAuth?.userinfo;
    goals.push(
      goal({
        name: `H5 callback p99, ${scope}`,
        subject: `GET /h5-oauth/callback (${scope}), one sign-in at a time`,
        baseline: `sum of the p99s of its unavoidable calls, bare: state consume, code exchange${scope === 'snsapi_userinfo' ? ', profile read' : ''}, KMS seal, user write, login-code write`,
        direction: 'at most',
        limit: LIMITS.h5CallbackOverFloor,
        ...(h5
          ? {
              ratio: h5.callbackP99OverFloorP99Sum,
              figures: `callback p50 ${ms(h5.callbackMs.p50)}, p99 ${ms(h5.callbackMs.p99)}; floor p99 sum ${ms(h5.floorP99SumMs)}`,
            }
          : missing('5 (h5-oauth)')),
      }),
    );
  }
  const reader = inputs.tokenReader;
  const [readerBase, readerMiss] = reader?.cases ?? [];
  goals.push(
    goal({
      name: 'token reader miss p99',
      subject: 'component token reader, fresh reader (consistent GetItem + KMS Decrypt)',
      baseline: 'bare consistent GetItem + bare KMS Decrypt (raw clients), timed together',
      direction: 'at most',
      limit: LIMITS.readerMissOverBare,
      ...(readerBase && readerMiss
        ? {
            ratio: readerMiss.p99OverBaselineP99,
            figures: `miss p50 ${us(readerMiss.latencyUs.p50)}, p99 ${us(readerMiss.latencyUs.p99)}; bare p50 ${us(readerBase.latencyUs.p50)}, p99 ${us(readerBase.latencyUs.p99)}`,
          }
        : missing('2 (token reader)')),
    }),
  );
  const bundles = inputs.bundles?.bundles ?? [];
  if (bundles.length === 0) {
    goals.push(
      goal({
        name: 'cold module load',
        subject: 'each handler bundle, fresh-process require()',
        baseline: 'a bare handler constructing the same AWS SDK clients, built the same way',
        direction: 'at most',
        limit: LIMITS.coldLoadOverBaseline,
        ...missing('3 (bundles)'),
      }),
    );
  }
  for (const bundle of bundles) {
    // CPU time decides (see HandlerBundleResult.cpuOverBaseline); the wall-time ratio is printed beside it.
    const wall = bundle.loadOverBaseline === null ? '' : `; wall ${bundle.loadOverBaseline.toFixed(2)}x`;
    goals.push(
      goal({
        name: `cold module load: ${bundle.name}`,
        subject: `${bundle.name} bundle, CPU time of a fresh-process require(), median of interleaved pairs`,
        baseline: `a bare handler constructing ${bundle.clients.join(', ') || 'no SDK client'}`,
        direction: 'at most',
        limit: LIMITS.coldLoadOverBaseline,
        ratio: bundle.cpuOverBaseline,
        figures:
          bundle.cpuMsMedian === null || bundle.baseline.cpuMsMedian === null
            ? '-'
            : `${ms(bundle.cpuMsMedian)} vs ${ms(bundle.baseline.cpuMsMedian)} CPU${wall}`,
        ...(bundle.loadError ? { note: bundle.loadError } : {}),
      }),
    );
  }
  return goals;
}

function rate(value: number | undefined): string {
  return value === undefined ? '-' : value.toFixed(0);
}

export function ms(value: number): string {
  return value >= 100 ? `${value.toFixed(0)} ms` : `${value.toFixed(2)} ms`;
}

/** Microseconds in µs below a millisecond and in ms above. */
export function us(value: number): string {
  return value < 1000 ? `${value.toFixed(value < 10 ? 2 : 0)} µs` : ms(value / 1000);
}
