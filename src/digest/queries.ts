/**
 * The digest's questions to the store are a store port (src/store/ports/digest.ts, `store.digest`); this
 * module keeps the digest's own knowledge that goes with them: which providers store calendar dates.
 */
import { calendarDateProviders } from '../../connectors/registry.ts';
import { isCalendarDate as isCalendarDateOf } from '../store/ports/digest.ts';

export type {
  ConnectionCurrencyTotals,
  CurrencyTotals,
  DigestQueries,
  FailureStreak,
  MoneyDay,
  SyncedCounts,
} from '../store/ports/digest.ts';
export { RUN_LOOKBACK_MS } from '../store/ports/digest.ts';

/**
 * Providers whose normalizers store a calendar date with no time of day as that date at 00:00:00.000Z: those
 * whose descriptor says `dates: 'calendar'` (connectors/<id>/provider.ts says which records and why).
 * Passed to every money query of the digest (`store.digest.moneyByConnection(day, CALENDAR_DATE_PROVIDERS)`).
 */
export const CALENDAR_DATE_PROVIDERS: readonly string[] = calendarDateProviders();

/** True when the record's `occurredAt` stands for a calendar date (see ports/digest.ts `isCalendarDate`). */
export function isCalendarDate(record: { readonly provider: string; readonly occurredAt: string }): boolean {
  return isCalendarDateOf(record, CALENDAR_DATE_PROVIDERS);
}
