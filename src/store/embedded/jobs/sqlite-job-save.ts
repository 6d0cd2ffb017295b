/**
 * `saveJob` for the SQLite repository: the four ways Agenda saves a job, as the Postgres backend does them.
 *  - with an `_id`: update that job (a job removed meanwhile is handed back unchanged);
 *  - type 'single' (`every()`): one job per name, upserted on the partial unique index;
 *  - with `unique` (and maybe insertOnly/debounce): find the matching job and update it, or insert;
 *  - otherwise: insert.
 */
import { randomUUID } from 'node:crypto';
import type { JobParameters, JobRepositoryOptions, UniqueOpts } from 'agenda';
import type { JobTable, Params } from './sqlite-job-table-access.ts';
import {
  encodeField,
  FIELDS,
  fieldOf,
  type JobRow,
  jobToColumns,
  PROCESSOR_FIELDS,
  type SqlValue,
} from './sqlite-jobs-table.ts';

const PROCESSOR_COLUMNS = FIELDS.filter((field) => PROCESSOR_FIELDS.has(field.key)).map(
  (field) => field.column,
);
const INSERT_COLUMNS = [...FIELDS.map((field) => field.column), 'id', 'created_at', 'updated_at'];

export function saveJobRow(table: JobTable, job: JobParameters, options: JobRepositoryOptions | undefined) {
  const now = Date.now();
  const columns: Params = { ...jobToColumns(job), last_modified_by: options?.lastModifiedBy || null, now };
  if (job._id) return updateById(table, String(job._id), job, columns);
  if (job.type === 'single') return upsertSingle(table, columns, job.nextRunAt, now);
  const unique = job.unique;
  if (unique) return table.tx(() => saveUnique(table, job.name, unique, job.uniqueOpts, columns, now));
  return insert(table, columns, now);
}

function updateById(table: JobTable, id: string, job: JobParameters, columns: Params): JobRow | undefined {
  // A user save() leaves out the processor's fields (Job.toJson(true)); keep the stored ones unless given.
  const set = FIELDS.filter(
    (field) =>
      field.key !== 'debounceStartedAt' && (!PROCESSOR_FIELDS.has(field.key) || job[field.key] !== undefined),
  ).map((field) => `${field.column} = @${field.column}`);
  return table.one(
    `UPDATE ${table.sql} SET ${set.join(', ')}, updated_at = @now WHERE id = @id AND name = @name RETURNING *`,
    { ...columns, id },
  );
}

function insert(table: JobTable, columns: Params, now: number): JobRow {
  const row = table.one(
    `INSERT INTO ${table.sql} (${INSERT_COLUMNS.join(', ')})
     VALUES (${INSERT_COLUMNS.map((column) => `@${column}`).join(', ')}) RETURNING *`,
    { ...columns, id: randomUUID(), created_at: now, updated_at: now },
  );
  if (!row) throw new Error(`inserting an Agenda job into ${table.name} returned nothing`);
  return row;
}

/**
 * `every()`: one job per name, atomically (ON CONFLICT on the partial unique index). The definition is
 * replaced; the run state is kept. A nextRunAt that is already due does not replace a stored one: every
 * process calls `every()` at start-up, and that must not pull the next run forward or re-run a job.
 */
function upsertSingle(table: JobTable, columns: Params, nextRunAt: Date | null, now: number): JobRow {
  const kept = new Set(['name', 'type', 'next_run_at', 'debounce_started_at', ...PROCESSOR_COLUMNS]);
  const updates = FIELDS.filter((field) => !kept.has(field.column)).map(
    (field) => `${field.column} = excluded.${field.column}`,
  );
  const row = table.one(
    `INSERT INTO ${table.sql} (${INSERT_COLUMNS.join(', ')})
     VALUES (${INSERT_COLUMNS.map((column) => `@${column}`).join(', ')})
     ON CONFLICT (name) WHERE type = 'single' DO UPDATE SET ${updates.join(', ')},
       next_run_at = CASE WHEN @protect THEN coalesce(${table.sql}.next_run_at, excluded.next_run_at)
                          ELSE excluded.next_run_at END,
       updated_at = excluded.updated_at
     RETURNING *`,
    {
      ...columns,
      id: randomUUID(),
      created_at: now,
      updated_at: now,
      protect: nextRunAt && new Date(nextRunAt).getTime() <= now ? 1 : 0,
    },
  );
  if (!row) throw new Error(`upserting an Agenda job into ${table.name} returned nothing`);
  return row;
}

/** `job.unique(...)`; runs inside an IMMEDIATE transaction so two savers cannot both insert. */
function saveUnique(
  table: JobTable,
  name: string,
  unique: Record<string, unknown>,
  uniqueOpts: UniqueOpts | undefined,
  columns: Params,
  now: number,
): JobRow {
  const where = ['name = @u_name'];
  const params: Params = { u_name: name };
  Object.entries(unique).forEach(([key, value], i) => {
    if (key.startsWith('data.')) {
      where.push(`json_extract(data, @u${i}_path) IS @u${i}`);
      params[`u${i}_path`] = jsonPath(key.slice('data.'.length));
      params[`u${i}`] = jsonScalar(value);
      return;
    }
    // Only known fields: a key is spliced into SQL as a column name (the Postgres backend trusted it).
    const field = fieldOf(key);
    if (!field) throw new Error(`unique key ${JSON.stringify(key)} is neither a job field nor a data.* path`);
    where.push(`${field.column} IS @u${i}`);
    params[`u${i}`] = encodeField(field.kind, value);
  });
  const existing = table.one(`SELECT * FROM ${table.sql} WHERE ${where.join(' AND ')} LIMIT 1`, params);
  const debounce = uniqueOpts?.debounce;
  if (!existing) {
    if (!debounce) return insert(table, columns, now);
    const next = debounce.strategy === 'leading' ? (columns['next_run_at'] ?? null) : now + debounce.delay;
    return insert(table, { ...columns, next_run_at: next, debounce_started_at: now }, now);
  }
  if (uniqueOpts?.insertOnly && !debounce) return existing;

  let next: SqlValue = columns['next_run_at'] ?? null;
  let debounceStartedAt: number | null = null;
  if (debounce) {
    const stored = existing['debounce_started_at'];
    const started = typeof stored === 'number' ? stored : now;
    if (debounce.strategy === 'leading') {
      next = existing['next_run_at'] ?? null; // leading: the first save's run stands, only data changes
      debounceStartedAt = started;
    } else if (debounce.maxWait && now - started >= debounce.maxWait) {
      next = now; // waited long enough: run now and start a new window
    } else {
      next = now + debounce.delay;
      debounceStartedAt = started;
    }
  }
  const kept = new Set(['name', 'next_run_at', 'debounce_started_at', ...PROCESSOR_COLUMNS]);
  const set = FIELDS.filter((field) => !kept.has(field.column)).map((f) => `${f.column} = @${f.column}`);
  const row = table.one(
    `UPDATE ${table.sql} SET ${set.join(', ')}, next_run_at = @next, debounce_started_at = @dsa,
       updated_at = @now
     WHERE id = @id RETURNING *`,
    { ...columns, next, dsa: debounceStartedAt, id: existing.id },
  );
  return row ?? existing;
}

/** `data.a.b` → `$."a"."b"`: quoted keys, so dashes or spaces in a key are not JSON-path syntax. */
function jsonPath(path: string): string {
  const keys = path.split('.');
  if (keys.some((key) => key === '' || key.includes('"'))) {
    throw new Error(`unsupported unique key data.${path}`);
  }
  return `$${keys.map((key) => `."${key}"`).join('')}`;
}

/** What `json_extract` yields for a JSON value: booleans as 1/0, objects and arrays as their JSON text. */
function jsonScalar(value: unknown): SqlValue {
  if (value === undefined || value === null) return null;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'number' || typeof value === 'string') return value;
  return JSON.stringify(value);
}
