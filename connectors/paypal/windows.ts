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

/** Consecutive windows of at most `windowMs` covering [startMs, endMs]; each starts where the last ended. */
export function windowsOf(
  startMs: number,
  endMs: number,
  windowMs = MAX_WINDOW_MS,
): { start: number; end: number }[] {
  const windows: { start: number; end: number }[] = [];
  for (let start = startMs; start < endMs; start += windowMs) {
    windows.push({ start, end: Math.min(start + windowMs, endMs) });
  }
  if (windows.length === 0) windows.push({ start: startMs, end: Math.max(startMs, endMs) });
  return windows;
}

/** Halves a window PayPal refused as too large, at a whole second; null when it is one second already. */
export function splitWindow(window: {
  start: number;
  end: number;
}): [{ start: number; end: number }, { start: number; end: number }] | null {
  const middle = floorSecond(window.start + (window.end - window.start) / 2);
  if (middle <= window.start || middle >= window.end) return null;
  return [
    { start: window.start, end: middle },
    { start: middle, end: window.end },
  ];
}
