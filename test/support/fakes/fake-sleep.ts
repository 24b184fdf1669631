import type { FakeClock } from '../fake-clock';

/**
 * A sleep that returns at once and moves the fake clock by what was asked, so bounded waits end in simulated time.
 * Records every wait; `onSleep` lets a test make something happen while the code under test waits (a first callback
 * finishing, a refresh landing), as it would in another container.
 */
export class FakeSleep {
  readonly waits: number[] = [];
  onSleep: ((count: number) => unknown) | undefined;

  constructor(private readonly clock: FakeClock) {}

  readonly sleep = async (ms: number): Promise<void> => {
    this.waits.push(ms);
    this.clock.advance(ms);
    await this.onSleep?.(this.waits.length);
  };

  /** Simulated time spent waiting, in ms. */
  get totalMs(): number {
    return this.waits.reduce((total, ms) => total + ms, 0);
  }
}
