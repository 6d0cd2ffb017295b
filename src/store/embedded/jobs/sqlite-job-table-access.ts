/**
 * Low-level access to the jobs table shared by the repository and its save logic: lazy schema creation,
 * a prepared-statement cache, IMMEDIATE transactions, and the WHERE/ORDER BY pieces Agenda's filters need.
 */

import type { JobsSort, RemoveJobsOptions } from 'agenda';
import type Database from 'better-sqlite3';
import type { SqliteDatabase } from '../../sqlite.ts';
import {
  assertTableName,
  createTableSql,
  type JobRow,
  jsonContains,
  type SqlValue,
} from './sqlite-jobs-table.ts';

export type Params = Record<string, SqlValue>;
type Statement = Database.Statement<[Params?]>;

/** SQL function behind `data` filters (PostgreSQL's `@>`); registered on the connection we are given. */
const CONTAINS = 'agenda_json_contains';

export class JobTable {
  readonly name: string;
  /** The quoted table name, ready to splice into SQL (validated by assertTableName). */
  readonly sql: string;
  private readonly statements = new Map<string, Statement>();
  private schemaReady = false;

  constructor(
    private readonly db: SqliteDatabase,
    tableName: string,
  ) {
    this.name = assertTableName(tableName);
    this.sql = `"${this.name}"`;
    db.function(CONTAINS, { deterministic: true }, (doc: unknown, pattern: unknown) =>
      jsonContains(parseJson(doc), parseJson(pattern)) ? 1 : 0,
    );
  }

  /**
   * Creates the table and indexes once. Lazily too, so a repository method called before connect() works;
   * IMMEDIATE so two processes starting together serialize instead of racing.
   */
  ensureSchema(): void {
    if (this.schemaReady) return;
    this.db
      .transaction(() => {
        for (const sql of createTableSql(this.name)) this.db.exec(sql);
      })
      .immediate();
    this.schemaReady = true;
  }

  /** Runs `work` holding SQLite's write lock from its first read (BEGIN IMMEDIATE). */
  tx<T>(work: () => T): T {
    this.ensureSchema();
    return this.db.transaction(work).immediate();
  }

  stmt(sql: string): Statement {
    this.ensureSchema();
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare<[Params?]>(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  one(sql: string, params: Params = {}): JobRow | undefined {
    return this.stmt(sql).get(params) as JobRow | undefined;
  }

  all(sql: string, params: Params = {}): JobRow[] {
    return this.stmt(sql).all(params) as JobRow[];
  }

  /** The first column of every row, for `SELECT DISTINCT name` and `SELECT count(*)`. */
  column(sql: string, params: Params = {}): SqlValue[] {
    return (this.stmt(sql).all(params) as Record<string, SqlValue>[]).map(
      (row) => Object.values(row)[0] ?? null,
    );
  }

  run(sql: string, params: Params = {}): number {
    return this.stmt(sql).run(params).changes;
  }
}

export interface Filter {
  where: string[];
  params: Params;
}

/** RemoveJobsOptions as the Postgres backend reads them; null when there is no criterion at all. */
export function filterFor(options: RemoveJobsOptions): Filter | null {
  const filter: Filter = { where: [], params: {} };
  if (options.id) addEquals(filter, 'id', String(options.id));
  else if (options.ids?.length) addIn(filter, 'id', options.ids);
  if (options.name) addEquals(filter, 'name', options.name);
  else if (options.names?.length) addIn(filter, 'name', options.names);
  else if (options.notNames?.length) {
    filter.where.push(`name NOT IN (SELECT value FROM json_each(@notNames))`);
    filter.params['notNames'] = JSON.stringify(options.notNames);
  }
  if (options.data !== undefined) addContains(filter, options.data);
  return filter.where.length > 0 ? filter : null;
}

export function addEquals(filter: Filter, column: 'id' | 'name', value: string): void {
  filter.where.push(`${column} = @${column}`);
  filter.params[column] = value;
}

/** Binds a list as one JSON array parameter, so the statement text does not change with the list's length. */
export function addIn(filter: Filter, column: 'id' | 'name', values: readonly unknown[]): void {
  filter.where.push(`${column} IN (SELECT value FROM json_each(@${column}s))`);
  filter.params[`${column}s`] = JSON.stringify(values.map(String));
}

export function addContains(filter: Filter, data: unknown): void {
  filter.where.push(`${CONTAINS}(data, @data)`);
  filter.params['data'] = JSON.stringify(data);
}

export function whereClause(filter: Filter): string {
  return filter.where.length > 0 ? `WHERE ${filter.where.join(' AND ')}` : '';
}

const SORT_COLUMNS: Record<Exclude<keyof JobsSort, 'data'>, string> = {
  nextRunAt: 'next_run_at',
  lastRunAt: 'last_run_at',
  lastFinishedAt: 'last_finished_at',
  priority: 'priority',
  name: 'name',
};

/**
 * ORDER BY for queryJobs: Postgres' default (latest first) and column order; `data` is not sortable there
 * either. The trailing rowid makes equal keys come back in insertion order instead of whatever SQLite picks.
 */
export function orderBy(sort: JobsSort | undefined): string {
  const parts = Object.entries(SORT_COLUMNS).flatMap(([key, column]) => {
    const direction = sort?.[key as keyof typeof SORT_COLUMNS];
    return direction ? [`${column} ${direction === 'asc' ? 'ASC' : 'DESC'} NULLS LAST`] : [];
  });
  if (parts.length === 0) parts.push('next_run_at DESC NULLS LAST', 'last_run_at DESC NULLS LAST');
  return [...parts, 'rowid ASC'].join(', ');
}

function parseJson(text: unknown): unknown {
  return typeof text === 'string' ? (JSON.parse(text) as unknown) : null;
}
