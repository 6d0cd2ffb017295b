export type { Digest, DigestInput, DigestProblem, NextRun, StaleConnection, SystemMoney } from './compute.ts';
export { computeDigest, verdictOf } from './compute.ts';
export type { DigestDay } from './day.ts';
export { dayBefore, dayContaining, dayLabel, lastCompleteDay } from './day.ts';
export type {
  ConnectionCurrencyTotals,
  CurrencyTotals,
  DigestQueries,
  FailureStreak,
  SyncedCounts,
} from './queries.ts';
export { CALENDAR_DATE_PROVIDERS, isCalendarDate, RUN_LOOKBACK_MS } from './queries.ts';
export type { Freshness, LastSuccess, StaleRule } from './stale.ts';
export { DEFAULT_STALE_RULE, freshness, isStale, mayBeStale } from './stale.ts';
