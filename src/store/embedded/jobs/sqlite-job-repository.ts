/**
 * Agenda 6's JobRepository on SQLite (better-sqlite3), with the semantics of @agendajs/postgres-backend.
 *
 * Why it is safe for several Agenda instances on one file: every read-then-write (claiming the next job,
 * locking one, a `unique` upsert) runs in a `BEGIN IMMEDIATE` transaction, which takes SQLite's single write
 * lock before reading. Another connection (in this process or another) waits on the busy timeout instead of
 * reading the same "unlocked" row; and in WAL mode a deferred transaction that read first could not upgrade
 * to a writer anyway (SQLITE_BUSY_SNAPSHOT, which the busy timeout does not retry). better-sqlite3 is
 * synchronous, so each transaction also runs to completion without yielding to other work in this process.
 */
import {
  computeJobState,
  type JobId,
  type JobParameters,
  type JobRepository,
  type JobRepositoryOptions,
  type JobsOverview,
  type JobsQueryOptions,
  type JobsResult,
  type JobWithState,
  type RemoveJobsOptions,
} from 'agenda';
import type { SqliteDatabase } from '../../sqlite.ts';
import { saveJobRow } from './sqlite-job-save.ts';
import {
  addContains,
  addEquals,
  addIn,
  type Filter,
  filterFor,
  JobTable,
  orderBy,
  whereClause,
} from './sqlite-job-table-access.ts';
import { encodeField, jobToColumns, rowToJob } from './sqlite-jobs-table.ts';

export interface SqliteJobRepositoryOptions {
  db: SqliteDatabase;
  tableName?: string;
}

/** Which due job a worker takes first: earliest, then highest priority, then oldest (Postgres' sort). */
const CLAIM_ORDER = 'next_run_at ASC NULLS LAST, priority DESC, rowid ASC';

export class SqliteJobRepository implements JobRepository {
  private readonly table: JobTable;

  constructor({ db, tableName = 'agenda_jobs' }: SqliteJobRepositoryOptions) {
    this.table = new JobTable(db, tableName);
  }

  get tableName(): string {
    return this.table.name;
  }

  async connect(): Promise<void> {
    this.table.ensureSchema();
  }

  async getJobById(id: string): Promise<JobParameters | null> {
    const row = this.table.one(`SELECT * FROM ${this.table.sql} WHERE id = @id`, { id: String(id) });
    return row ? rowToJob(row) : null;
  }

  async queryJobs(options: JobsQueryOptions = {}): Promise<JobsResult> {
    const { state, includeDisabled = true, skip = 0, limit = 0 } = options;
    const filter: Filter = { where: [], params: {} };
    if (options.name) addEquals(filter, 'name', options.name);
    else if (options.names?.length) addIn(filter, 'name', options.names);
    if (options.id) addEquals(filter, 'id', String(options.id));
    else if (options.ids?.length) addIn(filter, 'id', options.ids);
    if (options.search) {
      // Postgres uses ILIKE; SQLite's LIKE is case-insensitive for ASCII. Wildcards in the text are literal.
      filter.where.push(`name LIKE @search ESCAPE '\\'`);
      filter.params['search'] = `%${options.search.replace(/[\\%_]/g, '\\$&')}%`;
    }
    if (options.data !== undefined) addContains(filter, options.data);
    if (!includeDisabled) filter.where.push('disabled = 0');
    const sql = `SELECT * FROM ${this.table.sql} ${whereClause(filter)} ORDER BY ${orderBy(options.sort)}`;
    const now = new Date();
    const jobs: JobWithState[] = this.table
      .all(sql, filter.params)
      .map((row) => {
        const job = rowToJob(row);
        return { ...job, _id: job._id as JobId, state: computeJobState(job, now) };
      })
      // 'paused' is not a computed state (a disabled job still computes as e.g. 'repeating').
      .filter((job) => !state || (state === 'paused' ? job.disabled === true : job.state === state));
    // The state is computed, not stored, so pagination can only happen after filtering on it.
    const page = limit > 0 ? jobs.slice(skip, skip + limit) : jobs.slice(skip);
    return { jobs: page, total: jobs.length };
  }

  async getJobsOverview(): Promise<JobsOverview[]> {
    const now = new Date();
    const overviews = new Map<string, JobsOverview>();
    for (const row of this.table.all(`SELECT * FROM ${this.table.sql} ORDER BY name, rowid`)) {
      const job = rowToJob(row);
      let overview = overviews.get(job.name);
      if (!overview) {
        overview = {
          name: job.name,
          total: 0,
          running: 0,
          scheduled: 0,
          queued: 0,
          completed: 0,
          failed: 0,
          repeating: 0,
          paused: 0,
        };
        overviews.set(job.name, overview);
      }
      overview.total++;
      overview[computeJobState(job, now)]++;
      if (job.disabled === true) overview.paused++;
    }
    return [...overviews.values()];
  }

  async getDistinctJobNames(): Promise<string[]> {
    return this.table.column(`SELECT DISTINCT name FROM ${this.table.sql} ORDER BY name`).map(String);
  }

  async getQueueSize(): Promise<number> {
    const [count] = this.table.column(`SELECT count(*) FROM ${this.table.sql} WHERE next_run_at < @now`, {
      now: Date.now(),
    });
    return Number(count ?? 0);
  }

  async removeJobs(options: RemoveJobsOptions): Promise<number> {
    const filter = filterFor(options);
    if (!filter) return 0; // no criterion never means "everything": that is purgeAllJobs
    return this.table.run(`DELETE FROM ${this.table.sql} ${whereClause(filter)}`, filter.params);
  }

  async disableJobs(options: RemoveJobsOptions): Promise<number> {
    return this.setDisabled(options, true);
  }

  async enableJobs(options: RemoveJobsOptions): Promise<number> {
    return this.setDisabled(options, false);
  }

  async purgeAllJobs(): Promise<number> {
    return this.table.run(`DELETE FROM ${this.table.sql}`);
  }

  async unlockJob(job: JobParameters): Promise<void> {
    if (!job._id) return;
    // A job whose nextRunAt is null is a one-off being processed: its lock belongs to the runner.
    this.table.run(
      `UPDATE ${this.table.sql} SET locked_at = NULL WHERE id = @id AND next_run_at IS NOT NULL`,
      {
        id: String(job._id),
      },
    );
  }

  async unlockJobs(jobIds: (JobId | string)[]): Promise<void> {
    if (jobIds.length === 0) return;
    const filter: Filter = { where: [], params: {} };
    addIn(filter, 'id', jobIds);
    this.table.run(`UPDATE ${this.table.sql} SET locked_at = NULL ${whereClause(filter)}`, filter.params);
  }

  /** Locks this very job if it is still unlocked and still due when it was read (same nextRunAt). */
  async lockJob(
    job: JobParameters,
    options: JobRepositoryOptions | undefined,
  ): Promise<JobParameters | undefined> {
    if (!job._id) return undefined;
    const row = this.table.tx(() =>
      this.table.one(
        `UPDATE ${this.table.sql} SET locked_at = @now, last_modified_by = @by, updated_at = @now
         WHERE id = @id AND name = @name AND locked_at IS NULL AND next_run_at IS @next AND disabled = 0
         RETURNING *`,
        {
          now: Date.now(),
          by: options?.lastModifiedBy || null,
          id: String(job._id),
          name: job.name,
          next: encodeField('date', job.nextRunAt),
        },
      ),
    );
    return row ? rowToJob(row) : undefined;
  }

  /**
   * Claims one job of this name: due before the next scan and unlocked, or locked before `lockDeadline`
   * (its holder stopped touching it for a whole lock lifetime, so it is presumed dead). Find and lock are
   * one UPDATE inside BEGIN IMMEDIATE: two workers can never both get the same job.
   */
  async getNextJobToRun(
    jobName: string,
    nextScanAt: Date,
    lockDeadline: Date,
    now: Date | undefined,
    options: JobRepositoryOptions | undefined,
  ): Promise<JobParameters | undefined> {
    const lockedAt = (now ?? new Date()).getTime();
    const row = this.table.tx(() =>
      this.table.one(
        `UPDATE ${this.table.sql} SET locked_at = @lockedAt, last_modified_by = @by, updated_at = @lockedAt
         WHERE id = (
           SELECT id FROM ${this.table.sql}
           WHERE name = @name AND disabled = 0
             AND ((locked_at IS NULL AND next_run_at <= @scan) OR locked_at <= @deadline)
           ORDER BY ${CLAIM_ORDER} LIMIT 1
         )
         RETURNING *`,
        {
          lockedAt,
          by: options?.lastModifiedBy || null,
          name: jobName,
          scan: nextScanAt.getTime(),
          deadline: lockDeadline.getTime(),
        },
      ),
    );
    return row ? rowToJob(row) : undefined;
  }

  /** The processor's bookkeeping (lock, run times, failure, progress); throws if the job is gone. */
  async saveJobState(job: JobParameters, options: JobRepositoryOptions | undefined): Promise<void> {
    if (!job._id) throw new Error('Cannot save job state without job ID');
    const changes = this.table.run(
      `UPDATE ${this.table.sql} SET locked_at = @locked_at, next_run_at = @next_run_at,
         last_run_at = @last_run_at, progress = @progress, fail_reason = @fail_reason, fail_count = @fail_count,
         failed_at = @failed_at, last_finished_at = @last_finished_at, last_modified_by = @by, updated_at = @now
       WHERE id = @id AND name = @name`,
      { ...jobToColumns(job), id: String(job._id), by: options?.lastModifiedBy || null, now: Date.now() },
    );
    if (changes !== 1) {
      throw new Error(
        `job ${job._id} (name: ${job.name}) cannot be updated in the database, maybe it does not exist anymore?`,
      );
    }
  }

  async saveJob<DATA = unknown>(
    job: JobParameters<DATA>,
    options: JobRepositoryOptions | undefined,
  ): Promise<JobParameters<DATA>> {
    const row = saveJobRow(this.table, job, options);
    // No row: the job was removed meanwhile; hand back what we were given, as the Postgres backend does.
    return row ? rowToJob<DATA>(row) : job;
  }

  private setDisabled(options: RemoveJobsOptions, disabled: boolean): number {
    const filter = filterFor(options);
    if (!filter) return 0;
    return this.table.run(
      `UPDATE ${this.table.sql} SET disabled = @disabled, updated_at = @now ${whereClause(filter)}`,
      { ...filter.params, disabled: disabled ? 1 : 0, now: Date.now() },
    );
  }
}
