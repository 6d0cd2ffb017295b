/** Small building blocks of the emulator's compact, deterministic data. */

export function hash(seed: number, index: number, salt: number): number {
  let h = (seed ^ Math.imul(index + 1, 0x9e3779b1) ^ Math.imul(salt + 1, 0x85ebca77)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Smallest amount step Stripe accepts: 10 for three-decimal currencies, else 1. */
export function currencyStep(currency: string): number {
  return currency === 'kwd' || currency === 'bhd' ? 10 : 1;
}

export function roundToStep(value: number, step: number): number {
  return Math.max(step, Math.round(value / step) * step);
}

/** An append-only Int32Array that doubles when full: 4 bytes per entry instead of an object each. */
export class GrowableInts {
  private buffer = new Int32Array(1024);
  length = 0;
  push(value: number): void {
    if (this.length === this.buffer.length) {
      const next = new Int32Array(this.buffer.length * 2);
      next.set(this.buffer);
      this.buffer = next;
    }
    this.buffer[this.length++] = value;
  }
  at(position: number): number {
    return this.buffer[position]!;
  }
}
