import { AsyncLocalStorage } from 'node:async_hooks';

const REDACTED = '[REDACTED]';
/** Values registered outside any invocation (cold start, tests calling stores directly): the oldest go first. */
const MAX_FALLBACK_VALUES = 512;
/** Very short values would mask ordinary words; they are not secrets worth the name anyway. */
const MIN_LENGTH = 8;

/**
 * Long-lived secrets, masked for the life of the process whatever the load. Each name keeps its newest value and the
 * one before it: after a rotation or a refresh both may still be in use (a token fetched by another container, a
 * cached secret). A fixed set of names, so the pinned values can never grow without bound.
 */
export type PinnedSecret =
  | 'appsecret'
  | 'message_token'
  | 'encoding_aes_key'
  | 'session_signing_key'
  | 'authorization_link_key'
  | 'component_access_token'
  | 'component_verify_ticket';

const VALUES_PER_NAME = 2;

/** The values of one invocation, and of the invocation it runs inside, if any (the local runtime nests them). */
interface Scope {
  readonly values: Set<string>;
  readonly parent: Scope | undefined;
}

/**
 * Values that must never reach a log line. Code that loads a secret or receives a token registers it here, and the
 * logger's JSON replacer masks any string containing one: a safety net under the rule that we never log them in the
 * first place, not a licence to.
 *
 * Long-lived secrets are pinned by name. Per-request values (OAuth codes, user tokens, login codes, event payloads)
 * belong to the invocation that registered them: masked in its log lines, dropped when it ends, so a busy container
 * never pushes a pinned secret out. Invocations are told apart with AsyncLocalStorage, so concurrent ones (the local
 * runtime runs handlers concurrently in one process) keep their own values until each ends.
 */
export class SecretRegistry {
  readonly #pinned = new Map<PinnedSecret, string[]>();
  readonly #fallback = new Set<string>();
  readonly #scopes = new AsyncLocalStorage<Scope>();
  #openScopes = 0;

  /** Pins a long-lived secret under its name, keeping the previous value of that name too. */
  pin(name: PinnedSecret, value: string | undefined): void {
    if (!value || value.length < MIN_LENGTH) return;
    const values = this.#pinned.get(name) ?? [];
    if (values[0] === value) return;
    this.#pinned.set(name, [value, ...values.filter((v) => v !== value)].slice(0, VALUES_PER_NAME));
  }

  /** Registers per-request values for the current invocation; outside any, in the bounded fallback set. */
  add(...values: Array<string | undefined>): void {
    const scope = this.#scopes.getStore();
    for (const value of values) {
      if (!value || value.length < MIN_LENGTH) continue;
      if (scope) {
        scope.values.add(value);
        continue;
      }
      // Re-added values count as new, so a value still in use is not the next to go.
      this.#fallback.delete(value);
      this.#fallback.add(value);
    }
    while (this.#fallback.size > MAX_FALLBACK_VALUES) this.#fallback.delete(this.#fallback.values().next().value as string);
  }

  /** Runs `fn` as one invocation: values added during it are masked in its log lines and forgotten when it ends. */
  async runInScope<T>(fn: () => Promise<T>): Promise<T> {
    this.#openScopes++;
    try {
      return await this.#scopes.run({ values: new Set(), parent: this.#scopes.getStore() }, fn);
    } finally {
      this.#openScopes--;
    }
  }

  redact(text: string): string {
    let found: string[] | undefined;
    const collect = (values: Iterable<string>) => {
      for (const value of values) {
        if (!text.includes(value)) continue;
        found ??= [];
        found.push(value);
      }
    };
    for (const values of this.#pinned.values()) collect(values);
    for (let scope = this.#scopes.getStore(); scope; scope = scope.parent) collect(scope.values);
    collect(this.#fallback);
    if (!found) return text;
    // Longest first: masking a shorter value inside a longer one (a code inside a sealed payload) first would
    // leave the longer one unmatched and the rest of it in clear.
    let out = text;
    for (const value of found.sort((a, b) => b.length - a.length)) out = out.split(value).join(REDACTED);
    return out;
  }

  /** How many values each part holds: pinned, in the current invocation, in the fallback; and open invocations. */
  size(): { pinned: number; scoped: number; fallback: number; openScopes: number } {
    let pinned = 0;
    for (const values of this.#pinned.values()) pinned += values.length;
    let scoped = 0;
    for (let scope = this.#scopes.getStore(); scope; scope = scope.parent) scoped += scope.values.size;
    return { pinned, scoped, fallback: this.#fallback.size, openScopes: this.#openScopes };
  }

  /** A JSON.stringify replacer for Powertools' `jsonReplacerFn`. */
  readonly replacer = (_key: string, value: unknown): unknown => (typeof value === 'string' ? this.redact(value) : value);
}

/** The process-wide registry the loggers use. */
export const secretRegistry = new SecretRegistry();
