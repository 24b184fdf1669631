import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';

/** One log call as Powertools would print it: level, message, the appended keys and the call's own attributes. */
export interface LogLine {
  level: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  message: string;
  [key: string]: unknown;
}

type LogMethod = 'debug' | 'info' | 'warn' | 'error';

/**
 * Records what core logic logs, in memory. Implements the part of Powertools' Logger the core uses, with its
 * signatures; `logger` is that part as a Logger, and any other member throws, naming itself, instead of passing silently.
 */
export class RecordingLogger implements Pick<Logger, LogMethod | 'appendKeys' | 'resetKeys'> {
  readonly lines: LogLine[] = [];
  readonly logger: Logger = onlyImplemented<Logger>(this, 'RecordingLogger');
  #keys: Record<string, unknown> = {};

  debug(...args: Parameters<Logger['debug']>): void {
    this.#record('DEBUG', args);
  }
  info(...args: Parameters<Logger['info']>): void {
    this.#record('INFO', args);
  }
  warn(...args: Parameters<Logger['warn']>): void {
    this.#record('WARN', args);
  }
  error(...args: Parameters<Logger['error']>): void {
    this.#record('ERROR', args);
  }
  appendKeys(attributes: Parameters<Logger['appendKeys']>[0]): void {
    this.#keys = { ...this.#keys, ...attributes };
  }
  resetKeys(): void {
    this.#keys = {};
  }

  /** The lines whose message is `message`. */
  withMessage(message: string): LogLine[] {
    return this.lines.filter((line) => line.message === message);
  }

  /** Everything logged, as one string, for "never logs X" checks. */
  get text(): string {
    return JSON.stringify(this.lines);
  }

  #record(level: LogLine['level'], [input, ...extra]: Parameters<Logger['info']>): void {
    const attributes = typeof input === 'string' ? { message: input } : input;
    const extras = extra.map((item) =>
      item instanceof Error ? { error: { name: item.name, message: item.message } } : typeof item === 'string' ? { extra: item } : item,
    );
    this.lines.push(Object.assign({ level }, this.#keys, attributes, ...extras) as LogLine);
  }
}

/** Records the metrics core logic adds, in memory, with Powertools' addMetric signature. */
export class RecordingMetrics implements Pick<Metrics, 'addMetric'> {
  readonly added: Array<{ name: string; unit: string; value: number }> = [];
  readonly metrics: Metrics = onlyImplemented<Metrics>(this, 'RecordingMetrics');

  addMetric(...[name, unit, value]: Parameters<Metrics['addMetric']>): Metrics {
    this.added.push({ name, unit, value });
    return this.metrics;
  }

  /** The sum of every value added under `name` (0 if none). */
  sum(name: string): number {
    return this.added.filter((metric) => metric.name === name).reduce((total, metric) => total + metric.value, 0);
  }

  /** The names added, in order. */
  get names(): string[] {
    return this.added.map((metric) => metric.name);
  }
}

// Keys that printing, awaiting or matching an object looks up: their absence must read as absent, not throw.
const INTROSPECTION = new Set(['then', 'toJSON', 'asymmetricMatch', '$$typeof', 'nodeType', 'constructor']);

/** `target` as a T whose members `target` lacks throw when used, so a fake cannot pass by doing nothing. */
function onlyImplemented<T extends object>(target: object, name: string): T {
  return new Proxy(target, {
    get(object, key, receiver) {
      if (key in object || typeof key === 'symbol' || INTROSPECTION.has(key)) {
        const value = Reflect.get(object, key, receiver);
        return typeof value === 'function' ? value.bind(object) : value;
      }
      throw new Error(`${name} does not implement ${String(key)}: add it to the fake`);
    },
  }) as T;
}
