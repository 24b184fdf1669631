import { afterEach, beforeEach } from 'vitest';

/**
 * Captures everything written to stdout and stderr (Powertools' Logger and Metrics write there), so tests can
 * read log lines and metrics and prove that no secret ever appears in them.
 */
export class CapturedOutput {
  readonly #chunks: string[] = [];
  readonly #restore: Array<() => void> = [];

  start(options: { echo?: boolean } = {}): this {
    for (const stream of [process.stdout, process.stderr]) {
      const original = stream.write.bind(stream);
      stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
        this.#chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
        return options.echo ? (original as (...args: unknown[]) => boolean)(chunk, ...rest) : true;
      }) as typeof stream.write;
      this.#restore.push(() => {
        stream.write = original;
      });
    }
    return this;
  }

  stop(): void {
    for (const restore of this.#restore.splice(0)) restore();
  }

  get text(): string {
    return this.#chunks.join('');
  }

  clear(): void {
    this.#chunks.length = 0;
  }

  /** Every line that parses as a JSON object (structured logs and EMF metrics). */
  jsonLines(): Array<Record<string, unknown>> {
    return this.text
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .flatMap((line) => {
        try {
          return [JSON.parse(line) as Record<string, unknown>];
        } catch {
          return [];
        }
      });
  }

  /** Log lines (Powertools Logger output) whose message equals `message`. */
  logs(message?: string): Array<Record<string, unknown>> {
    return this.jsonLines().filter((line) => 'level' in line && (message === undefined || line.message === message));
  }

  /** Sum of an EMF metric across every flushed batch. */
  metricSum(name: string): number {
    let total = 0;
    for (const line of this.jsonLines()) {
      if (!('_aws' in line)) continue;
      const value = line[name];
      if (typeof value === 'number') total += value;
      else if (Array.isArray(value)) total += value.reduce((sum: number, v) => sum + Number(v), 0);
    }
    return total;
  }
}

/** Captures stdout and stderr during each test of the enclosing describe, starting empty for every test. */
export function useCapturedOutput(): CapturedOutput {
  const output = new CapturedOutput();
  beforeEach(() => {
    output.clear();
    output.start();
  });
  afterEach(() => {
    output.stop();
  });
  return output;
}
