/**
 * What stands between a request and the emulated API: Intuit's per-company limits (requests in flight and
 * requests per minute; over either, a 429) and the faults tests inject with `failNext`.
 */
import { type Reply, throttleFault } from './emulator-wire.ts';

export type QuickBooksFault = '429' | '500' | 'hang';

export class RequestGate {
  private readonly inFlight = new Map<string, number>();
  private readonly peaks = new Map<string, number>();
  private readonly recent = new Map<string, number[]>();
  private readonly faults: { fault: QuickBooksFault; remaining: number; pathPrefix: string }[] = [];

  constructor(
    private readonly now: () => number,
    private readonly maxConcurrent: number,
    private readonly maxPerMinute: number,
  ) {}

  /**
   * Counts a request to `realmId` as in flight (call `finish` when it is answered) and returns the 429 to
   * answer when it is over a limit. Refused requests are not counted against the minute.
   */
  admit(realmId: string): Reply | undefined {
    const at = this.now();
    const active = (this.inFlight.get(realmId) ?? 0) + 1;
    this.inFlight.set(realmId, active);
    this.peaks.set(realmId, Math.max(this.peaks.get(realmId) ?? 0, active));
    if (active > this.maxConcurrent)
      return throttleFault(at, `More than ${this.maxConcurrent} concurrent requests.`);
    const window = (this.recent.get(realmId) ?? []).filter((t) => t > at - 60_000);
    this.recent.set(realmId, window);
    if (window.length >= this.maxPerMinute) {
      return throttleFault(at, `More than ${this.maxPerMinute} requests per minute.`);
    }
    window.push(at);
    return undefined;
  }

  finish(realmId: string): void {
    this.inFlight.set(realmId, (this.inFlight.get(realmId) ?? 1) - 1);
  }

  /** Most requests in flight at once for a company, refused ones included. */
  peak(realmId: string): number {
    return this.peaks.get(realmId) ?? 0;
  }

  failNext(times: number, fault: QuickBooksFault, pathPrefix: string): void {
    this.faults.push({ fault, remaining: times, pathPrefix });
  }

  clearFaults(): void {
    this.faults.length = 0;
  }

  /** The fault the request to `path` must suffer, if one is pending for it. */
  takeFault(path: string): QuickBooksFault | undefined {
    const entry = this.faults.find((f) => f.remaining > 0 && path.startsWith(f.pathPrefix));
    if (!entry) return undefined;
    if (--entry.remaining === 0) this.faults.splice(this.faults.indexOf(entry), 1);
    return entry.fault;
  }
}
