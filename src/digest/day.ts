/**
 * The digest's day: a calendar day in the team's timezone, as the half-open range of UTC instants
 * `[start, end)` from one local midnight to the next. Across a daylight-saving change that range is 23 or
 * 25 hours long (23.5 or 24.5 on Lord Howe Island); where a zone skips midnight itself (Santiago, Havana),
 * the day starts at the first local instant of that date; where a zone skipped a whole date (Samoa on
 * 2011-12-30), the day before is the previous date that exists. Pure: the clock is a parameter.
 */
import { TZDate } from '@date-fns/tz';

export interface DigestDay {
  /** The local calendar date in `timezone`, `YYYY-MM-DD`. */
  readonly date: string;
  /** IANA name of the zone the day was cut in. */
  readonly timezone: string;
  /** First instant of the day (local midnight), inclusive. */
  readonly start: Date;
  /** First instant of the next day, exclusive. */
  readonly end: Date;
  /** `end - start` in hours: 24, or 23 / 25 on a daylight-saving day. */
  readonly hours: number;
}

const HOUR_MS = 3_600_000;

/** The last day that has completely ended at `now` in `timezone`: yesterday, local time. */
export function lastCompleteDay(now: Date, timezone: string): DigestDay {
  assertInstant(now);
  const todayStart = startOfLocalDay(now.getTime(), timezone);
  return dayEndingAt(todayStart, timezone);
}

/** The calendar day before `day` in the same zone. */
export function dayBefore(day: DigestDay): DigestDay {
  return dayEndingAt(day.start.getTime(), day.timezone);
}

/** The local day that contains `instant`. */
export function dayContaining(instant: Date, timezone: string): DigestDay {
  assertInstant(instant);
  const start = startOfLocalDay(instant.getTime(), timezone);
  const { y, m, d } = localDate(start, timezone);
  return build(y, m, d, start, startOfLocalDate(y, m, d + 1, timezone), timezone);
}

/**
 * The local day of a calendar date (`YYYY-MM-DD`) in `timezone`; null for a date the zone skipped entirely
 * (Samoa's 2011-12-30), which holds no instant.
 */
export function dayOfDate(date: string, timezone: string): DigestDay | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) throw new RangeError(`"${date}" is not a YYYY-MM-DD date`);
  const [y, mo, d] = [Number(m[1]), Number(m[2]) - 1, Number(m[3])];
  const start = startOfLocalDate(y, mo, d, timezone);
  const local = localDate(start, timezone);
  if (local.y !== y || local.m !== mo || local.d !== d) return null;
  return build(y, mo, d, start, startOfLocalDate(y, mo, d + 1, timezone), timezone);
}

/** "Sunday, March 8, 2026": the calendar date as words (a date, not an instant, so no Slack date token). */
export function dayLabel(day: DigestDay, style: 'long' | 'short' = 'long'): string {
  const [y, m, d] = day.date.split('-').map(Number) as [number, number, number];
  return new Intl.DateTimeFormat('en-US', {
    timeZone: 'UTC',
    weekday: style,
    month: style,
    day: 'numeric',
    ...(style === 'long' ? { year: 'numeric' } : {}),
  }).format(new Date(Date.UTC(y, m - 1, d)));
}

/** The day whose end is `end` (a local midnight): the local date of the instant just before it. */
function dayEndingAt(end: number, timezone: string): DigestDay {
  const start = startOfLocalDay(end - 1, timezone);
  const { y, m, d } = localDate(start, timezone);
  return build(y, m, d, start, end, timezone);
}

function build(y: number, m: number, d: number, start: number, end: number, timezone: string): DigestDay {
  const date = `${String(y).padStart(4, '0')}-${String(m + 1).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
  return { date, timezone, start: new Date(start), end: new Date(end), hours: (end - start) / HOUR_MS };
}

/** Local midnight (or the first instant of the local date, when midnight does not exist) of `instant`. */
function startOfLocalDay(instant: number, timezone: string): number {
  const { y, m, d } = localDate(instant, timezone);
  return startOfLocalDate(y, m, d, timezone);
}

function startOfLocalDate(y: number, m: number, d: number, timezone: string): number {
  // TZDate normalizes overflowing days (March 32 → April 1) and moves a skipped midnight forward.
  const time = new TZDate(y, m, d, timezone).getTime();
  if (!Number.isFinite(time)) throw unknownZone(timezone);
  return time;
}

function localDate(instant: number, timezone: string): { y: number; m: number; d: number } {
  const local = new TZDate(instant, timezone);
  const y = local.getFullYear();
  if (!Number.isFinite(y)) throw unknownZone(timezone);
  return { y, m: local.getMonth(), d: local.getDate() };
}

function assertInstant(date: Date): void {
  if (!Number.isFinite(date.getTime())) throw new RangeError('the digest needs a valid "now"');
}

function unknownZone(timezone: string): RangeError {
  return new RangeError(`unknown timezone "${timezone}": use an IANA name such as Europe/Berlin`);
}
