/**
 * The three questions the digest asks the store, answered with SQL aggregates on the embedded store and
 * through the plain Store interface on any other (slower, same answers; the tests compare the two).
 *
 * The day's money counts two kinds of records (see `isCalendarDate`):
 * - instants (Stripe's `created`, Plaid's `datetime`, …) that lie in the local day `[start, end)`;
 * - calendar dates (a Plaid transaction with only a `date`, a QuickBooks `TxnDate`), stored as that date at
 *   00:00:00.000Z, counted on that same date in the team's zone: on the day whose `date` they carry, whatever
 *   the zone's offset. Compared as instants, west of UTC (New York: 2026-03-08T00:00Z is 19:00 on March 7)
 *   they would land on the day before; east of UTC (up to +14 h) and at UTC they happen to land on their date.
 *
 * Money is totalled per connection (one system's money is never added to another's: money moving between
 * two connected systems is a movement in each) and per currency, by SQLite's integer `sum()` (exact 64-bit
 * arithmetic, read back as BigInt), over the `records_money_by_time_provider` index (occurred_at, provider,
 * currency, amount WHERE money_movement = 1, plus the primary key (connection, id) that every entry of a
 * WITHOUT ROWID table's index carries): one range scan of the day's instants and one seek to the day's
 * calendar dates, neither reading the table, nothing loaded into JavaScript. If a sum ever left 64 bits, SQLite raises "integer overflow" and the same
 * rows are summed here in BigInt instead.
 *
 * Time bounds compare ISO strings, as the records index stores them. Every record's `occurredAt` comes from
 * `toISOString()` (`YYYY-MM-DDTHH:MM:SS.mmmZ`), and the bounds are whole-second instants in the same form,
 * so the string order is the time order.
 */
import { calendarDateProviders } from '../../connectors/registry.ts';
import { EmbeddedStore } from '../store/embedded/embedded-store.ts';
import type { SqliteDatabase } from '../store/sqlite.ts';
import type { Store, SyncRun } from '../store/types.ts';
import type { DigestDay } from './day.ts';

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

/** The local day the money is counted for: its calendar date and its instants `[start, end)`. */
export type MoneyDay = Pick<DigestDay, 'date' | 'start' | 'end'>;

export interface DigestQueries {
  /**
   * Money-movement records of the day, by connection and currency (sorted by connection, then currency code):
   * instants in `[start, end)`, and calendar-date records dated `day.date` (`isCalendarDate`). Per connection
   * because money moving between two connected systems (a Stripe payout landing in the bank, a Stripe charge
   * booked as a QuickBooks payment) is a movement in each; a sum across connections would count it twice.
   */
  moneyByConnection(day: MoneyDay): Promise<readonly ConnectionCurrencyTotals[]>;
  /** Runs of `connections` that ended in `[start, end)`. */
  syncedCounts(connections: readonly string[], start: Date, end: Date): Promise<SyncedCounts>;
  /** The current failure streak: failed runs that started after the last success started. */
  failureStreak(connection: string, lastSuccessStartedAt: Date | null): Promise<FailureStreak>;
}

/**
 * How long before a day a run that ended in it may have started. Bounds the runs index scan (the index is
 * by connection and start); a single sync run lasting more than a week would be left out of the counts.
 */
export const RUN_LOOKBACK_MS = 7 * 24 * 3_600_000;

export function digestQueries(store: Store): DigestQueries {
  return store instanceof EmbeddedStore ? sqliteDigestQueries(store.database) : storeDigestQueries(store);
}

interface MoneyRow {
  connection: string;
  provider: string;
  currency: string;
  money_in: bigint;
  money_out: bigint;
  movements: bigint;
}

/**
 * Providers whose normalizers store a calendar date with no time of day as that date at 00:00:00.000Z: those
 * whose descriptor says `dates: 'calendar'` (connectors/<id>/provider.ts says which records and why).
 */
export const CALENDAR_DATE_PROVIDERS: readonly string[] = calendarDateProviders();
/** The time part (from the 11th character) of a calendar date stored as an instant. */
const MIDNIGHT_UTC = 'T00:00:00.000Z';

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
export function isCalendarDate(record: { readonly provider: string; readonly occurredAt: string }): boolean {
  return record.occurredAt.slice(10) === MIDNIGHT_UTC && CALENDAR_DATE_PROVIDERS.includes(record.provider);
}

const PROVIDER_LIST = CALENDAR_DATE_PROVIDERS.map((p) => `'${p.replaceAll("'", "''")}'`).join(', ');
const MONEY = 'money_movement = 1 AND currency IS NOT NULL';

/**
 * The day's money records (parameters @start and @end, ISO, and @date, the day's date at 00:00:00.000Z):
 * instants in the range, except the calendar dates that fall in it; plus the calendar dates of the day.
 * The two branches are disjoint, so a record is counted at most once. No INDEXED BY: the planner takes
 * `records_money_by_time_provider` for both, covering (a test pins the plan).
 */
const DAY_MONEY_ROWS = `SELECT connection, provider, currency, amount FROM records
    WHERE occurred_at >= @start AND occurred_at < @end AND ${MONEY}
      AND NOT (provider IN (${PROVIDER_LIST}) AND substr(occurred_at, 11) = '${MIDNIGHT_UTC}')
  UNION ALL
  SELECT connection, provider, currency, amount FROM records
    WHERE occurred_at = @date AND provider IN (${PROVIDER_LIST}) AND ${MONEY}`;

/**
 * The day's money by connection and currency (parameters as DAY_MONEY_ROWS). The records table is WITHOUT
 * ROWID with primary key (connection, id), so every index entry carries `connection`: grouping by it still
 * reads only `records_money_by_time_provider`. Exported for the query-plan test.
 */
export const MONEY_BY_CONNECTION_SQL = `SELECT connection, provider, currency,
  sum(CASE WHEN amount > 0 THEN amount ELSE 0 END) AS money_in,
  sum(CASE WHEN amount < 0 THEN -amount ELSE 0 END) AS money_out, count(*) AS movements
  FROM (${DAY_MONEY_ROWS}) GROUP BY connection, provider, currency`;

/** The bound parameters of the day's money queries; the ISO strings the store holds. */
function moneyParameters(day: MoneyDay): { start: string; end: string; date: string } {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day.date)) throw new RangeError(`"${day.date}" is not a YYYY-MM-DD date`);
  return { start: day.start.toISOString(), end: day.end.toISOString(), date: `${day.date}${MIDNIGHT_UTC}` };
}

export function sqliteDigestQueries(db: SqliteDatabase): DigestQueries {
  type Bounds = ReturnType<typeof moneyParameters>;
  const money = db.prepare<[Bounds], MoneyRow>(MONEY_BY_CONNECTION_SQL).safeIntegers(true);
  const amounts = db
    .prepare<[Bounds], { connection: string; provider: string; currency: string; amount: bigint }>(
      DAY_MONEY_ROWS,
    )
    .safeIntegers(true);
  const synced = db.prepare<[string, string, string, string, string], { runs: number; records: number }>(
    `SELECT count(*) AS runs, coalesce(sum((
         SELECT coalesce(sum(json_extract(value, '$.inserted')), 0) + coalesce(sum(json_extract(value, '$.updated')), 0)
         FROM json_each(runs.streams))), 0) AS records
     FROM runs WHERE connection = ? AND started_at >= ? AND started_at < ? AND ended_at >= ? AND ended_at < ?`,
  );
  const streak = db.prepare<[string, string], { since: string | null; failed: number }>(
    `SELECT min(started_at) AS since, count(*) AS failed FROM runs
     WHERE connection = ? AND started_at > ? AND status IN ('failed', 'cancelled')`,
  );
  return {
    async moneyByConnection(day) {
      const bounds = moneyParameters(day);
      try {
        return sortTotals(
          money.all(bounds).map((row) => ({
            connection: row.connection,
            provider: row.provider,
            currency: row.currency,
            moneyIn: row.money_in,
            moneyOut: row.money_out,
            movements: Number(row.movements),
          })),
        );
      } catch (error) {
        if (!(error instanceof Error && /integer overflow/i.test(error.message))) throw error;
        const totals = new Totals();
        for (const row of amounts.iterate(bounds))
          totals.add(row.connection, row.provider, row.currency, row.amount);
        return totals.list();
      }
    },
    async syncedCounts(connections, start, end) {
      const from = new Date(start.getTime() - RUN_LOOKBACK_MS).toISOString();
      const [lo, hi] = [start.toISOString(), end.toISOString()];
      let runs = 0;
      let records = 0;
      for (const connection of connections) {
        const row = synced.get(connection, from, hi, lo, hi);
        runs += row?.runs ?? 0;
        records += row?.records ?? 0;
      }
      return { runs, records };
    },
    async failureStreak(connection, lastSuccessStartedAt) {
      const row = streak.get(connection, lastSuccessStartedAt?.toISOString() ?? '');
      return { since: row?.since ? new Date(row.since) : null, failedRuns: row?.failed ?? 0 };
    },
  };
}

/** The same answers through the Store interface only (for stores without SQL). */
export function storeDigestQueries(store: Store): DigestQueries {
  return {
    async moneyByConnection(day) {
      const { start, end, date } = moneyParameters(day);
      const totals = new Totals();
      // The instants of the local day, without the calendar dates that happen to fall in it.
      for await (const record of store.iterateRecords({ since: start, until: end })) {
        if (record.moneyMovement && record.currency !== null && !isCalendarDate(record))
          totals.add(record.connection, record.provider, record.currency, BigInt(record.amount));
      }
      // The day's calendar dates: all stored at `date` exactly, so the first millisecond holds them.
      const until = new Date(Date.parse(date) + 1).toISOString();
      for await (const record of store.iterateRecords({ since: date, until })) {
        if (record.moneyMovement && record.currency !== null && isCalendarDate(record))
          totals.add(record.connection, record.provider, record.currency, BigInt(record.amount));
      }
      return totals.list();
    },
    async syncedCounts(connections, start, end) {
      let runs = 0;
      let records = 0;
      for (const connection of connections) {
        const since = new Date(start.getTime() - RUN_LOOKBACK_MS).toISOString();
        for (const run of await runsStartedSince(store, connection, since)) {
          if (run.endedAt === null || run.startedAt >= end.toISOString()) continue;
          const ended = Date.parse(run.endedAt);
          if (ended < start.getTime() || ended >= end.getTime()) continue;
          runs++;
          for (const counts of Object.values(run.streams)) records += counts.inserted + counts.updated;
        }
      }
      return { runs, records };
    },
    async failureStreak(connection, lastSuccessStartedAt) {
      const after = lastSuccessStartedAt?.toISOString() ?? '';
      const failed = (await runsStartedSince(store, connection, after)).filter(
        (run) => run.startedAt > after && (run.status === 'failed' || run.status === 'cancelled'),
      );
      const first = failed.at(-1);
      return { since: first ? new Date(first.startedAt) : null, failedRuns: failed.length };
    },
  };
}

/** Runs that started at or after `since` (ISO), newest first, reading pages of growing size. */
async function runsStartedSince(store: Store, connection: string, since: string): Promise<SyncRun[]> {
  for (let limit = 64; ; limit *= 4) {
    const runs = await store.listRuns(connection, limit);
    const oldest = runs.at(-1);
    if (runs.length < limit || oldest === undefined || oldest.startedAt < since) {
      return runs.filter((run) => run.startedAt >= since);
    }
  }
}

type TotalsKey = Pick<ConnectionCurrencyTotals, 'connection' | 'provider' | 'currency'>;

class Totals {
  private readonly byKey = new Map<
    string,
    TotalsKey & { moneyIn: bigint; moneyOut: bigint; movements: number }
  >();

  add(connection: string, provider: string, currency: string, amount: bigint): void {
    const id = `${connection}\u0000${provider}\u0000${currency}`;
    let entry = this.byKey.get(id);
    if (entry === undefined) {
      entry = { connection, provider, currency, moneyIn: 0n, moneyOut: 0n, movements: 0 };
      this.byKey.set(id, entry);
    }
    if (amount > 0n) entry.moneyIn += amount;
    else entry.moneyOut -= amount;
    entry.movements++;
  }

  list(): ConnectionCurrencyTotals[] {
    return sortTotals([...this.byKey.values()]);
  }
}

/**
 * By connection, then provider, then currency, compared as JavaScript strings (UTF-16 code units) on both
 * paths, so SQLite's byte order of UTF-8 text can never make the two disagree.
 */
function sortTotals(rows: ConnectionCurrencyTotals[]): ConnectionCurrencyTotals[] {
  const order = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return rows.sort(
    (a, b) =>
      order(a.connection, b.connection) || order(a.provider, b.provider) || order(a.currency, b.currency),
  );
}
