import { StoreError } from '../../../shared/store/store-errors';

type Intervention = { kind: 'fail'; error: () => Error } | { kind: 'before'; action: () => unknown };

/**
 * What a fake does on its next calls besides its normal work: fail as the real part would, or let the test act first
 * (a rival writer between two steps of the code under test, or a call held until the test releases it). Also counts
 * every call, so tests can say "WeChat was called once" or "the token was decrypted once".
 */
export class Interventions<Method extends string> {
  readonly #pending = new Map<Method, Intervention[]>();
  readonly #calls = new Map<Method, number>();

  constructor(private readonly failure: (method: Method) => Error) {}

  /** The next `count` calls of `method` throw `error` (by default the part's own "unavailable" failure). */
  failNext(method: Method, error?: Error, count = 1): this {
    for (let i = 0; i < count; i++) this.#queue(method, { kind: 'fail', error: () => error ?? this.failure(method) });
    return this;
  }

  /** Runs `action` (awaited) when `method` is next called, before the fake does its work. */
  beforeNext(method: Method, action: () => unknown): this {
    this.#queue(method, { kind: 'before', action });
    return this;
  }

  /** Holds the next call of `method` until `release` is called; `reached` settles once that call has begun. */
  holdNext(method: Method): { reached: Promise<void>; release: () => void } {
    let release!: () => void;
    let arrive!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const reached = new Promise<void>((resolve) => (arrive = resolve));
    this.beforeNext(method, () => {
      arrive();
      return released;
    });
    return { reached, release };
  }

  /** How many times `method` was called, failed calls included. */
  calls(method: Method): number {
    return this.#calls.get(method) ?? 0;
  }

  /** Called by the fake at the start of each method. */
  async enter(method: Method): Promise<void> {
    this.#calls.set(method, this.calls(method) + 1);
    const next = this.#pending.get(method)?.shift();
    if (next?.kind === 'fail') throw next.error();
    if (next?.kind === 'before') await next.action();
  }

  #queue(method: Method, intervention: Intervention): void {
    const queue = this.#pending.get(method) ?? [];
    queue.push(intervention);
    this.#pending.set(method, queue);
  }
}

/** Interventions for a fake store: its failures are StoreError UNAVAILABLE, as the real stores report SDK failures. */
export function storeInterventions<Method extends string>(store: string): Interventions<Method> {
  return new Interventions<Method>((method) => new StoreError('UNAVAILABLE', `fake ${store} ${method} failed`));
}
