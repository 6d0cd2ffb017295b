/**
 * finsync's schedule grammar (`hourly | daily HH:MM | every N minutes|hours | cron "<expr>" | off`):
 * parsing with messages a person can act on, descriptions for Slack, the repeat Agenda should use, and the
 * next run as Agenda will compute it. Pure: no clock, no I/O.
 *
 * Why hourly and daily become cron in the team timezone rather than intervals: an interval of 24 h drifts
 * by an hour across a DST change (and by the job's run time every day), while cron `0 2 * * *` with a
 * timezone stays at 02:00 local. Only `every N` is a plain interval, because that is what it says.
 *
 * cron-parser is imported directly because it is the library Agenda 6 computes cron `nextRunAt` with; using
 * the same one is what makes `nextRunAfter` equal to Agenda's stored value (see the schedule-spec tests).
 */
import { CronExpressionParser } from 'cron-parser';

export type ScheduleSpec =
  | { kind: 'hourly' }
  | { kind: 'daily'; hour: number; minute: number }
  | { kind: 'every'; amount: number; unit: 'minutes' | 'hours' }
  | { kind: 'cron'; expression: string }
  | { kind: 'off' };

/** A schedule that runs: `off` has no repeat and no next run (the caller cancels the job instead). */
export type ActiveScheduleSpec = Exclude<ScheduleSpec, { kind: 'off' }>;

export type ParseScheduleResult =
  | { ok: true; spec: ScheduleSpec }
  | { ok: false; message: string; usage: string };

export interface AgendaRepeat {
  /** A cron expression (evaluated in `options.timezone`) or a number of milliseconds. */
  interval: string | number;
  /** skipImmediate: setting a schedule must not start a sync right now (`sync <connection>` does that). */
  options: { timezone?: string; skipImmediate: true };
}

export const SCHEDULE_USAGE =
  'schedule <connection> <hourly | daily HH:MM | every N minutes|hours | cron "<expr>" | off>';
/** Providers rate-limit, and a sync takes a while: nothing may run more often than this. */
export const MIN_INTERVAL_MINUTES = 5;
/** Beyond a week an interval is almost surely a typo; a cron expression says rarer schedules better. */
export const MAX_INTERVAL_HOURS = 24 * 7;

const MINUTE_MS = 60_000;
const EXAMPLES = 'e.g. `hourly`, `daily 02:00`, `every 15 minutes`, `cron "0 6 * * 1-5"` or `off`';

export function parseSchedule(text: string): ParseScheduleResult {
  const input = text.trim().replace(/\s+/g, ' ');
  const lower = input.toLowerCase();
  if (input === '') return fail(`Say when to sync: ${EXAMPLES}.`);
  if (lower === 'hourly') return { ok: true, spec: { kind: 'hourly' } };
  if (lower === 'off') return { ok: true, spec: { kind: 'off' } };
  if (lower === 'daily' || lower.startsWith('daily ')) return parseDaily(input.slice('daily'.length).trim());
  if (lower === 'every' || lower.startsWith('every ')) return parseEvery(lower.slice('every'.length).trim());
  if (lower === 'cron' || lower.startsWith('cron ') || lower.startsWith('cron"')) {
    return parseCron(input.slice('cron'.length).trim());
  }
  return fail(`"${input}" is not a schedule: use ${EXAMPLES}.`);
}

function parseDaily(rest: string): ParseScheduleResult {
  const time = rest.replace(/^at /i, '');
  if (time === '') return fail('`daily` needs a time on a 24-hour clock, e.g. `daily 02:00`.');
  const match = /^(\d{1,2}):(\d{2})$/.exec(time);
  const hour = Number(match?.[1]);
  const minute = Number(match?.[2]);
  if (!match || hour > 23 || minute > 59) {
    return fail(`"${time}" is not a valid time: use HH:MM on a 24-hour clock, from 00:00 to 23:59.`);
  }
  return { ok: true, spec: { kind: 'daily', hour, minute } };
}

function parseEvery(rest: string): ParseScheduleResult {
  const match = /^(\S+) ?(minutes?|mins?|hours?|hrs?)$/.exec(rest) ?? /^()(minute|hour)$/.exec(rest);
  if (!match) return fail('Use `every N minutes` or `every N hours`, e.g. `every 15 minutes`.');
  const amount = match[1] === '' ? 1 : Number(match[1]);
  if (!/^\d*$/.test(match[1] ?? '')) {
    return fail(`"${match[1]}" is not a whole number: use e.g. \`every 15 minutes\` or \`every 2 hours\`.`);
  }
  const unit = match[2]?.startsWith('h') ? 'hours' : 'minutes';
  const minutes = unit === 'hours' ? amount * 60 : amount;
  if (minutes < MIN_INTERVAL_MINUTES) {
    return fail(`The shortest interval is ${MIN_INTERVAL_MINUTES} minutes: use e.g. \`every 5 minutes\`.`);
  }
  if (minutes > MAX_INTERVAL_HOURS * 60) {
    return fail(
      `The longest interval is ${MAX_INTERVAL_HOURS} hours (a week); use \`cron "…"\` for rarer runs.`,
    );
  }
  return { ok: true, spec: { kind: 'every', amount, unit } };
}

function parseCron(rest: string): ParseScheduleResult {
  // Slack's clients turn "…" into curly quotes, and people paste expressions in backticks.
  const expression = rest
    .replace(/^["'`“”‘’]+|["'`“”‘’]+$/g, '')
    .trim()
    .replace(/\s+/g, ' ');
  if (expression === '') return fail('`cron` needs an expression in quotes, e.g. `cron "0 6 * * 1-5"`.');
  const fields = expression.split(' ');
  if (fields.length !== 5) {
    return fail(
      `"${expression}" has ${fields.length} field${fields.length === 1 ? '' : 's'}; a cron expression has 5: ` +
        'minute hour day-of-month month day-of-week, e.g. `cron "0 6 * * 1-5"`.',
    );
  }
  // cron-parser's H picks a value from a hash seed: the schedule would not say when it runs.
  if (fields.some((field) => /(^|[^a-z])h(?![a-z])/i.test(field))) {
    return fail(
      `"${expression}" uses H (hashed) values, which finsync does not support: use explicit numbers.`,
    );
  }
  let times: number[];
  try {
    // A fixed start makes the verdict the same whenever it is asked; 100 runs catch any sub-daily pattern.
    const cron = CronExpressionParser.parse(expression, {
      currentDate: new Date(Date.UTC(2026, 0, 1)),
      tz: 'UTC',
    });
    times = Array.from({ length: 100 }, () => cron.next().toDate().getTime());
  } catch (error) {
    const reason = (error instanceof Error ? error.message : String(error)).replace(/\.$/, '');
    return fail(`"${expression}" is not a valid cron expression: ${reason}.`);
  }
  const shortest = Math.min(...times.slice(1).map((time, i) => time - (times[i] ?? 0)));
  if (shortest < MIN_INTERVAL_MINUTES * MINUTE_MS) {
    return fail(
      `"${expression}" runs ${shortest / MINUTE_MS} minute${shortest === MINUTE_MS ? '' : 's'} apart; ` +
        `the shortest interval is ${MIN_INTERVAL_MINUTES} minutes.`,
    );
  }
  return { ok: true, spec: { kind: 'cron', expression } };
}

function fail(message: string): ParseScheduleResult {
  return { ok: false, message, usage: SCHEDULE_USAGE };
}

/** The grammar text for a spec; `parseSchedule(formatSchedule(spec))` gives the spec back. */
export function formatSchedule(spec: ScheduleSpec): string {
  switch (spec.kind) {
    case 'hourly':
    case 'off':
      return spec.kind;
    case 'daily':
      return `daily ${clock(spec.hour, spec.minute)}`;
    case 'every':
      return `every ${spec.amount} ${spec.unit}`;
    case 'cron':
      return `cron "${spec.expression}"`;
  }
}

/** For people: "daily at 02:00 Europe/Berlin", "every 15 minutes", "off (sync on demand only)". */
export function describeSchedule(spec: ScheduleSpec, timezone: string): string {
  switch (spec.kind) {
    case 'hourly':
      return 'hourly, on the hour';
    case 'daily':
      return `daily at ${clock(spec.hour, spec.minute)} ${timezone}`;
    case 'every':
      return spec.amount === 1 ? `every ${spec.unit.slice(0, -1)}` : `every ${spec.amount} ${spec.unit}`;
    case 'cron':
      return `on cron "${spec.expression}" in ${timezone}`;
    case 'off':
      return 'off (sync on demand only)';
  }
}

/** What to hand `agenda.every(interval, name, data, options)`. */
export function toAgendaRepeat(spec: ActiveScheduleSpec, timezone: string): AgendaRepeat {
  if (spec.kind === 'every') return { interval: intervalMs(spec), options: { skipImmediate: true } };
  return { interval: cronOf(spec), options: { timezone: assertTimeZone(timezone), skipImmediate: true } };
}

/**
 * The first run after `from`, computed as Agenda 6 computes `nextRunAt` after a run that started at `from`
 * (utils/nextRunAt.js: cron-parser from that instant in the timezone, nudged 1 s on if it returns `from`
 * itself; an interval is added to `from`). For a status page, prefer the job's stored nextRunAt when there
 * is one: for `every N` the next run counts from the last run, not from now.
 */
export function nextRunAfter(spec: ActiveScheduleSpec, timezone: string, from: Date): Date {
  if (spec.kind === 'every') return new Date(from.getTime() + intervalMs(spec));
  const tz = assertTimeZone(timezone);
  const expression = cronOf(spec);
  const next = CronExpressionParser.parse(expression, { currentDate: from, tz }).next().toDate();
  if (next.getTime() > from.getTime()) return next;
  return CronExpressionParser.parse(expression, { currentDate: new Date(from.getTime() + 1000), tz })
    .next()
    .toDate();
}

function cronOf(spec: Exclude<ActiveScheduleSpec, { kind: 'every' }>): string {
  switch (spec.kind) {
    case 'hourly':
      return '0 * * * *';
    case 'daily':
      return `${spec.minute} ${spec.hour} * * *`;
    case 'cron':
      return spec.expression;
  }
}

function intervalMs(spec: Extract<ScheduleSpec, { kind: 'every' }>): number {
  return spec.amount * (spec.unit === 'hours' ? 60 : 1) * MINUTE_MS;
}

function clock(hour: number, minute: number): string {
  return `${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}`;
}

/** cron-parser fails on an unknown zone with "unhandled timestamp: Invalid Date"; say what is wrong instead. */
function assertTimeZone(timezone: string): string {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
  } catch {
    throw new RangeError(`unknown timezone "${timezone}": use an IANA name such as Europe/Berlin`);
  }
  return timezone;
}
