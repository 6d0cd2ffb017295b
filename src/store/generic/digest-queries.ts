/**
 * The digest's queries (ports/digest.ts) through the plain Store interface: records read by `iterateRecords`
 * and runs by `listRuns`, totalled here. Correct on any store, and the reference the aggregate
 * implementations are tested against (test/store/contract). A second store (MongoDB) may start with it and
 * replace the money query by an aggregation when a day holds too many records to read one by one.
 */
import {
  type ConnectionCurrencyTotals,
  type DigestQueries,
  isCalendarDate,
  moneyBounds,
  RUN_LOOKBACK_MS,
  sortTotals,
} from '../ports/digest.ts';
import type { Store, SyncRun } from '../types.ts';

type LedgerReads = Pick<Store, 'iterateRecords' | 'listRuns'>;

export function genericDigestQueries(store: LedgerReads): DigestQueries {
  return {
    async moneyByConnection(day, calendarDateProviders) {
      const { start, end, date } = moneyBounds(day);
      const totals = new Totals();
      // The instants of the local day, without the calendar dates that happen to fall in it.
      for await (const record of store.iterateRecords({ since: start, until: end })) {
        if (
          record.moneyMovement &&
          record.currency !== null &&
          !isCalendarDate(record, calendarDateProviders)
        )
          totals.add(record.connection, record.provider, record.currency, BigInt(record.amount));
      }
      // The day's calendar dates: all stored at `date` exactly, so the first millisecond holds them.
      const until = new Date(Date.parse(date) + 1).toISOString();
      for await (const record of store.iterateRecords({ since: date, until })) {
        if (record.moneyMovement && record.currency !== null && isCalendarDate(record, calendarDateProviders))
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
async function runsStartedSince(store: LedgerReads, connection: string, since: string): Promise<SyncRun[]> {
  for (let limit = 64; ; limit *= 4) {
    const runs = await store.listRuns(connection, limit);
    const oldest = runs.at(-1);
    if (runs.length < limit || oldest === undefined || oldest.startedAt < since) {
      return runs.filter((run) => run.startedAt >= since);
    }
  }
}

type TotalsKey = Pick<ConnectionCurrencyTotals, 'connection' | 'provider' | 'currency'>;

/** Exact per-connection, per-provider, per-currency totals in BigInt. */
export class Totals {
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
