/**
 * A `sync all` asked for in Slack is one group: one message that lists every connection with its state and
 * is edited in place as each ends. The scheduler may run the group's jobs in any process sharing the store,
 * so the group's progress lives in the store, not in memory: one setting (`sync-groups`), changed only by
 * the store's atomic read-modify-write. The process that runs a job records its connection's state there,
 * and whichever process records a change may claim the next report (the message is rebuilt from the stored
 * group each time).
 *
 * Reports are rationed for Slack's response_url (5 posts in 30 minutes): a report is claimed only when the
 * group changed since the last one shown, no other report is in flight (in any process), and either every
 * connection has ended (the final report, which always has a post kept for it) or the last report is at
 * least `minIntervalMs` old and a post remains besides the final one's.
 * Groups are forgotten 35 minutes after they start (a response_url lives 30).
 */
import { randomUUID } from 'node:crypto';
import type { Store, SyncRun } from '../store/types.ts';
import type { SyncStart } from './finsync.ts';

const SETTING = 'sync-groups';
export const GROUP_TTL_MS = 35 * 60_000;
/** Slack allows 5 posts to one response_url in 30 minutes. */
export const MAX_REPORTS = 5;
/** Intermediate reports are at least this far apart. */
export const MIN_REPORT_INTERVAL_MS = 3_000;
/** A claimed report not released by then (its process died or hung) no longer holds the others back. */
export const REPORT_LEASE_MS = 15_000;

/** A run as a group shows it: its outcome, records, times and error, without its per-stream detail. */
export interface RunSummary {
  readonly id: string;
  readonly status: SyncRun['status'];
  readonly records: number;
  readonly startedAt: string;
  readonly endedAt: string | null;
  readonly errorClass: string | null;
  readonly errorMessage: string | null;
}

export type GroupEntry =
  | { readonly connection: string; readonly state: 'queued' }
  | {
      readonly connection: string;
      readonly state: 'running';
      readonly startedAt: string;
      readonly recordsSoFar: number;
    }
  | { readonly connection: string; readonly state: 'ended'; readonly run: RunSummary }
  | {
      readonly connection: string;
      readonly state: 'not_started';
      readonly since: string;
      readonly startedBy?: string;
    };

export interface SyncGroup {
  readonly id: string;
  readonly createdAt: string;
  readonly requestedBy: string;
  readonly entries: readonly GroupEntry[];
  /** Bumped at every change of an entry. */
  readonly version: number;
  readonly reports: {
    readonly used: number;
    /** Epoch ms of the last report claimed; 0 before the first. */
    readonly lastAt: number;
    /** The version the last claimed report shows. */
    readonly shownVersion: number;
    readonly inFlight: { readonly token: string; readonly until: number } | null;
  };
}

type Groups = Record<string, SyncGroup>;

export type ReportDecision =
  | { readonly kind: 'report'; readonly group: SyncGroup; readonly token: string; readonly final: boolean }
  | { readonly kind: 'wait'; readonly ms: number }
  | { readonly kind: 'none' };

export function summarize(run: SyncRun): RunSummary {
  let records = 0;
  for (const counts of Object.values(run.streams)) records += counts.fetched;
  return {
    id: run.id,
    status: run.status,
    records,
    startedAt: run.startedAt,
    endedAt: run.endedAt,
    errorClass: run.errorClass,
    errorMessage: run.errorMessage,
  };
}

export const isDone = (entry: GroupEntry): boolean =>
  entry.state === 'ended' || entry.state === 'not_started';

/** Whether a change may replace an entry: an entry that ended never changes again, a running one never goes back to queued. */
function mayReplace(current: GroupEntry, next: GroupEntry): boolean {
  if (isDone(current)) return false;
  return !(current.state === 'running' && next.state === 'queued');
}

/** What the next report should be, and the group after claiming it (pure; `now` in epoch ms). */
export function decideReport(
  group: SyncGroup,
  now: number,
  token: string,
): { decision: ReportDecision; next: SyncGroup } {
  const { reports } = group;
  const none = { decision: { kind: 'none' } as const, next: group };
  if (reports.inFlight && reports.inFlight.until > now)
    return { decision: { kind: 'wait', ms: reports.inFlight.until - now }, next: group };
  if (group.version === reports.shownVersion) return none;
  const final = group.entries.every(isDone);
  if (final ? reports.used >= MAX_REPORTS : reports.used >= MAX_REPORTS - 1) return none;
  const early = reports.lastAt + MIN_REPORT_INTERVAL_MS - now;
  if (!final && early > 0) return { decision: { kind: 'wait', ms: early }, next: group };
  const next: SyncGroup = {
    ...group,
    reports: {
      used: reports.used + 1,
      lastAt: now,
      shownVersion: group.version,
      inFlight: { token, until: now + REPORT_LEASE_MS },
    },
  };
  return { decision: { kind: 'report', group: next, token, final }, next };
}

export class SyncGroups {
  constructor(
    private readonly store: Pick<Store, 'modifySetting' | 'getSetting'>,
    private readonly now: () => Date,
  ) {}

  /** Records a new group: the connections queued, and those not started because another run holds them. */
  async create(id: string, requestedBy: string, starts: readonly SyncStart[]): Promise<SyncGroup> {
    const group: SyncGroup = {
      id,
      createdAt: this.now().toISOString(),
      requestedBy,
      entries: starts.map((s) =>
        s.outcome === 'queued'
          ? { connection: s.connection, state: 'queued' }
          : {
              connection: s.connection,
              state: 'not_started',
              since: s.since,
              ...(s.startedBy ? { startedBy: s.startedBy } : {}),
            },
      ),
      version: 1,
      reports: { used: 0, lastAt: 0, shownVersion: 0, inFlight: null },
    };
    await this.modify((groups) => ({ ...groups, [id]: group }));
    return group;
  }

  async get(id: string): Promise<SyncGroup | undefined> {
    return (await this.store.getSetting<Groups>(SETTING))?.[id];
  }

  /** Sets one connection's entry (an entry that ended keeps its result); undefined when the group is gone. */
  async update(id: string, entry: GroupEntry): Promise<SyncGroup | undefined> {
    const groups = await this.modify((current) => {
      const group = current[id];
      const index = group?.entries.findIndex((e) => e.connection === entry.connection) ?? -1;
      if (!group || index < 0 || !mayReplace(group.entries[index]!, entry)) return current;
      const entries = group.entries.map((e, i) => (i === index ? entry : e));
      return { ...current, [id]: { ...group, entries, version: group.version + 1 } };
    });
    return groups[id];
  }

  /** Claims the next report of the group if one is due (see the header). */
  async claimReport(id: string): Promise<ReportDecision> {
    const token = randomUUID();
    let decision: ReportDecision = { kind: 'none' };
    await this.modify((current) => {
      const group = current[id];
      if (!group) return current;
      const claimed = decideReport(group, this.now().getTime(), token);
      decision = claimed.decision;
      return claimed.next === group ? current : { ...current, [id]: claimed.next };
    });
    return decision;
  }

  /** The claimed report was shown (or given up): others may report again. */
  async releaseReport(id: string, token: string): Promise<void> {
    await this.modify((current) => {
      const group = current[id];
      if (group?.reports.inFlight?.token !== token) return current;
      return { ...current, [id]: { ...group, reports: { ...group.reports, inFlight: null } } };
    });
  }

  /** Every change goes through one atomic read-modify-write, which also forgets groups past their time. */
  private async modify(change: (groups: Groups) => Groups): Promise<Groups> {
    const oldest = this.now().getTime() - GROUP_TTL_MS;
    return this.store.modifySetting<Groups>(SETTING, (current) => {
      const kept: Groups = {};
      for (const [id, group] of Object.entries(current ?? {}))
        if (Date.parse(group.createdAt) >= oldest) kept[id] = group;
      return change(kept);
    });
  }
}
