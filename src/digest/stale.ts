/**
 * When a connection counts as stale: no success in more than `factor` times its schedule's interval
 * (default twice), or in more than `manualMs` (default 24 h) when it syncs on demand only.
 *
 * The interval comes from the schedule text through schedule-spec.ts, measured on the schedule itself
 * rather than as one fixed number: starting from the last successful run's start, take the next `factor`
 * scheduled runs; the connection is stale once that much time has passed since the success ended. For
 * `every N` and for hourly and daily schedules started on time this is exactly `ended + factor × interval`;
 * for an irregular cron (`0 6 * * 1-5`) it follows the calendar, so a weekday schedule is not stale on
 * Monday morning because of the weekend, but is once the Monday and Tuesday runs have passed without a
 * success. A connection that never succeeded is measured from its creation.
 */
import { describeSchedule, nextRunAfter, parseSchedule } from '../scheduler/schedule-spec.ts';

export interface StaleRule {
  /** How many scheduled intervals may pass without a success (a whole number, at least 1). */
  readonly factor: number;
  /** For connections without a schedule: how long without a success. */
  readonly manualMs: number;
}

export const DEFAULT_STALE_RULE: StaleRule = { factor: 2, manualMs: 24 * 3_600_000 };

export interface Freshness {
  /** The instant after which the connection is stale. */
  readonly staleAfter: Date;
  /** What the expectation is, for people: "hourly, on the hour", "manual only". */
  readonly expectation: string;
  readonly basis: 'schedule' | 'manual';
}

/** The reference point: the last successful run (start and end), or the connection's creation. */
export interface LastSuccess {
  readonly startedAt: Date;
  readonly endedAt: Date;
}

export function freshness(
  schedule: string | null,
  timezone: string,
  reference: LastSuccess,
  rule: StaleRule = DEFAULT_STALE_RULE,
): Freshness {
  const parsed = schedule === null ? null : parseSchedule(schedule);
  if (parsed === null || !parsed.ok || parsed.spec.kind === 'off') {
    return {
      staleAfter: new Date(reference.endedAt.getTime() + rule.manualMs),
      expectation: 'manual only',
      basis: 'manual',
    };
  }
  const spec = parsed.spec;
  let due = reference.startedAt;
  for (let k = 0; k < Math.max(1, Math.round(rule.factor)); k++) due = nextRunAfter(spec, timezone, due);
  return {
    staleAfter: new Date(reference.endedAt.getTime() + due.getTime() - reference.startedAt.getTime()),
    expectation: describeSchedule(spec, timezone),
    basis: 'schedule',
  };
}

export function isStale(now: Date, fresh: Freshness): boolean {
  return now.getTime() > fresh.staleAfter.getTime();
}

const HOUR_MS = 3_600_000;

/**
 * A cheap first look: false when the success is too recent for the connection to be stale whatever the
 * calendar says, so `freshness` (which walks the schedule with cron-parser, about 0.2 ms a call) only runs
 * for the few that may be. Lower bounds of the stale span: `every N` exactly `factor × N`; hourly more than
 * `factor - 1` hours and daily more than `factor - 1` times 23 hours (the shortest gaps, DST included); a
 * cron expression, none.
 */
export function mayBeStale(
  now: Date,
  schedule: string | null,
  reference: LastSuccess,
  rule: StaleRule = DEFAULT_STALE_RULE,
): boolean {
  const age = now.getTime() - reference.endedAt.getTime();
  const parsed = schedule === null ? null : parseSchedule(schedule);
  if (parsed === null || !parsed.ok || parsed.spec.kind === 'off') return age > rule.manualMs;
  const runs = Math.max(1, Math.round(rule.factor));
  const spec = parsed.spec;
  switch (spec.kind) {
    case 'every':
      return age > runs * spec.amount * (spec.unit === 'hours' ? HOUR_MS : 60_000);
    case 'hourly':
      return age > (runs - 1) * HOUR_MS;
    case 'daily':
      return age > (runs - 1) * 23 * HOUR_MS;
    case 'cron':
      return true;
  }
}
