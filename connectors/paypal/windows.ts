/**
 * Where a PayPal read starts and how it is cut into windows. Pure.
 *
 * - PayPal serves at most 31 days per search (`end_date`: "The maximum supported range is 31 days") and
 *   history of the previous three years only.
 * - Executed transactions take up to three hours to appear: a read starts `overlap` (4 h: PayPal's 3 h plus an
 *   hour for clock skew and the time a run takes) before where the last one ended, and upserts.
 * - Pending rows (`P`) settle later than that (eChecks take days): the cursor remembers the initiation time of
 *   the oldest row still pending (`pendingFrom`), and the next read starts there when it is earlier, up to
 *   `PENDING_LOOKBACK_MS` back, so its change to `S` or `V` is read again and replaces the pending version.
 */
import type { StreamCursor } from '../types.ts';

export const DAY_MS = 86_400_000;
/** PayPal's largest search range. */
export const MAX_WINDOW_MS = 31 * DAY_MS;
/** PayPal keeps three years of history; a day of margin keeps the first window inside it. */
export const HISTORY_MS = 3 * 365 * DAY_MS - DAY_MS;
export const OVERLAP_MS = 4 * 3_600_000;
/** How far back a still-pending row is re-read; older ones are left as last read (logged). */
export const PENDING_LOOKBACK_MS = 31 * DAY_MS;

/** The stream's resume state: whole seconds in epoch ms. A type alias, so it is a StreamCursor. */
export type PayPalCursor = {
  /** Every row initiated before this instant was read by a committed window. */
  readonly until: number;
  /** Initiation time of the oldest row that was still pending when last read. */
  readonly pendingFrom?: number;
};

const isMs = (value: unknown): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

export function parseCursor(cursor: StreamCursor | null): PayPalCursor | null {
  if (!cursor || !isMs(cursor.until)) return null;
  return isMs(cursor.pendingFrom)
    ? { until: cursor.until, pendingFrom: cursor.pendingFrom }
    : { until: cursor.until };
}

export interface ReadPlan {
  readonly startMs: number;
  readonly endMs: number;
  /** A pending row older than the lookback was dropped from `pendingFrom`. */
  readonly pendingGivenUp: boolean;
}

const floorSecond = (ms: number) => Math.floor(ms / 1000) * 1000;

/** The span one read covers: from the cursor (minus overlap, or its pending rows) or `historyFrom`, to `now`. */
export function planRead(
  cursor: PayPalCursor | null,
  now: number,
  options: { readonly historyFrom?: number; readonly overlapMs?: number },
): ReadPlan {
  const endMs = floorSecond(now);
  const oldest = endMs - HISTORY_MS;
  if (cursor === null) {
    return {
      startMs: floorSecond(Math.max(options.historyFrom ?? oldest, oldest)),
      endMs,
      pendingGivenUp: false,
    };
  }
  let start = cursor.until - (options.overlapMs ?? OVERLAP_MS);
  let pendingGivenUp = false;
  if (cursor.pendingFrom !== undefined && cursor.pendingFrom < start) {
    if (cursor.pendingFrom >= endMs - PENDING_LOOKBACK_MS) start = cursor.pendingFrom;
    else {
      start = Math.max(start, endMs - PENDING_LOOKBACK_MS);
      pendingGivenUp = true;
    }
  }
  return { startMs: floorSecond(Math.max(start, oldest, 0)), endMs, pendingGivenUp };
}

export interface Window {
  readonly start: number;
  readonly end: number;
}

/**
 * The rows a window is sized to hold once the read has seen how dense the account is. A window is read
 * whole (its `N` and `Y` answers classified together, streams.ts) while the next one is fetched: 31-day
 * windows of a busy account held up to 10,000 rows each (PayPal's cap) twice over, which put a 100,000-row
 * load's peak RSS at ~380 MB. At 2,000 rows both reads of a window are 4 pages of 500 each.
 */
export const TARGET_WINDOW_ROWS = 2_000;

/**
 * The windows of one read over [startMs, endMs], in order, each starting where the last ended (a span with
 * nothing in it is still read once, as one empty window). The first is `maxMs` long; each next one is sized
 * from the rows the last one held: TARGET_WINDOW_ROWS at the density it showed, between one second and
 * `maxMs`, in whole seconds. A window PayPal refused (`refused`) is halved, and its halves come next.
 */
export class WindowPlanner {
  private from: number;
  private lengthMs: number;
  private started = false;
  /** Halves of refused windows, the next one last. */
  private readonly halves: Window[] = [];

  constructor(
    startMs: number,
    private readonly endMs: number,
    private readonly maxMs = MAX_WINDOW_MS,
  ) {
    this.from = startMs;
    this.lengthMs = maxMs;
  }

  next(): Window | undefined {
    const half = this.halves.pop();
    if (half) return half;
    if (this.started && this.from >= this.endMs) return undefined;
    this.started = true;
    const window = {
      start: this.from,
      end: Math.max(this.from, Math.min(this.from + this.lengthMs, this.endMs)),
    };
    this.from = window.end;
    return window;
  }

  /** The rows a window held: sizes the windows after it. */
  held(window: Window, rows: number): void {
    const density = Math.max(rows, 1) / Math.max(window.end - window.start, 1000);
    this.lengthMs = Math.min(this.maxMs, Math.max(1000, floorSecond(TARGET_WINDOW_ROWS / density)));
  }

  /** PayPal refused the window as too large: its halves are read next. False when it is one second already. */
  refused(window: Window): boolean {
    const halves = splitWindow(window);
    if (!halves) return false;
    this.halves.push(halves[1], halves[0]);
    return true;
  }
}

/** Halves a window PayPal refused as too large, at a whole second; null when it is one second already. */
export function splitWindow(window: Window): [Window, Window] | null {
  const middle = floorSecond(window.start + (window.end - window.start) / 2);
  if (middle <= window.start || middle >= window.end) return null;
  return [
    { start: window.start, end: middle },
    { start: middle, end: window.end },
  ];
}
