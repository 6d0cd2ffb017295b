/**
 * When the daily digest is due: local HH:MM in the team's timezone, once per local date, covering the
 * complete day before. The sender ticks every ~30 s and asks for the most recent due digest, so a restart
 * or a missed tick still sends it (late, and only for the latest date). A local time that a daylight-saving
 * change skips is due at the first instant after the gap; one that occurs twice is due at its first
 * occurrence, so the digest is neither lost nor sent twice. TZDate alone moves a skipped time forward by the
 * gap's length and picks either occurrence of a repeated one, hence the explicit search below.
 * Pure: the clock is a parameter.
 */
import { TZDate } from '@date-fns/tz';
import { type DigestDay, dayBefore, dayContaining } from './day.ts';

export interface DigestDue {
  /** The instant the digest was (or is) due: local HH:MM on `sendDate` in the zone. */
  readonly dueAt: Date;
  /** The local date on which it is sent, YYYY-MM-DD. */
  readonly sendDate: string;
  /** The day the digest covers: the complete local day before `sendDate`. */
  readonly day: DigestDay;
  /** True when now is later than `dueAt + graceMs`: the sender marks it "sent late". */
  readonly late: boolean;
}

/** How long after `dueAt` a digest still counts as on time. */
export const DEFAULT_DIGEST_GRACE_MS = 15 * 60_000;

const DAY_MS = 86_400_000;

/** Parses "HH:MM" (24 h, 00:00–23:59); throws RangeError with a clear message otherwise. */
export function parseDigestTime(text: string): { hour: number; minute: number } {
  const match = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(text);
  if (!match) throw new RangeError(`digest time "${text}" is not HH:MM on a 24-hour clock (00:00 to 23:59)`);
  return { hour: Number(match[1]), minute: Number(match[2]) };
}

/**
 * The instant of local HH:MM on the local date `date` (YYYY-MM-DD) in `timezone`. A time skipped by a
 * spring-forward gap is the first instant after the gap (02:30 → 03:00 in New York on 2026-03-08); a time
 * that occurs twice on a fall-back day is its first occurrence (01:30 EDT on 2026-11-01).
 */
export function localTimeOn(date: string, time: string, timezone: string): Date {
  const { hour, minute } = parseDigestTime(time);
  const [y, m, d] = parseDate(date);
  const target = Date.UTC(y, m - 1, d, hour, minute);
  // The zone's offsets a day either side (and at the target) bracket a daylight-saving change near it.
  const offsets = [target - DAY_MS, target, target + DAY_MS].map((t) => wallOf(t, timezone) - t);
  const candidates = [...new Set(offsets.map((offset) => target - offset))].sort((a, b) => a - b);
  const exact = candidates.find((t) => wallOf(t, timezone) === target);
  if (exact !== undefined) return new Date(exact);
  // In a gap: the earliest instant whose wall time is at or past the target (wall(lo) < target <= wall(hi)).
  let lo = candidates[0]!;
  let hi = candidates[candidates.length - 1]!;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (wallOf(mid, timezone) >= target) hi = mid;
    else lo = mid;
  }
  return new Date(hi);
}

/**
 * The most recent due digest at `now`: the latest local date whose due instant is at or before `now` and at
 * or after `notBefore` (when the digest channel was configured, so configuring at 10:00 with time 08:00
 * does not send today's digest late). Null when none is due yet. Only the latest date: a digest missed for
 * several days is sent once, for the latest day.
 */
export function latestDueDigest(
  now: Date,
  time: string,
  timezone: string,
  notBefore: Date,
  graceMs: number = DEFAULT_DIGEST_GRACE_MS,
): DigestDue | null {
  if (!Number.isFinite(notBefore.getTime())) throw new RangeError('the digest needs a valid "notBefore"');
  if (!(graceMs >= 0)) throw new RangeError(`the digest grace must be 0 ms or more, not ${graceMs}`);
  let sendDay = dayContaining(now, timezone);
  let dueAt = localTimeOn(sendDay.date, time, timezone);
  // Today's time has not come yet: yesterday's is the latest (twice only if a gap pushed it past midnight).
  for (let i = 0; i < 2 && dueAt > now; i++) {
    sendDay = dayBefore(sendDay);
    dueAt = localTimeOn(sendDay.date, time, timezone);
  }
  if (dueAt > now || dueAt < notBefore) return null;
  return {
    dueAt,
    sendDate: sendDay.date,
    day: dayBefore(sendDay),
    late: now.getTime() - dueAt.getTime() > graceMs,
  };
}

/** The next due instant strictly after `now` (for the Home tab: "next digest at …"). */
export function nextDigestAt(now: Date, time: string, timezone: string): Date {
  let day = dayContaining(now, timezone);
  let dueAt = localTimeOn(day.date, time, timezone);
  for (let i = 0; i < 3 && dueAt <= now; i++) {
    day = dayContaining(day.end, timezone); // the next local date (a skipped date is stepped over)
    dueAt = localTimeOn(day.date, time, timezone);
  }
  return dueAt;
}

function parseDate(date: string): [number, number, number] {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  const [y, m, d] = match ? [Number(match[1]), Number(match[2]), Number(match[3])] : [0, 0, 0];
  const check = new Date(Date.UTC(y, m - 1, d));
  if (!match || check.getUTCMonth() !== m - 1 || check.getUTCDate() !== d) {
    throw new RangeError(`"${date}" is not a calendar date as YYYY-MM-DD`);
  }
  return [y, m, d];
}

/** The wall-clock reading of `instant` in `timezone`, expressed as if it were a UTC instant. */
function wallOf(instant: number, timezone: string): number {
  const local = new TZDate(instant, timezone);
  const wall = Date.UTC(
    local.getFullYear(),
    local.getMonth(),
    local.getDate(),
    local.getHours(),
    local.getMinutes(),
    local.getSeconds(),
    local.getMilliseconds(),
  );
  if (!Number.isFinite(wall)) {
    throw new RangeError(`unknown timezone "${timezone}": use an IANA name such as Europe/Berlin`);
  }
  return wall;
}
