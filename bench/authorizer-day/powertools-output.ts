/**
 * What the functions write to CloudWatch during a simulated day: Powertools log lines and EMF metric documents on
 * stdout, counted (lines, bytes, distinct metrics) and swallowed. In Lambda every byte is CloudWatch Logs ingestion,
 * and every distinct metric (namespace, name, dimension values) an EMF document declares is a custom metric.
 */

/** Powertools settings that turn its output on; read when a logger or metrics buffer is made. */
const OUTPUT_ON = { POWERTOOLS_LOG_LEVEL: 'INFO', POWERTOOLS_METRICS_DISABLED: 'false' } as const;

export interface PowertoolsOutputCounts {
  logLines: number;
  logBytes: number;
  emfDocuments: number;
  emfBytes: number;
}

interface EmfDirective {
  Namespace?: string;
  Dimensions?: string[][];
  Metrics?: Array<{ Name?: string }>;
}

/** Turns Powertools output on and captures its lines (stdout and stderr) until `stop()`; other output passes. */
export class PowertoolsOutput {
  readonly counts: PowertoolsOutputCounts = { logLines: 0, logBytes: 0, emfDocuments: 0, emfBytes: 0 };
  /** `namespace|name|dimension=value,...` of every metric seen. */
  readonly metrics = new Set<string>();
  private restore: Array<() => void> = [];

  start(): this {
    for (const [name, value] of Object.entries(OUTPUT_ON)) {
      const before = process.env[name];
      process.env[name] = value;
      this.restore.push(() => {
        if (before === undefined) delete process.env[name];
        else process.env[name] = before;
      });
    }
    // Powertools writes INFO and metrics to stdout, WARN and ERROR to stderr.
    for (const stream of [process.stdout, process.stderr]) {
      const write = stream.write;
      let pending = '';
      stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
        const lines = (pending + (typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'))).split('\n');
        pending = lines.pop() ?? '';
        const passed = lines.filter((line) => !this.take(line));
        if (passed.length > 0) (write as (...args: unknown[]) => boolean).call(stream, `${passed.join('\n')}\n`, ...rest);
        return true;
      }) as typeof stream.write;
      this.restore.push(() => {
        stream.write = write;
      });
    }
    return this;
  }

  stop(): void {
    for (const undo of this.restore.splice(0).reverse()) undo();
  }

  /** Counts a Powertools line (true) or leaves any other line alone (false). */
  private take(line: string): boolean {
    if (!line.startsWith('{')) return false;
    let document: Record<string, unknown>;
    try {
      document = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return false;
    }
    // CloudWatch Logs bills the event's bytes plus 26 bytes of overhead per event.
    const bytes = Buffer.byteLength(line) + 26;
    const directives = (document._aws as { CloudWatchMetrics?: EmfDirective[] } | undefined)?.CloudWatchMetrics;
    if (!directives) {
      if (typeof document.level !== 'string') return false;
      this.counts.logLines += 1;
      this.counts.logBytes += bytes;
      return true;
    }
    this.counts.emfDocuments += 1;
    this.counts.emfBytes += bytes;
    for (const directive of directives) {
      for (const dimensionSet of directive.Dimensions ?? [[]]) {
        const dimensions = dimensionSet.map((name) => `${name}=${String(document[name])}`).join(',');
        for (const metric of directive.Metrics ?? []) this.metrics.add(`${directive.Namespace}|${metric.Name}|${dimensions}`);
      }
    }
    return true;
  }
}
