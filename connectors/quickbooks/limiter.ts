/**
 * Intuit's per-company limits, kept on our side so we rarely meet a 429: at most 10 requests in flight and
 * 500 started per minute per realm, shared by everything in this process that talks to that realm.
 *
 * Pacing reserves a start time for each request (the 500th request before it plus 60 s, at the earliest)
 * and sleeps until then, instead of polling a clock: with an injected sleep that returns at once (tests),
 * nothing spins, and the recorded sleeps show the pacing.
 */
import type { Sleep } from '../../src/retry.ts';

export interface LimiterOptions {
  readonly maxConcurrent?: number;
  readonly maxPerMinute?: number;
  readonly now?: () => number;
}

export const MAX_CONCURRENT = 10;
export const MAX_PER_MINUTE = 500;
const MINUTE_MS = 60_000;

export class RealmLimiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  /** Reserved start times, non-decreasing; only the last `maxPerMinute` matter. */
  private readonly starts: number[] = [];
  private cooldown: Promise<void> | null = null;
  private readonly maxConcurrent: number;
  private readonly maxPerMinute: number;
  private readonly now: () => number;

  constructor(options: LimiterOptions = {}) {
    this.maxConcurrent = options.maxConcurrent ?? MAX_CONCURRENT;
    this.maxPerMinute = options.maxPerMinute ?? MAX_PER_MINUTE;
    this.now = options.now ?? Date.now;
  }

  /** Waits for a slot and for the pace; returns the function that frees the slot (call it exactly once). */
  async acquire(sleep: Sleep, signal?: AbortSignal): Promise<() => void> {
    for (;;) {
      if (this.cooldown) {
        await this.cooldown;
        continue;
      }
      if (this.active < this.maxConcurrent) break;
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    this.active++;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      this.active--;
      this.waiting.shift()?.();
    };
    try {
      const wait = this.reserve() - this.now();
      if (wait > 0) await sleep(wait, signal);
    } catch (error) {
      release();
      throw error;
    }
    return release;
  }

  /** After a 429: one shared pause for the realm; callers hit by the same wave wait on the same sleep. */
  async throttled(ms: number, sleep: Sleep, signal?: AbortSignal): Promise<void> {
    this.cooldown ??= sleep(ms, signal).finally(() => {
      this.cooldown = null;
    });
    await this.cooldown;
  }

  get inFlight(): number {
    return this.active;
  }

  private reserve(): number {
    const n = this.starts.length;
    const windowStart = n >= this.maxPerMinute ? this.starts[n - this.maxPerMinute]! + MINUTE_MS : 0;
    const at = Math.max(this.now(), windowStart, this.starts[n - 1] ?? 0);
    this.starts.push(at);
    if (this.starts.length > this.maxPerMinute) this.starts.splice(0, this.starts.length - this.maxPerMinute);
    return at;
  }
}

const limiters = new Map<string, RealmLimiter>();

/** The process-wide limiter of one realm at one API base (so two emulators never share one). */
export function limiterFor(apiBase: string, realmId: string, options: LimiterOptions = {}): RealmLimiter {
  const key = `${apiBase}|${realmId}`;
  let limiter = limiters.get(key);
  if (!limiter) {
    limiter = new RealmLimiter(options);
    limiters.set(key, limiter);
  }
  return limiter;
}
