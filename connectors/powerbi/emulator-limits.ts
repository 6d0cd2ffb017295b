/**
 * Microsoft's push-dataset limits, enforced per dataset the way the service describes them
 * (learn.microsoft.com, "Power BI REST API limitations"), so tests prove the client respects them.
 * Written out here on purpose rather than imported from the client's pacer: a wrong number on one side
 * must show up as a failing test, not cancel out.
 */
import { apiError, tooManyRequests } from './emulator-wire.ts';

export interface EmulatorLimits {
  readonly maxRowsPerPost: number;
  readonly maxPending: number;
  readonly postsPerMinute: number;
  /** Once any table of the dataset holds `largeTableRows` rows, only this many POSTs per hour. */
  readonly postsPerHourLargeTable: number;
  readonly largeTableRows: number;
  readonly rowsPerHour: number;
  readonly maxStringLength: number;
  readonly maxTables: number;
  readonly maxColumns: number;
}

export const MICROSOFT_LIMITS: EmulatorLimits = {
  maxRowsPerPost: 10_000,
  maxPending: 5,
  postsPerMinute: 120,
  postsPerHourLargeTable: 120,
  largeTableRows: 250_000,
  rowsPerHour: 1_000_000,
  maxStringLength: 4_000,
  maxTables: 75,
  maxColumns: 75,
};

const MINUTE = 60_000;
const HOUR = 3_600_000;

interface Accepted {
  readonly at: number;
  readonly rows: number;
}

/** The limit state of one dataset: POSTs in flight and the accepted POSTs of the last hour. */
export class DatasetLimiter {
  private pending = 0;
  private readonly accepted: Accepted[] = [];
  /** Most POSTs ever seen in flight at once (tests assert ≤ maxPending). */
  peakPending = 0;

  constructor(
    private readonly limits: EmulatorLimits,
    private readonly now: () => number,
  ) {}

  /** A POST rows request arrived; returns the function to call when it is answered (or its socket closes). */
  begin(): () => void {
    this.pending++;
    this.peakPending = Math.max(this.peakPending, this.pending);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.pending--;
    };
  }

  /** Checks that may refuse the request before its rows are read: pending and POST rate. */
  checkRate(largestTable: number): void {
    // `pending` includes the request being checked.
    if (this.pending > this.limits.maxPending) {
      throw tooManyRequests(
        `More than ${this.limits.maxPending} pending POST rows requests for this dataset`,
        1_000,
      );
    }
    const now = this.now();
    this.forget(now);
    const lastMinute = this.accepted.filter((a) => a.at > now - MINUTE);
    if (lastMinute.length >= this.limits.postsPerMinute) {
      const oldest = lastMinute[lastMinute.length - this.limits.postsPerMinute]!;
      throw tooManyRequests(
        `Rate limit of ${this.limits.postsPerMinute} POST rows requests per minute per dataset exceeded`,
        oldest.at + MINUTE - now,
      );
    }
    if (
      largestTable >= this.limits.largeTableRows &&
      this.accepted.length >= this.limits.postsPerHourLargeTable
    ) {
      const oldest = this.accepted[this.accepted.length - this.limits.postsPerHourLargeTable]!;
      throw tooManyRequests(
        `Rate limit of ${this.limits.postsPerHourLargeTable} POST rows requests per hour exceeded (a table has ${this.limits.largeTableRows} rows or more)`,
        oldest.at + HOUR - now,
      );
    }
  }

  /** Checks on the rows themselves: count per POST (400) and rows per hour (429). */
  checkRows(rows: number): void {
    if (rows > this.limits.maxRowsPerPost) {
      throw apiError(
        400,
        'InvalidRequest',
        `TooManyRowsInRequest: ${rows} rows; at most ${this.limits.maxRowsPerPost} rows per POST rows request`,
      );
    }
    let total = rows + this.accepted.reduce((sum, a) => sum + a.rows, 0);
    if (total <= this.limits.rowsPerHour) return;
    const now = this.now();
    for (const entry of this.accepted) {
      total -= entry.rows;
      if (total <= this.limits.rowsPerHour) {
        throw tooManyRequests(
          `Rate limit of ${this.limits.rowsPerHour} rows per hour per dataset exceeded`,
          entry.at + HOUR - now,
        );
      }
    }
    throw tooManyRequests(
      `Rate limit of ${this.limits.rowsPerHour} rows per hour per dataset exceeded`,
      HOUR,
    );
  }

  accept(rows: number): void {
    this.accepted.push({ at: this.now(), rows });
  }

  /** Accepted POSTs in the minute before `at` (default: now). */
  postsInLastMinute(at = this.now()): number {
    return this.accepted.filter((a) => a.at > at - MINUTE && a.at <= at).length;
  }

  private forget(now: number): void {
    let drop = 0;
    while (drop < this.accepted.length && this.accepted[drop]!.at <= now - HOUR) drop++;
    if (drop > 0) this.accepted.splice(0, drop);
  }
}
