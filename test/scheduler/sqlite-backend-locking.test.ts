/**
 * Locking and claiming in the SQLite JobRepository: what makes several Agenda instances (connections,
 * processes) on one database file safe.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { SqliteJobRepository } from '../../src/store/embedded/jobs/sqlite-backend.ts';
import { openSqlite, type SqliteDatabase } from '../../src/store/sqlite.ts';
import { claimWindow, jobInput, secondsAgo, secondsAhead, tempDir } from './agenda-helpers.ts';

let db: SqliteDatabase;
let repo: SqliteJobRepository;

beforeEach(async () => {
  db = openSqlite(':memory:');
  repo = new SqliteJobRepository({ db });
  await repo.connect();
});
afterEach(() => db.close());

describe('locking', () => {
  it('locks a due job once; a second lock with the same snapshot fails', async () => {
    const saved = await repo.saveJob(jobInput({ nextRunAt: secondsAgo(1) }), undefined);
    const locked = await repo.lockJob(saved, undefined);
    assert.ok(locked?.lockedAt instanceof Date);
    assert.equal(await repo.lockJob(saved, undefined), undefined);
  });

  it('does not lock a job whose nextRunAt changed since it was read', async () => {
    const saved = await repo.saveJob(jobInput({ nextRunAt: secondsAgo(1) }), undefined);
    assert.equal(await repo.lockJob({ ...saved, nextRunAt: secondsAgo(2) }, undefined), undefined);
  });

  it('unlocks one job (unless it is a one-off being processed) and many', async () => {
    const a = await repo.saveJob(jobInput({ nextRunAt: secondsAgo(1) }), undefined);
    const b = await repo.saveJob(jobInput({ nextRunAt: secondsAgo(1) }), undefined);
    const lockedA = await repo.lockJob(a, undefined);
    await repo.lockJob(b, undefined);
    await repo.saveJobState({ ...lockedA!, nextRunAt: null }, undefined);
    await repo.unlockJob(lockedA!);
    assert.ok((await repo.getJobById(String(a._id)))?.lockedAt, 'a running one-off keeps its lock');
    await repo.unlockJobs([a._id!, b._id!]);
    assert.equal((await repo.getJobById(String(a._id)))?.lockedAt, undefined);
    assert.equal((await repo.getJobById(String(b._id)))?.lockedAt, undefined);
  });
});

describe('getNextJobToRun', () => {
  it('claims the earliest due job, highest priority first, and locks it', async () => {
    const same = secondsAgo(60);
    await repo.saveJob(jobInput({ priority: 5, nextRunAt: same, data: { p: 'low' } }), undefined);
    await repo.saveJob(jobInput({ priority: 10, nextRunAt: same, data: { p: 'high' } }), undefined);
    const next = await repo.getNextJobToRun('test-job', ...claimWindow());
    assert.deepEqual(next?.data, { p: 'high' });
    assert.ok(next?.lockedAt instanceof Date);
    assert.deepEqual((await repo.getNextJobToRun('test-job', ...claimWindow()))?.data, { p: 'low' });
    assert.equal(await repo.getNextJobToRun('test-job', ...claimWindow()), undefined, 'both are locked now');
  });

  it('takes a job due before the next scan but not later ones', async () => {
    await repo.saveJob(jobInput({ nextRunAt: secondsAhead(3) }), undefined);
    await repo.saveJob(jobInput({ name: 'later', nextRunAt: secondsAhead(60) }), undefined);
    assert.ok(await repo.getNextJobToRun('test-job', ...claimWindow()));
    assert.equal(await repo.getNextJobToRun('later', ...claimWindow()), undefined);
  });

  it('reclaims a job whose lock is older than the lock deadline, not a fresh one', async () => {
    const saved = await repo.saveJob(jobInput({ nextRunAt: secondsAgo(60) }), undefined);
    await repo.saveJobState({ ...saved, lockedAt: secondsAgo(30) }, undefined);
    assert.equal(
      await repo.getNextJobToRun('test-job', secondsAhead(5), secondsAgo(60), undefined, undefined),
      undefined,
    );
    const reclaimed = await repo.getNextJobToRun('test-job', secondsAhead(5), secondsAgo(10), undefined, {
      lastModifiedBy: 'worker-2',
    });
    assert.equal(reclaimed?._id, saved._id);
    assert.equal(reclaimed?.lastModifiedBy, 'worker-2');
  });

  it('never hands one job to two connections on the same file', async () => {
    const tmp = tempDir();
    const [db1, db2] = [openSqlite(tmp.file('jobs.db')), openSqlite(tmp.file('jobs.db'))];
    try {
      const [r1, r2] = [new SqliteJobRepository({ db: db1 }), new SqliteJobRepository({ db: db2 })];
      for (let i = 0; i < 40; i++)
        await r1.saveJob(jobInput({ nextRunAt: secondsAgo(1), data: { i } }), undefined);
      const claims = await Promise.all(
        Array.from({ length: 50 }, (_, i) => (i % 2 ? r1 : r2).getNextJobToRun('test-job', ...claimWindow())),
      );
      const ids = claims.filter((job) => job !== undefined).map((job) => String(job._id));
      assert.equal(ids.length, 40);
      assert.equal(new Set(ids).size, 40);
    } finally {
      db1.close();
      db2.close();
      tmp.cleanup();
    }
  });
  it('never hands one job to two processes racing on the same file (BEGIN IMMEDIATE)', async () => {
    const tmp = tempDir();
    const file = tmp.file('race.db');
    const setup = openSqlite(file);
    const jobs = 3000;
    try {
      const seed = new SqliteJobRepository({ db: setup });
      setup.exec('CREATE TABLE ready (worker TEXT)');
      setup.transaction(() => {
        for (let i = 0; i < jobs; i++)
          seed.saveJob(jobInput({ name: 'race', nextRunAt: secondsAgo(1) }), undefined);
      })();
      const worker = fileURLToPath(new URL('./fixtures/claim-worker.ts', import.meta.url));
      const run = promisify(execFile);
      const outputs = await Promise.all(
        ['w1', 'w2', 'w3'].map((name) => run(process.execPath, ['--import', 'tsx', worker, file, name, '3'])),
      );
      const perWorker = outputs.map(({ stdout }) => JSON.parse(stdout) as string[]);
      const all = perWorker.flat();
      assert.equal(all.length, jobs, 'every job was claimed');
      assert.equal(new Set(all).size, jobs, 'and none twice');
      assert.ok(perWorker.filter((ids) => ids.length > 0).length >= 2, 'the workers really competed');
    } finally {
      setup.close();
      tmp.cleanup();
    }
  });
});
