/**
 * The digest's queries (ports/digest.ts) as SQL aggregates on the embedded store.
 *
 * Money is summed by SQLite's integer `sum()` (exact 64-bit arithmetic, read back as BigInt), over the
 * `records_money_by_time_provider` index (occurred_at, provider, currency, amount, connection WHERE
 * money_movement = 1; schema 16): one range
 * scan of the day's instants and one seek to the day's calendar dates, neither reading the table, nothing
 * loaded into JavaScript. If a sum ever left 64 bits, SQLite raises "integer overflow" and the same rows are
 * summed in BigInt instead.
 *
 * Time bounds compare ISO strings, as the records index stores them. Every record's `occurredAt` comes from
 * `toISOString()` (`YYYY-MM-DDTHH:MM:SS.mmmZ`), and the bounds are whole-second instants in the same form,
 * so the string order is the time order.
 */
import { Totals } from '../generic/digest-queries.ts';
import {
  type DigestQueries,
  MIDNIGHT_UTC,
  moneyBounds,
  RUN_LOOKBACK_MS,
  sortTotals,
} from '../ports/digest.ts';
import type { SqliteDatabase } from '../sqlite.ts';

interface MoneyRow {
  connection: string;
  provider: string;
  currency: string;
  money_in: bigint;
  money_out: bigint;
  movements: bigint;
}

const MONEY = 'money_movement = 1 AND currency IS NOT NULL';

/**
 * The day's money records (parameters @start and @end, ISO, and @date, the day's date at 00:00:00.000Z):
 * instants in the range, except the calendar dates that fall in it; plus the calendar dates of the day.
 * The two branches are disjoint, so a record is counted at most once. The providers are written into the
 * statement as literals (not bound), so the planner sees the list and takes `records_money_by_time_provider`
 * for both branches, covering (a test pins the plan); no INDEXED BY.
 */
function dayMoneyRows(calendarDateProviders: readonly string[]): string {
  // No providers: plain false (`IN ()` is a syntax error, and `IN (NULL)` is NULL, which NOT keeps NULL).
  const datesOf =
    calendarDateProviders.length === 0
      ? '0'
      : `provider IN (${calendarDateProviders.map((p) => `'${p.replaceAll("'", "''")}'`).join(', ')})`;
  return `SELECT connection, provider, currency, amount FROM records
    WHERE occurred_at >= @start AND occurred_at < @end AND ${MONEY}
      AND NOT (${datesOf} AND substr(occurred_at, 11) = '${MIDNIGHT_UTC}')
  UNION ALL
  SELECT connection, provider, currency, amount FROM records
    WHERE occurred_at = @date AND ${datesOf} AND ${MONEY}`;
}

/**
 * The day's money by connection and currency (parameters as dayMoneyRows). `records_money_by_time_provider`
 * ends with `connection`, so grouping by it still reads only that index. Exported for the query-plan test.
 */
export function moneyByConnectionSql(calendarDateProviders: readonly string[]): string {
  return `SELECT connection, provider, currency,
  sum(CASE WHEN amount > 0 THEN amount ELSE 0 END) AS money_in,
  sum(CASE WHEN amount < 0 THEN -amount ELSE 0 END) AS money_out, count(*) AS movements
  FROM (${dayMoneyRows(calendarDateProviders)}) GROUP BY connection, provider, currency`;
}

export function sqliteDigestQueries(db: SqliteDatabase): DigestQueries {
  type Bounds = ReturnType<typeof moneyBounds>;
  const moneyStatements = (providers: readonly string[]) => ({
    money: db.prepare<[Bounds], MoneyRow>(moneyByConnectionSql(providers)).safeIntegers(true),
    amounts: db
      .prepare<[Bounds], { connection: string; provider: string; currency: string; amount: bigint }>(
        dayMoneyRows(providers),
      )
      .safeIntegers(true),
  });
  // Prepared once per list of calendar-date providers (in practice one list for the life of the process).
  const byProviders = new Map<string, ReturnType<typeof moneyStatements>>();
  const statementsFor = (providers: readonly string[]) => {
    const id = JSON.stringify(providers);
    let statements = byProviders.get(id);
    if (!statements) {
      statements = moneyStatements(providers);
      byProviders.set(id, statements);
    }
    return statements;
  };
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
    async moneyByConnection(day, calendarDateProviders) {
      const bounds = moneyBounds(day);
      const { money, amounts } = statementsFor(calendarDateProviders);
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
