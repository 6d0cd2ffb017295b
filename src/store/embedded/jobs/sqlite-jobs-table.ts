/**
 * The SQLite table behind Agenda's jobs: its schema, and the one mapping between a row and Agenda's
 * `JobParameters`. One field list drives reading, writing and `unique` lookups, so a field cannot be
 * stored under one name and queried under another.
 *
 * Why instants are INTEGER milliseconds (UTC): they compare numerically in SQL (`next_run_at <= ?`), sort
 * correctly and carry no timezone ambiguity; ISO text would compare wrongly as soon as precision differed.
 */
import { type JobParameters, toJobId } from 'agenda';

type FieldKind = 'text' | 'number' | 'date' | 'bool' | 'json' | 'interval';
type FieldKey = Exclude<keyof JobParameters, '_id' | 'unique' | 'uniqueOpts'>;

interface Field {
  key: FieldKey;
  column: string;
  kind: FieldKind;
}

/** Every stored field of a job. `unique`/`uniqueOpts` are instructions for one save, not state (as in Postgres). */
export const FIELDS: readonly Field[] = [
  { key: 'name', column: 'name', kind: 'text' },
  { key: 'priority', column: 'priority', kind: 'number' },
  { key: 'nextRunAt', column: 'next_run_at', kind: 'date' },
  { key: 'type', column: 'type', kind: 'text' },
  { key: 'lockedAt', column: 'locked_at', kind: 'date' },
  { key: 'lastRunAt', column: 'last_run_at', kind: 'date' },
  { key: 'lastFinishedAt', column: 'last_finished_at', kind: 'date' },
  { key: 'failedAt', column: 'failed_at', kind: 'date' },
  { key: 'failCount', column: 'fail_count', kind: 'number' },
  { key: 'failReason', column: 'fail_reason', kind: 'text' },
  { key: 'repeatInterval', column: 'repeat_interval', kind: 'interval' },
  { key: 'repeatTimezone', column: 'repeat_timezone', kind: 'text' },
  { key: 'repeatAt', column: 'repeat_at', kind: 'text' },
  { key: 'data', column: 'data', kind: 'json' },
  { key: 'disabled', column: 'disabled', kind: 'bool' },
  { key: 'progress', column: 'progress', kind: 'number' },
  { key: 'fork', column: 'fork', kind: 'bool' },
  { key: 'startDate', column: 'start_date', kind: 'date' },
  { key: 'endDate', column: 'end_date', kind: 'date' },
  { key: 'skipDays', column: 'skip_days', kind: 'json' },
  { key: 'debounceStartedAt', column: 'debounce_started_at', kind: 'date' },
  { key: 'lastModifiedBy', column: 'last_modified_by', kind: 'text' },
];

/**
 * Fields only the job processor writes (Agenda's `Job.PROCESSOR_MANAGED_FIELDS`). A user `save()` leaves them
 * out, so an update by id must keep the stored values instead of clearing them.
 */
export const PROCESSOR_FIELDS: ReadonlySet<FieldKey> = new Set([
  'lockedAt',
  'lastRunAt',
  'lastFinishedAt',
  'failedAt',
  'failCount',
  'failReason',
  'progress',
]);

export type SqlValue = string | number | null;
export type JobRow = Record<string, SqlValue> & { id: string };

export function createTableSql(table: string): string[] {
  return [
    `CREATE TABLE IF NOT EXISTS "${table}" (
      id TEXT PRIMARY KEY,
      name TEXT NOT NULL,
      priority INTEGER NOT NULL DEFAULT 0,
      next_run_at INTEGER,
      type TEXT NOT NULL DEFAULT 'normal' CHECK (type IN ('normal', 'single')),
      locked_at INTEGER,
      last_run_at INTEGER,
      last_finished_at INTEGER,
      failed_at INTEGER,
      fail_count INTEGER,
      fail_reason TEXT,
      -- no declared type on purpose: SQLite then keeps a number a number (ms) and a string a string (cron, '5 minutes')
      repeat_interval,
      repeat_timezone TEXT,
      repeat_at TEXT,
      data TEXT NOT NULL DEFAULT 'null',
      disabled INTEGER NOT NULL DEFAULT 0,
      progress REAL,
      fork INTEGER NOT NULL DEFAULT 0,
      start_date INTEGER,
      end_date INTEGER,
      skip_days TEXT,
      debounce_started_at INTEGER,
      last_modified_by TEXT,
      created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL
    )`,
    // Finding the next job of a name to run, ordered as getNextJobToRun orders.
    `CREATE INDEX IF NOT EXISTS "${table}_find_and_lock_idx" ON "${table}" (name, disabled, next_run_at, priority DESC)`,
    // What makes `every()` (type 'single') one job per name, and what ON CONFLICT targets.
    `CREATE UNIQUE INDEX IF NOT EXISTS "${table}_single_job_idx" ON "${table}" (name) WHERE type = 'single'`,
    // Stale lock recovery (`locked_at <= lockDeadline`).
    `CREATE INDEX IF NOT EXISTS "${table}_locked_at_idx" ON "${table}" (locked_at) WHERE locked_at IS NOT NULL`,
    // Queue size and status pages.
    `CREATE INDEX IF NOT EXISTS "${table}_next_run_at_idx" ON "${table}" (next_run_at) WHERE next_run_at IS NOT NULL`,
  ];
}

/** Table names are spliced into SQL, so only plain identifiers are accepted. */
export function assertTableName(table: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(table)) {
    throw new Error(`invalid Agenda table name ${JSON.stringify(table)}: use letters, digits and _ only`);
  }
  return table;
}

export function toMillis(value: unknown): number | null {
  if (value === undefined || value === null) return null;
  const ms = value instanceof Date ? value.getTime() : new Date(value as string | number).getTime();
  if (Number.isNaN(ms)) throw new Error(`invalid date ${String(value)} in an Agenda job`);
  return ms;
}

/** One JobParameters value → what SQLite stores for it. */
export function encodeField(kind: FieldKind, value: unknown): SqlValue {
  switch (kind) {
    case 'date':
      return toMillis(value);
    case 'bool':
      return value ? 1 : 0;
    case 'json':
      return value === undefined ? null : JSON.stringify(value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? value : null;
    case 'interval':
      return typeof value === 'number' || typeof value === 'string' ? value : null;
    case 'text':
      return typeof value === 'string' ? value : null;
  }
}

function decodeField(kind: FieldKind, value: SqlValue): unknown {
  if (value === null) return kind === 'bool' ? false : undefined;
  switch (kind) {
    case 'date':
      return new Date(Number(value));
    case 'bool':
      return value === 1;
    case 'json':
      return JSON.parse(String(value)) as unknown;
    default:
      return value;
  }
}

/** Column values for a job, keyed by column name, ready for named parameters (`@next_run_at`). */
export function jobToColumns(job: Partial<JobParameters>): Record<string, SqlValue> {
  const columns: Record<string, SqlValue> = {};
  for (const field of FIELDS) columns[field.column] = encodeField(field.kind, job[field.key]);
  // Agenda's `create(name)` leaves data undefined; the column is NOT NULL so it is stored as JSON null.
  columns['data'] ??= 'null';
  columns['type'] ??= 'normal';
  columns['priority'] ??= 0;
  return columns;
}

export function rowToJob<DATA = unknown>(row: JobRow): JobParameters<DATA> {
  const job: Record<string, unknown> = { _id: toJobId(row.id) };
  for (const field of FIELDS) {
    const value = decodeField(field.kind, row[field.column] ?? null);
    if (value !== undefined) job[field.key] = value;
  }
  // Agenda treats an absent nextRunAt as "now" (Job constructor), so "never" must come back as null.
  job['nextRunAt'] ??= null;
  if (job['fork'] === false) delete job['fork'];
  if (job['type'] !== 'normal' && job['type'] !== 'single') {
    throw new Error(`Agenda job ${row.id} has an unknown type ${String(job['type'])}`);
  }
  return job as unknown as JobParameters<DATA>;
}

/** Column of a JobParameters key, for `unique` queries such as `{ name: 'x' }`; undefined when unknown. */
export function fieldOf(key: string): Field | undefined {
  return FIELDS.find((field) => field.key === key);
}

/**
 * PostgreSQL's `jsonb @>`: every key of `pattern` is in `doc` with a containing value; an array pattern
 * needs each of its elements in some element of `doc`; scalars compare exactly. Registered as an SQL
 * function so `data` filters stay one statement.
 */
export function jsonContains(doc: unknown, pattern: unknown): boolean {
  if (Array.isArray(pattern)) {
    return Array.isArray(doc) && pattern.every((wanted) => doc.some((item) => jsonContains(item, wanted)));
  }
  if (pattern !== null && typeof pattern === 'object') {
    if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return false;
    const record = doc as Record<string, unknown>;
    return Object.entries(pattern).every(
      ([key, wanted]) => Object.hasOwn(record, key) && jsonContains(record[key], wanted),
    );
  }
  return doc === pattern;
}
