import { createHash } from 'node:crypto';

const REDACTED = '[REDACTED]';
const MAX_VALUES = 512;

/**
 * Values that must never reach a log line. Code that loads a secret or receives a token registers it here,
 * and the logger's JSON replacer masks any string containing one: a safety net under the rule that we never
 * log them in the first place, not a licence to.
 */
export class SecretRegistry {
  readonly #values = new Set<string>();

  add(...values: Array<string | undefined>): void {
    // Very short values would mask ordinary words; they are not secrets worth the name anyway.
    for (const value of values) {
      if (!value || value.length < 8) continue;
      this.#values.delete(value);
      this.#values.add(value);
    }
    // Bounded for long-lived processes: the oldest (a ticket from days ago) goes first.
    while (this.#values.size > MAX_VALUES) this.#values.delete(this.#values.values().next().value as string);
  }

  redact(text: string): string {
    let found: string[] | undefined;
    for (const value of this.#values) if (text.includes(value)) (found ??= []).push(value);
    if (!found) return text;
    // Longest first: masking a shorter value inside a longer one (a code inside a sealed payload) first would
    // leave the longer one unmatched and the rest of it in clear.
    let out = text;
    for (const value of found.sort((a, b) => b.length - a.length)) out = out.split(value).join(REDACTED);
    return out;
  }

  /** A JSON.stringify replacer for Powertools' `jsonReplacerFn`. */
  readonly replacer = (_key: string, value: unknown): unknown =>
    typeof value === 'string' && this.#values.size > 0 ? this.redact(value) : value;
}

/** The process-wide registry the loggers use. */
export const secretRegistry = new SecretRegistry();

/** A short, non-reversible label for a token, so logs can tell two tokens apart without showing either. */
export function fingerprint(value: string): string {
  return createHash('sha256').update(value).digest('hex').slice(0, 12);
}

/** Full sha256 hex of a token: how stored tokens are compared without decrypting or sending them. */
export function tokenSha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}
