/** A clock tests move by hand. Starts at a fixed instant so runs are repeatable. */
export class FakeClock {
  #nowMs: number;

  constructor(startIso = '2026-11-28T00:00:00.000Z') {
    this.#nowMs = Date.parse(startIso);
  }

  readonly now = (): number => this.#nowMs;

  advance(ms: number): void {
    this.#nowMs += ms;
  }

  get nowSec(): number {
    return Math.floor(this.#nowMs / 1000);
  }
}
