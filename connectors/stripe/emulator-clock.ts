/**
 * The Stripe emulator's clock: a base clock (the real one, or a test's) plus an offset that tests move
 * forward. Every change that happens at Stripe over time (funds becoming available, payouts arriving or
 * failing, refunds settling, disputes decided) is computed from it, and `onAdvance` lets the emulator record
 * those changes (with their events) as soon as the clock moves, not only on the next request.
 */
export class EmulatorClock {
  private offsetMs = 0;
  private readonly listeners: ((nowMs: number) => void)[] = [];

  constructor(private readonly base: () => number = Date.now) {}

  /** Now, in ms. */
  now(): number {
    return this.base() + this.offsetMs;
  }

  nowSeconds(): number {
    return Math.floor(this.now() / 1000);
  }

  /** Moves the clock forward (never back: Stripe's history does not rewind). */
  advance(seconds: number): void {
    if (!Number.isFinite(seconds) || seconds < 0)
      throw new RangeError('the emulator clock only moves forward');
    this.offsetMs += Math.round(seconds * 1000);
    const now = this.now();
    for (const listener of this.listeners) listener(now);
  }

  onAdvance(listener: (nowMs: number) => void): void {
    this.listeners.push(listener);
  }
}
