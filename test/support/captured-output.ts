import { afterEach, beforeEach, vi } from 'vitest';

/**
 * Powertools' Logger and Metrics write through their own Console on stdout, which vitest's `silent` does not catch, so
 * the test environment silences them (vitest.config.ts). These settings turn them back on.
 */
export const POWERTOOLS_OUTPUT_ON = { POWERTOOLS_LOG_LEVEL: 'INFO', POWERTOOLS_METRICS_DISABLED: 'false' } as const;

/**
 * Turns Powertools output back on for the rest of this test file, for a suite that captures and asserts on it.
 * Loggers and metrics read the setting when they are made: call this before building them (startHarness, createLogger).
 */
export function enablePowertoolsOutput(): void {
  for (const [name, value] of Object.entries(POWERTOOLS_OUTPUT_ON)) vi.stubEnv(name, value);
}

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

/**
 * Turns Powertools output on (enablePowertoolsOutput) and captures stdout and stderr during each test of the enclosing
 * describe, starting empty for every test. A failed test's output is written out after it, so the logs explain it.
 */
export function useCapturedOutput(): CapturedOutput {
  enablePowertoolsOutput();
  const output = new CapturedOutput();
  beforeEach(({ onTestFailed }) => {
    // Again for each test: a suite may unstub every variable after each of its tests.
    enablePowertoolsOutput();
    output.clear();
    output.start();
    onTestFailed(() => {
      output.stop();
      process.stderr.write(output.text);
    });
  });
  afterEach(() => {
    output.stop();
  });
  return output;
}
