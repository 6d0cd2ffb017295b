/**
 * Keeps one dataset's row POSTs inside Microsoft's push limits, so a normal publish never meets a 429:
 *   - at most `maxPending` POSTs in flight (Power BI: 5 pending requests per dataset);
 *   - at most `postsPerMinute` POSTs started in any 60 s (120), or `postsPerHourLargeTable` in any hour
 *     (120) once a table of the dataset holds `largeTableRows` rows (250,000);
 *   - at most `rowsPerHour` rows in any hour (1,000,000).
 *
 * Design: a sliding-window log of (start time, rows) per dataset. A POST first takes one of the pending
 * slots (FIFO, released when its answer arrives), then passes an admission gate one at a time: the gate
 * computes the earliest moment every window has room, sleeps until then with the injected clock, records
 * the start and lets the POST go. Windows are widened by `marginMs` because the server counts arrival
 * times, which can bunch up compared with our send times. A 429 that comes anyway (another process, a
 * table past 250,000 rows we did not know of) closes the gate for its Retry-After through `holdUntil`.
 *
 * Waiting only where a limit demands it is what makes a publish as fast as the limits allow: 100,000 rows
 * are 10 POSTs, which fit in one minute's budget, so nothing waits at all.
 */
import type { Sleep } from '../../src/retry.ts';

export interface PushLimits {
  readonly maxRowsPerPost: number;
  readonly maxPending: number;
  readonly postsPerMinute: number;
  readonly postsPerHourLargeTable: number;
  readonly largeTableRows: number;
  readonly rowsPerHour: number;
}

/** Microsoft's published limits for push datasets. */
export const POWER_BI_LIMITS: PushLimits = {
  maxRowsPerPost: 10_000,
  maxPending: 5,
  postsPerMinute: 120,
  postsPerHourLargeTable: 120,
  largeTableRows: 250_000,
  rowsPerHour: 1_000_000,
};

/** How the caller waits: its own sleep (injected in tests) and abort signal. */
export interface PacerWait {
  readonly sleep: Sleep;
  readonly signal?: AbortSignal;
}

const MINUTE = 60_000;
const HOUR = 3_600_000;

interface Entry {
  readonly at: number;
  readonly rows: number;
}

export class PushPacer {
  private readonly log: Entry[] = [];
  private pending = 0;
  private readonly waiters: (() => void)[] = [];
  private gate: Promise<void> = Promise.resolve();
  private heldUntil = 0;
  private readonly tableRows = new Map<string, number>();

  constructor(
    private readonly limits: PushLimits,
    private readonly now: () => number = Date.now,
    private readonly marginMs = 1_000,
  ) {}

  /** A table's row count as prepare() found it; rows pushed through `run` are added to it. */
  setTableRows(table: string, rows: number): void {
    this.tableRows.set(table, rows);
  }

  /** Once a table holds `largeTableRows` rows, Power BI allows only 120 POSTs per hour on the dataset. */
  get largeTable(): boolean {
    return [...this.tableRows.values()].some((rows) => rows >= this.limits.largeTableRows);
  }

  /** After a 429: admit nothing before `at` (the server's Retry-After), whoever is waiting. */
  holdUntil(at: number): void {
    this.heldUntil = Math.max(this.heldUntil, at);
  }

  /** Runs `send` (one POST of `rows` rows to `table`) once every limit has room; frees the slot when it settles. */
  async run<T>(table: string, rows: number, send: () => Promise<T>, wait: PacerWait): Promise<T> {
    await this.takeSlot();
    try {
      await this.admit(rows, wait);
      const result = await send();
      this.tableRows.set(table, (this.tableRows.get(table) ?? 0) + rows);
      return result;
    } finally {
      this.releaseSlot();
    }
  }

  /** Milliseconds from `now` until a POST of `rows` rows fits every window (0: it fits now). */
  delayFor(rows: number, now: number): number {
    this.forget(now);
    let until = this.heldUntil;
    const windowMinute = MINUTE + this.marginMs;
    const windowHour = HOUR + this.marginMs;
    const inMinute = this.log.filter((e) => e.at > now - windowMinute);
    if (inMinute.length >= this.limits.postsPerMinute) {
      const oldest = inMinute[inMinute.length - this.limits.postsPerMinute]!;
      until = Math.max(until, oldest.at + windowMinute);
    }
    if (this.largeTable && this.log.length >= this.limits.postsPerHourLargeTable) {
      const oldest = this.log[this.log.length - this.limits.postsPerHourLargeTable]!;
      until = Math.max(until, oldest.at + windowHour);
    }
    // Rows per hour: drop the oldest entries until what is left plus this POST fits.
    let total = this.log.reduce((sum, e) => sum + e.rows, 0) + rows;
    for (const entry of this.log) {
      if (total <= this.limits.rowsPerHour) break;
      total -= entry.rows;
      until = Math.max(until, entry.at + windowHour);
    }
    return Math.max(0, until - now);
  }

  /** POSTs currently in flight (for tests and logs). */
  get inFlight(): number {
    return this.pending;
  }

  private async admit(rows: number, wait: PacerWait): Promise<void> {
    // One admission at a time, in arrival order: concurrent pushes cannot all see the same free slot.
    const previous = this.gate;
    let open!: () => void;
    this.gate = new Promise((resolve) => {
      open = resolve;
    });
    await previous;
    try {
      for (;;) {
        const delay = this.delayFor(rows, this.now());
        if (delay === 0) break;
        await wait.sleep(delay, wait.signal);
      }
      this.log.push({ at: this.now(), rows });
    } finally {
      open();
    }
  }

  /** Entries older than the longest window (plus margin) can no longer matter. */
  private forget(now: number): void {
    const horizon = now - HOUR - this.marginMs;
    let drop = 0;
    while (drop < this.log.length && this.log[drop]!.at <= horizon) drop++;
    if (drop > 0) this.log.splice(0, drop);
  }

  private takeSlot(): Promise<void> {
    if (this.pending < this.limits.maxPending) {
      this.pending++;
      return Promise.resolve();
    }
    // The slot is handed over directly by releaseSlot, so `pending` never drops below the queue's demand.
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private releaseSlot(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.pending--;
  }
}
