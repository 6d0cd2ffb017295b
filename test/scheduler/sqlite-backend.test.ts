/**
 * The SQLite JobRepository, method by method, modelled on Agenda's shared repository suite (which is not
 * published). Locking and claiming are in sqlite-backend-locking.test.ts; Agenda itself running on the
 * backend is in sqlite-backend-agenda.test.ts.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { SqliteAgendaBackend, SqliteJobRepository } from '../../src/store/embedded/jobs/sqlite-backend.ts';
import { openSqlite, type SqliteDatabase } from '../../src/store/sqlite.ts';
import { claimWindow, jobInput, secondsAgo, secondsAhead } from './agenda-helpers.ts';

let db: SqliteDatabase;
let repo: SqliteJobRepository;

beforeEach(async () => {
  db = openSqlite(':memory:');
  repo = new SqliteJobRepository({ db });
  await repo.connect();
});
afterEach(() => db.close());

describe('saveJob', () => {
  it('inserts a job with an id and returns every field as it was given', async () => {
    const start = new Date('2026-01-01T00:00:00Z');
    const saved = await repo.saveJob(
      jobInput({ priority: 10, data: { connection: 'stripe', n: [1, 2] }, repeatInterval: 300000 }),
      undefined,
    );
    await repo.saveJob(
      jobInput({
        name: 'cron',
        repeatInterval: '0 2 * * *',
        repeatTimezone: 'Europe/Berlin',
        startDate: start,
      }),
      undefined,
    );
    assert.match(String(saved._id), /^[0-9a-f-]{36}$/);
    assert.deepEqual(saved.data, { connection: 'stripe', n: [1, 2] });
    assert.equal(saved.priority, 10);
    assert.equal(saved.repeatInterval, 300000, 'a numeric interval stays a number');
    const cron = (await repo.queryJobs({ name: 'cron' })).jobs[0];
    assert.equal(cron?.repeatInterval, '0 2 * * *');
    assert.equal(cron?.repeatTimezone, 'Europe/Berlin');
    assert.deepEqual(cron?.startDate, start);
    assert.ok(cron?.nextRunAt instanceof Date);
  });

  it('updates a job by id and keeps the processor fields a user save leaves out', async () => {
    const saved = await repo.saveJob(jobInput({ data: { v: 1 } }), undefined);
    await repo.saveJobState({ ...saved, failCount: 2, failReason: 'boom', lastRunAt: new Date() }, undefined);
    const updated = await repo.saveJob({ ...saved, priority: 20, data: { v: 2 } }, { lastModifiedBy: 'me' });
    assert.equal(updated._id, saved._id);
    assert.equal(updated.priority, 20);
    assert.deepEqual(updated.data, { v: 2 });
    assert.equal(updated.failCount, 2);
    assert.equal(updated.failReason, 'boom');
    assert.equal(updated.lastModifiedBy, 'me');
  });

  it('hands back the input when updating a job that was removed', async () => {
    const saved = await repo.saveJob(jobInput(), undefined);
    await repo.removeJobs({ id: saved._id! });
    assert.deepEqual(await repo.saveJob({ ...saved, priority: 3 }, undefined), { ...saved, priority: 3 });
  });

  it('keeps one single-type job per name and updates it in place', async () => {
    const first = await repo.saveJob(jobInput({ type: 'single', nextRunAt: secondsAhead(60) }), undefined);
    const later = secondsAhead(120);
    const second = await repo.saveJob(
      jobInput({ type: 'single', priority: 10, nextRunAt: later, data: { run: 2 } }),
      undefined,
    );
    assert.equal(second._id, first._id);
    assert.equal(second.priority, 10);
    assert.deepEqual(second.data, { run: 2 });
    assert.deepEqual(second.nextRunAt, later, 'a future nextRunAt replaces the stored one');
    assert.equal((await repo.queryJobs({ name: 'test-job' })).total, 1);
  });

  it('does not let a due single-type save move the stored nextRunAt (restarts call every() again)', async () => {
    const stored = secondsAhead(600);
    await repo.saveJob(jobInput({ type: 'single', nextRunAt: stored }), undefined);
    const again = await repo.saveJob(jobInput({ type: 'single', nextRunAt: secondsAgo(1) }), undefined);
    assert.deepEqual(again.nextRunAt, stored);
  });

  it('honours unique: insertOnly returns the existing job, otherwise it is updated', async () => {
    const unique = { 'data.connection': 'stripe' };
    const a = await repo.saveJob(jobInput({ data: { connection: 'stripe', v: 1 }, unique }), undefined);
    const b = await repo.saveJob(
      jobInput({ data: { connection: 'stripe', v: 2 }, unique, uniqueOpts: { insertOnly: true } }),
      undefined,
    );
    assert.equal(b._id, a._id);
    assert.deepEqual(b.data, { connection: 'stripe', v: 1 });
    const c = await repo.saveJob(jobInput({ data: { connection: 'stripe', v: 3 }, unique }), undefined);
    assert.equal(c._id, a._id);
    assert.deepEqual(c.data, { connection: 'stripe', v: 3 });
    await repo.saveJob(
      jobInput({ data: { connection: 'plaid' }, unique: { 'data.connection': 'plaid' } }),
      undefined,
    );
    assert.equal((await repo.queryJobs()).total, 2);
  });

  it('debounces unique saves: each save pushes the run to delay after now', async () => {
    const opts = { unique: { 'data.k': 1 }, uniqueOpts: { debounce: { delay: 60_000 } } };
    const first = await repo.saveJob(jobInput({ data: { k: 1 }, ...opts }), undefined);
    assert.ok(first.nextRunAt!.getTime() > Date.now() + 59_000);
    assert.ok(first.debounceStartedAt instanceof Date);
    const second = await repo.saveJob(jobInput({ data: { k: 1, more: true }, ...opts }), undefined);
    assert.equal(second._id, first._id);
    assert.deepEqual(second.debounceStartedAt, first.debounceStartedAt);
    assert.ok(second.nextRunAt!.getTime() >= first.nextRunAt!.getTime());
  });

  it('refuses a unique key that is not a job field (it would be spliced into SQL)', async () => {
    await assert.rejects(
      repo.saveJob(jobInput({ unique: { 'name; DROP TABLE agenda_jobs': 1 } }), undefined),
      /neither a job field/,
    );
  });
});

describe('getJobById, queryJobs, getJobsOverview, getDistinctJobNames, getQueueSize', () => {
  beforeEach(async () => {
    await repo.saveJob(
      jobInput({ name: 'job-a', priority: 10, nextRunAt: secondsAhead(60), data: { t: 'a', n: 1 } }),
      undefined,
    );
    await repo.saveJob(
      jobInput({ name: 'job-b', priority: 5, nextRunAt: secondsAhead(120), data: { t: 'b', n: 2 } }),
      undefined,
    );
    await repo.saveJob(
      jobInput({ name: 'job-a', priority: 15, nextRunAt: secondsAgo(60), data: { t: 'a', n: 3 } }),
      undefined,
    );
  });

  it('finds a job by id, and null once it is gone', async () => {
    const [job] = (await repo.queryJobs({ name: 'job-b' })).jobs;
    assert.equal((await repo.getJobById(String(job?._id)))?.name, 'job-b');
    await repo.removeJobs({ id: job!._id });
    assert.equal(await repo.getJobById(String(job?._id)), null);
  });

  it('filters by name, names, id, ids, search and data', async () => {
    assert.equal((await repo.queryJobs()).total, 3);
    assert.equal((await repo.queryJobs({ name: 'job-a' })).total, 2);
    assert.equal((await repo.queryJobs({ names: ['job-a', 'job-b'] })).total, 3);
    assert.equal((await repo.queryJobs({ search: '-B' })).total, 1, 'search is case-insensitive');
    assert.equal((await repo.queryJobs({ search: '%' })).total, 0, 'wildcards in the search are literal');
    assert.equal((await repo.queryJobs({ data: { t: 'a' } })).total, 2);
    assert.equal((await repo.queryJobs({ data: { t: 'a', n: 3 } })).total, 1);
    const ids = (await repo.queryJobs({ name: 'job-a' })).jobs.map((job) => String(job._id));
    assert.equal((await repo.queryJobs({ id: ids[0] })).total, 1);
    assert.equal((await repo.queryJobs({ ids })).total, 2);
  });

  it('sorts, paginates after filtering, and hides disabled jobs on request', async () => {
    const byPriority = await repo.queryJobs({ sort: { priority: 'desc' }, skip: 1, limit: 1 });
    assert.equal(byPriority.total, 3);
    assert.deepEqual(
      byPriority.jobs.map((job) => job.priority),
      [10],
    );
    await repo.disableJobs({ name: 'job-b' });
    assert.equal((await repo.queryJobs({ includeDisabled: false })).total, 2);
    assert.equal((await repo.queryJobs({ state: 'paused' })).total, 1);
  });

  it('computes states for filters and the overview', async () => {
    assert.equal((await repo.queryJobs({ state: 'scheduled' })).total, 2);
    assert.equal((await repo.queryJobs({ state: 'queued' })).total, 1);
    await repo.saveJob(jobInput({ name: 'job-c', nextRunAt: null, lastFinishedAt: new Date() }), undefined);
    await repo.saveJob(jobInput({ name: 'job-c', failedAt: new Date(), failReason: 'x' }), undefined);
    const overview = await repo.getJobsOverview();
    assert.deepEqual(
      overview.map((o) => [o.name, o.total, o.scheduled, o.queued, o.completed, o.failed]),
      [
        ['job-a', 2, 1, 1, 0, 0],
        ['job-b', 1, 1, 0, 0, 0],
        ['job-c', 2, 0, 0, 1, 1],
      ],
    );
  });

  it('lists distinct names and counts due jobs', async () => {
    assert.deepEqual(await repo.getDistinctJobNames(), ['job-a', 'job-b']);
    assert.equal(await repo.getQueueSize(), 1);
  });
});

describe('removeJobs, disableJobs, enableJobs, purgeAllJobs', () => {
  it('removes by name, names, notNames, ids and data, and nothing without a criterion', async () => {
    for (const name of ['a', 'a', 'b', 'c', 'd'])
      await repo.saveJob(jobInput({ name, data: { name } }), undefined);
    assert.equal(await repo.removeJobs({}), 0);
    assert.equal(await repo.removeJobs({ ids: [] }), 0);
    assert.equal(await repo.removeJobs({ name: 'a' }), 2);
    assert.equal(await repo.removeJobs({ data: { name: 'b' } }), 1);
    const [c] = (await repo.queryJobs({ name: 'c' })).jobs;
    assert.equal(await repo.removeJobs({ ids: [c!._id] }), 1);
    await repo.saveJob(jobInput({ name: 'e' }), undefined);
    assert.equal(await repo.removeJobs({ notNames: ['e'] }), 1);
    assert.deepEqual(await repo.getDistinctJobNames(), ['e']);
    assert.equal(await repo.purgeAllJobs(), 1);
  });

  it('disables and enables matching jobs and reports how many', async () => {
    await repo.saveJob(jobInput({ name: 'x' }), undefined);
    await repo.saveJob(jobInput({ name: 'y' }), undefined);
    assert.equal(await repo.disableJobs({ names: ['x', 'y'] }), 2);
    assert.equal(await repo.getNextJobToRun('x', ...claimWindow()), undefined);
    assert.equal(await repo.enableJobs({ name: 'x' }), 1);
    assert.equal((await repo.getNextJobToRun('x', ...claimWindow()))?.name, 'x');
  });
});

describe('saveJobState', () => {
  it('writes run state, clears the lock, and fails loudly for a job that is gone', async () => {
    const saved = await repo.saveJob(jobInput({ nextRunAt: secondsAgo(1) }), undefined);
    const locked = await repo.lockJob(saved, undefined);
    const now = new Date();
    await repo.saveJobState(
      { ...locked!, lockedAt: undefined, lastRunAt: now, lastFinishedAt: now, progress: 50, failCount: 1 },
      undefined,
    );
    const stored = await repo.getJobById(String(saved._id));
    assert.equal(stored?.lockedAt, undefined);
    assert.deepEqual([stored?.lastRunAt, stored?.progress, stored?.failCount], [now, 50, 1]);
    await repo.removeJobs({ id: saved._id! });
    await assert.rejects(repo.saveJobState(saved, undefined), /cannot be updated/);
  });
});

describe('schema', () => {
  it('creates its table lazily in a custom table and rejects names that are not identifiers', async () => {
    const backend = new SqliteAgendaBackend({ db, tableName: 'finsync_jobs' });
    await backend.repository.saveJob(jobInput(), undefined);
    const tables = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).all();
    assert.deepEqual(tables, [{ name: 'agenda_jobs' }, { name: 'finsync_jobs' }]);
    assert.equal(backend.ownsConnection, false);
    assert.throws(
      () => new SqliteJobRepository({ db, tableName: 'x"; DROP TABLE y' }),
      /invalid Agenda table/,
    );
  });
});
