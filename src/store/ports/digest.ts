/**
 * The digest port: the three questions the daily digest asks the store, answered by aggregates where the
 * store has them (SQL on the embedded store, an aggregation pipeline on MongoDB).
 *
 * The day's money counts two kinds of records (see `isCalendarDate`):
 * - instants (Stripe's `created`, Plaid's `datetime`, …) that lie in the local day `[start, end)`;
 * - calendar dates (a Plaid transaction with only a `date`, a QuickBooks `TxnDate`), stored as that date at
 *   00:00:00.000Z, counted on that same date in the team's zone: on the day whose `date` they carry, whatever
 *   the zone's offset. Compared as instants, west of UTC (New York: 2026-03-08T00:00Z is 19:00 on March 7)
 *   they would land on the day before; east of UTC (up to +14 h) and at UTC they happen to land on their date.
 * Which providers store calendar dates is the caller's knowledge (src/digest), passed with each query.
 *
 * Money is totalled per connection (one system's money is never added to another's: money moving between
 * two connected systems is a movement in each) and per currency, exactly (BigInt).
 */

/** Until reconciliation exists, money is totalled per system (connection): see `moneyByConnection`. */
export interface CurrencyTotals {
  /** ISO 4217, upper case. */
  readonly currency: string;
  /** Sum of the positive amounts, in minor units. */
  readonly moneyIn: bigint;
  /** Sum of the negative amounts as a positive number, in minor units. */
  readonly moneyOut: bigint;
  /** Money-movement records counted. */
  readonly movements: number;
}

/** One system's money in one currency: a connection's own totals, never added to another's. */
export interface ConnectionCurrencyTotals extends CurrencyTotals {
  readonly connection: string;
  /** The provider id the records carry (labels a connection that has since been removed). */
  readonly provider: string;
}

export interface SyncedCounts {
  /** Runs that ended in the range (any status: a failed run may have stored pages). */
  readonly runs: number;
  /** Records inserted plus updated by those runs. */
  readonly records: number;
}

export interface FailureStreak {
  /** Start of the first failed (or cancelled) run after the last success; null when there is none. */
  readonly since: Date | null;
  readonly failedRuns: number;
}

/** The local day the money is counted for: its calendar date (`YYYY-MM-DD`) and its instants `[start, end)`. */
export interface MoneyDay {
  readonly date: string;
  readonly start: Date;
  readonly end: Date;
}

export interface DigestQueries {
  /**
   * Money-movement records of the day, by connection and currency (sorted by connection, then provider, then
   * currency code, compared as JavaScript strings): instants in `[start, end)`, and calendar-date records
   * (`isCalendarDate` with `calendarDateProviders`) dated `day.date`.
   */
  moneyByConnection(
    day: MoneyDay,
    calendarDateProviders: readonly string[],
  ): Promise<readonly ConnectionCurrencyTotals[]>;
  /** Runs of `connections` that ended in `[start, end)` (and started at most RUN_LOOKBACK_MS before it). */
  syncedCounts(connections: readonly string[], start: Date, end: Date): Promise<SyncedCounts>;
  /** The current failure streak: failed or cancelled runs that started after the last success started. */
  failureStreak(connection: string, lastSuccessStartedAt: Date | null): Promise<FailureStreak>;
}

/**
 * How long before a day a run that ended in it may have started. Bounds the runs index scan (the index is
 * by connection and start); a single sync run lasting more than a week would be left out of the counts.
 */
export const RUN_LOOKBACK_MS = 7 * 24 * 3_600_000;

/** The time part (from the 11th character) of a calendar date stored as an instant. */
export const MIDNIGHT_UTC = 'T00:00:00.000Z';

/**
 * True when the record's `occurredAt` stands for a calendar date, not an instant: its provider stores dates
 * at 00:00:00.000Z and its time part is exactly that. Ambiguity left, by provider:
 * - Plaid: a `datetime` of exactly 00:00:00 UTC reads as a date. Plaid documents that `datetime` "may
 *   contain default time values (such as 00:00:00)", i.e. often is a date in disguise, so a date is the
 *   better reading of it anyway.
 * - QuickBooks: only the fallback for an entity without a valid TxnDate (its `MetaData.CreateTime`, a real
 *   instant in whole seconds) could fall on 00:00:00 UTC exactly; that record counts on its UTC date.
 * - Plaid account balances (a real `as_of` instant) may hit midnight too, but they are not money movements.
 */
export function isCalendarDate(
  record: { readonly provider: string; readonly occurredAt: string },
  calendarDateProviders: readonly string[],
): boolean {
  return record.occurredAt.slice(10) === MIDNIGHT_UTC && calendarDateProviders.includes(record.provider);
}

/** The bounds as the ledger stores times (ISO strings, so string order is time order). */
export function moneyBounds(day: MoneyDay): { start: string; end: string; date: string } {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day.date)) throw new RangeError(`"${day.date}" is not a YYYY-MM-DD date`);
  return { start: day.start.toISOString(), end: day.end.toISOString(), date: `${day.date}${MIDNIGHT_UTC}` };
}

/**
 * By connection, then provider, then currency, compared as JavaScript strings (UTF-16 code units), so no
 * store's own text order (SQLite's UTF-8 bytes, a MongoDB collation) can make two implementations disagree.
 */
export function sortTotals(rows: ConnectionCurrencyTotals[]): ConnectionCurrencyTotals[] {
  const order = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return rows.sort(
    (a, b) =>
      order(a.connection, b.connection) || order(a.provider, b.provider) || order(a.currency, b.currency),
  );
}
