/**
 * The daily digest as plain data: what a manager reads first thing in the morning about yesterday (the last
 * complete day in the team's timezone). Rendering lives in src/slack/views/digest.ts; sending, scheduling and
 * "sent once, late if need be" belong to the digest service.
 *
 * "No data" is its own value, never zeros: `money` is null when no money-movement record occurred in the
 * day, and each side of `synced` is null when no sync run ended in that day.
 *
 * Money is per system (connection), never summed across systems: until reconciliation exists, finsync cannot
 * tell that a Stripe payout and the bank deposit it became, or a Stripe charge and the QuickBooks payment it
 * was booked as, are one sum of money, so a grand total would count it twice.
 */
import type { ConnectionStatus, StatusReport } from '../services/status.ts';
import type { Connection, Store } from '../store/types.ts';
import { type DigestDay, dayBefore, lastCompleteDay } from './day.ts';
import {
  CALENDAR_DATE_PROVIDERS,
  type CurrencyTotals,
  type DigestQueries,
  type SyncedCounts,
} from './queries.ts';
import {
  DEFAULT_STALE_RULE,
  type Freshness,
  freshness,
  isStale,
  type LastSuccess,
  mayBeStale,
  type StaleRule,
} from './stale.ts';

/** One system's money in one currency on the day. */
export interface SystemMoney extends CurrencyTotals {
  /** The connection's short name. */
  readonly connection: string;
  /** The provider's display name ("Stripe"); the provider id when the connection no longer exists. */
  readonly providerName: string;
  /** False when the records belong to a connection removed since (its records were kept). */
  readonly connected: boolean;
}

export interface DigestInput {
  readonly store: Store;
  /** The status report of the moment (health, last success and next run of every connection). */
  readonly status: StatusReport;
  /** IANA zone the day is cut in (`FINSYNC_TIMEZONE`). */
  readonly timezone: string;
  readonly now: Date;
  readonly staleRule?: StaleRule;
  /** Overrides the store's own queries (tests compare the generic ones with the store's). */
  readonly queries?: DigestQueries;
  /** The day to cover; default the last complete day at `now` (a late digest names its own day). */
  readonly day?: DigestDay;
}

export interface DigestProblem {
  readonly name: string;
  readonly providerName: string;
  readonly health: 'needs_reconnect' | 'failing';
  readonly stateText: string;
  /** Start of the first failed run of the current failure streak; null when no failed run explains it. */
  readonly since: Date | null;
  readonly failedRuns: number;
  /** Slack user id (or actor name) of whoever connected it. */
  readonly owner: string;
}

export interface StaleConnection {
  readonly name: string;
  readonly providerName: string;
  readonly lastSuccessAt: Date | null;
  readonly staleSince: Date;
  /** "hourly, on the hour", "manual only". */
  readonly expectation: string;
  readonly owner: string;
}

export interface NextRun {
  readonly name: string;
  readonly providerName: string;
  readonly at: Date;
}

export interface Digest {
  readonly day: DigestDay;
  readonly dayBefore: DigestDay;
  readonly generatedAt: Date;
  /** "All 7 connections healthy", "2 of 7 need attention". */
  readonly verdict: string;
  readonly total: number;
  /** Problems plus stale connections (each counted once). */
  readonly needAttention: number;
  /** Failing or needing a reconnect, worst first. */
  readonly problems: readonly DigestProblem[];
  /** Everything neither a problem nor stale, collapsed to names. */
  readonly healthy: { readonly count: number; readonly names: readonly string[] };
  /** Syncing right now, or connected and not synced yet (and not stale). */
  readonly pending: { readonly count: number; readonly names: readonly string[] };
  /** Not a problem by its last run, but no success for longer than its schedule allows. */
  readonly stale: readonly StaleConnection[];
  /**
   * Per system (connection) and currency, exact minor units, sorted by connection then currency; null when no
   * money movement occurred in the day. Deliberately no total across systems (see the header).
   */
  readonly money: readonly SystemMoney[] | null;
  readonly synced: { readonly day: SyncedCounts | null; readonly dayBefore: SyncedCounts | null };
  /** Soonest first. */
  readonly nextRuns: readonly NextRun[];
  /** False when the day has neither money movements nor finished syncs: say "No data", not zeros. */
  readonly hasData: boolean;
}

export async function computeDigest(input: DigestInput): Promise<Digest> {
  const { store, status, timezone, now } = input;
  const rule = input.staleRule ?? DEFAULT_STALE_RULE;
  const queries = input.queries ?? store.digest;
  const day = input.day ?? lastCompleteDay(now, timezone);
  const before = dayBefore(day);
  const names = status.connections.map((c) => c.name);
  const [connections, summaries, money, syncedDay, syncedBefore] = await Promise.all([
    store.listConnections(),
    store.runSummaries(),
    queries.moneyByConnection(day, CALENDAR_DATE_PROVIDERS),
    queries.syncedCounts(names, day.start, day.end),
    queries.syncedCounts(names, before.start, before.end),
  ]);
  const byName = new Map<string, Connection>(connections.map((c) => [c.name, c]));
  const ownerOf = (name: string) => byName.get(name)?.createdBy ?? 'unknown';

  const problems: DigestProblem[] = [];
  const stale: StaleConnection[] = [];
  const healthy: string[] = [];
  const pending: string[] = [];
  for (const s of status.connections) {
    const success = summaries.get(s.name)?.lastSuccess ?? null;
    if (s.health === 'needs_reconnect' || s.health === 'failing') {
      const successStart = success ? new Date(success.startedAt) : null;
      const streak = await queries.failureStreak(s.name, successStart);
      problems.push({
        name: s.name,
        providerName: s.providerName,
        health: s.health,
        stateText: s.stateText,
        since: streak.since,
        failedRuns: streak.failedRuns,
        owner: ownerOf(s.name),
      });
      continue;
    }
    const fresh = staleFreshness(s, byName.get(s.name), success, timezone, now, rule);
    if (fresh) {
      stale.push({
        name: s.name,
        providerName: s.providerName,
        lastSuccessAt: s.lastSuccessAt ? new Date(s.lastSuccessAt) : null,
        staleSince: fresh.staleAfter,
        expectation: fresh.expectation,
        owner: ownerOf(s.name),
      });
    } else if (s.health === 'healthy') {
      healthy.push(s.name);
    } else {
      pending.push(s.name);
    }
  }
  stale.sort((a, b) => a.staleSince.getTime() - b.staleSince.getTime() || a.name.localeCompare(b.name));

  const nextRuns = status.connections
    .filter((s): s is ConnectionStatus & { nextRunAt: Date } => s.nextRunAt !== null)
    .map((s) => ({ name: s.name, providerName: s.providerName, at: s.nextRunAt }))
    .sort((a, b) => a.at.getTime() - b.at.getTime() || a.name.localeCompare(b.name));

  const needAttention = problems.length + stale.length;
  const synced = {
    day: syncedDay.runs > 0 ? syncedDay : null,
    dayBefore: syncedBefore.runs > 0 ? syncedBefore : null,
  };
  const providerNames = new Map(status.connections.map((c) => [c.name, c.providerName]));
  const moneyOfDay: SystemMoney[] | null =
    money.length === 0
      ? null
      : money.map(({ connection, provider, currency, moneyIn, moneyOut, movements }) => {
          const providerName = providerNames.get(connection);
          return {
            connection,
            providerName: providerName ?? provider,
            connected: providerName !== undefined,
            currency,
            moneyIn,
            moneyOut,
            movements,
          };
        });
  return {
    day,
    dayBefore: before,
    generatedAt: now,
    verdict: verdictOf(status.total, needAttention, pending.length),
    total: status.total,
    needAttention,
    problems,
    healthy: { count: healthy.length, names: healthy },
    pending: { count: pending.length, names: pending },
    stale,
    money: moneyOfDay,
    synced,
    nextRuns,
    hasData: moneyOfDay !== null || synced.day !== null,
  };
}

/** The connection's freshness when it is stale at `now`; null when it is not (or vanished meanwhile). */
function staleFreshness(
  status: ConnectionStatus,
  connection: Connection | undefined,
  success: { startedAt: string; endedAt: string | null } | null,
  timezone: string,
  now: Date,
  rule: StaleRule,
): Freshness | null {
  const reference: LastSuccess | null = success?.endedAt
    ? { startedAt: new Date(success.startedAt), endedAt: new Date(success.endedAt) }
    : connection
      ? { startedAt: new Date(connection.createdAt), endedAt: new Date(connection.createdAt) }
      : null;
  if (reference === null || !mayBeStale(now, status.schedule, reference, rule)) return null;
  const fresh = freshness(status.schedule, timezone, reference, rule);
  return isStale(now, fresh) ? fresh : null;
}

/** "All 7 connections healthy" / "2 of 7 need attention" / "No connection needs attention, 1 of 3 …". */
export function verdictOf(total: number, needAttention: number, pending: number): string {
  if (total === 0) return 'No systems connected yet';
  if (needAttention > 0)
    return `${needAttention} of ${total} ${needAttention === 1 ? 'needs' : 'need'} attention`;
  if (pending === 0) return total === 1 ? 'The 1 connection is healthy' : `All ${total} connections healthy`;
  return `No connection needs attention · ${pending} of ${total} syncing now or not synced yet`;
}
