/**
 * The three questions the digest asks the store, answered with SQL aggregates on the embedded store and
 * through the plain Store interface on any other (slower, same answers; the tests compare the two).
 *
 * Money is summed by SQLite's integer `sum()` (exact 64-bit arithmetic, read back as BigInt), over the
 * `records_by_time` index: one range scan of the day's records (and a lookup of each in the table for its
 * flag, currency and amount), nothing loaded into JavaScript. If a sum
 * ever left 64 bits, SQLite raises "integer overflow" and the same rows are summed here in BigInt instead.
 *
 * Time bounds compare ISO strings, as the records index stores them. Every record's `occurredAt` comes from
 * `toISOString()` (`YYYY-MM-DDTHH:MM:SS.mmmZ`), and the bounds are whole-second instants in the same form,
 * so the string order is the time order.
 */
import { EmbeddedStore } from '../store/embedded/embedded-store.ts';
import type { SqliteDatabase } from '../store/sqlite.ts';
import type { Store, SyncRun } from '../store/types.ts';

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

export interface DigestQueries {
  /** Money-movement records that occurred in `[start, end)`, by currency (sorted by code). */
  moneyTotals(start: Date, end: Date): Promise<readonly CurrencyTotals[]>;
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
  currency: string;
  money_in: bigint;
  money_out: bigint;
  movements: bigint;
}

/**
 * No INDEXED BY: the planner takes `records_by_time` today (a test pins the plan), and would take a covering
 * index on (occurred_at, currency, amount) WHERE money_movement = 1 if a migration adds one.
 */
const DAY_MONEY_WHERE =
  'FROM records WHERE occurred_at >= ? AND occurred_at < ? AND money_movement = 1 AND currency IS NOT NULL';

/** The day's money by currency (parameters: start and end, ISO). Exported for the query-plan test. */
export const MONEY_BY_CURRENCY_SQL = `SELECT currency, sum(CASE WHEN amount > 0 THEN amount ELSE 0 END) AS money_in,
  sum(CASE WHEN amount < 0 THEN -amount ELSE 0 END) AS money_out, count(*) AS movements
  ${DAY_MONEY_WHERE} GROUP BY currency ORDER BY currency`;

export function sqliteDigestQueries(db: SqliteDatabase): DigestQueries {
  const money = db.prepare<[string, string], MoneyRow>(MONEY_BY_CURRENCY_SQL).safeIntegers(true);
  const amounts = db
    .prepare<[string, string], { currency: string; amount: bigint }>(
      `SELECT currency, amount ${DAY_MONEY_WHERE}`,
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
    async moneyTotals(start, end) {
      const range = [start.toISOString(), end.toISOString()] as const;
      try {
        return money.all(...range).map((row) => ({
          currency: row.currency,
          moneyIn: row.money_in,
          moneyOut: row.money_out,
          movements: Number(row.movements),
        }));
      } catch (error) {
        if (!(error instanceof Error && /integer overflow/i.test(error.message))) throw error;
        const totals = new Totals();
        for (const row of amounts.iterate(...range)) totals.add(row.currency, row.amount);
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
    async moneyTotals(start, end) {
      const totals = new Totals();
      for await (const record of store.iterateRecords({
        since: start.toISOString(),
        until: end.toISOString(),
      })) {
        if (record.moneyMovement && record.currency !== null)
          totals.add(record.currency, BigInt(record.amount));
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

class Totals {
  private readonly byCurrency = new Map<string, { moneyIn: bigint; moneyOut: bigint; movements: number }>();

  add(currency: string, amount: bigint): void {
    const entry = this.byCurrency.get(currency) ?? { moneyIn: 0n, moneyOut: 0n, movements: 0 };
    if (amount > 0n) entry.moneyIn += amount;
    else entry.moneyOut -= amount;
    entry.movements++;
    this.byCurrency.set(currency, entry);
  }

  list(): CurrencyTotals[] {
    return [...this.byCurrency.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([currency, entry]) => ({ currency, ...entry }));
  }
}
