/** A real Agenda 6 running on the SQLite backend: what finsync's scheduler relies on. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Agenda, Job } from 'agenda';
import { openSqlite, type SqliteDatabase } from '../../src/store/sqlite.ts';
import { sleep, tempDir, testAgenda, waitFor } from './agenda-helpers.ts';

let tmp: ReturnType<typeof tempDir>;
let db: SqliteDatabase;
let agendas: Agenda[] = [];
let extraDbs: SqliteDatabase[] = [];

function start(handle = db, name = 'test'): Agenda {
  const agenda = testAgenda(handle, name);
  agendas.push(agenda);
  return agenda;
}

beforeEach(() => {
  tmp = tempDir();
  db = openSqlite(tmp.file('finsync.db'));
});

afterEach(async () => {
  await Promise.all(agendas.map((agenda) => agenda.stop()));
  for (const handle of [db, ...extraDbs]) if (handle.open) handle.close();
  agendas = [];
  extraDbs = [];
  tmp.cleanup();
});

describe('Agenda on the SQLite backend', () => {
  it('runs a job created with now() once, and records it as completed', async () => {
    const agenda = start();
    const runs: unknown[] = [];
    agenda.define('sync', async (job: Job<{ connection: string }>) => {
      runs.push(job.attrs.data);
    });
    await agenda.start();
    const job = await agenda.now('sync', { connection: 'stripe' });
    await waitFor('the run', () => runs.length === 1);
    await sleep(200); // four more polls: nothing may run it again
    assert.deepEqual(runs, [{ connection: 'stripe' }]);
    await waitFor('completion', async () => (await agenda.queryJobs({ state: 'completed' })).total === 1);
    const [stored] = (await agenda.queryJobs({ id: String(job.attrs._id) })).jobs;
    assert.equal(stored?.nextRunAt, null);
    assert.ok(stored?.lastFinishedAt && stored.lastRunAt && stored.lastFinishedAt >= stored.lastRunAt);
  });

  it('runs a scheduled job at its time, not before', async () => {
    const agenda = start();
    let ranAt = 0;
    agenda.define('later', async () => {
      ranAt = Date.now();
    });
    await agenda.start();
    const when = new Date(Date.now() + 300);
    await agenda.schedule(when, 'later');
    await waitFor('the scheduled run', () => ranAt > 0);
    assert.ok(ranAt >= when.getTime(), `ran ${when.getTime() - ranAt} ms early`);
  });

  it('repeats every() with an interval as one job, recomputing nextRunAt from each run', async () => {
    const agenda = start();
    let runs = 0;
    agenda.define('tick', async () => {
      runs++;
    });
    await agenda.start();
    await agenda.every(100, 'tick');
    await agenda.every(100, 'tick'); // a restart calls every() again: still one job
    await waitFor('three runs', () => runs >= 3);
    const { jobs } = await agenda.queryJobs({ name: 'tick' });
    assert.equal(jobs.length, 1);
    assert.equal(jobs[0]?.type, 'single');
    assert.equal(jobs[0]?.repeatInterval, 100);
  });

  it('repeats every() with a cron expression in a timezone', async () => {
    const agenda = start();
    const runs: number[] = [];
    agenda.define('cron', async () => {
      runs.push(Date.now());
    });
    await agenda.start();
    // A seconds field keeps the test short; finsync's own grammar only allows 5-field expressions.
    await agenda.every('* * * * * *', 'cron', undefined, {
      timezone: 'America/New_York',
      skipImmediate: true,
    });
    await waitFor('a cron run', () => runs.length >= 1, 2500);
    const [job] = (await agenda.queryJobs({ name: 'cron' })).jobs;
    assert.equal(job?.repeatTimezone, 'America/New_York');
    assert.equal(job?.repeatInterval, '* * * * * *');
    await waitFor('the next run to be stored', async () => {
      const [stored] = (await agenda.queryJobs({ name: 'cron' })).jobs;
      return stored?.nextRunAt?.getMilliseconds() === 0 && stored.nextRunAt > new Date(runs[0] ?? 0);
    });
  });

  it('records failures with failReason and a growing failCount', async () => {
    const agenda = start();
    agenda.define('flaky', async () => {
      throw new Error('Stripe said 503');
    });
    let fails = 0;
    agenda.on('fail', () => fails++);
    await agenda.start();
    await agenda.every(100, 'flaky');
    await waitFor('two failures', () => fails >= 2);
    await waitFor('the second failure stored', async () => {
      const [job] = (await agenda.queryJobs({ name: 'flaky' })).jobs;
      return (job?.failCount ?? 0) >= 2 && job?.lockedAt === undefined;
    });
    const [job] = (await agenda.queryJobs({ name: 'flaky', state: 'failed' })).jobs;
    assert.equal(job?.failReason, 'Stripe said 503');
    assert.ok(job?.failedAt instanceof Date);
  });

  it('keeps jobs across closing and reopening the database file', async () => {
    const first = start();
    first.define('nightly', async () => {});
    await first.every('0 2 * * *', 'nightly', { connection: 'stripe' }, { timezone: 'Europe/Berlin' });
    const due = await first.schedule(new Date(Date.now() + 150), 'nightly-once');
    await first.stop();
    db.close();

    db = openSqlite(tmp.file('finsync.db'));
    const second = start(db);
    let ran = false;
    second.define('nightly-once', async () => {
      ran = true;
    });
    await second.start();
    await waitFor('the job scheduled before the restart', () => ran);
    const [nightly] = (await second.queryJobs({ name: 'nightly' })).jobs;
    assert.deepEqual(nightly?.data, { connection: 'stripe' });
    assert.equal(nightly?.repeatTimezone, 'Europe/Berlin');
    assert.equal((await second.queryJobs({ id: String(due.attrs._id) })).total, 1);
  });

  it('runs a one-off job exactly once with two Agenda instances on one file', async () => {
    const other = openSqlite(tmp.file('finsync.db'));
    extraDbs.push(other);
    const runs: string[] = [];
    const [a, b] = [start(db, 'worker-a'), start(other, 'worker-b')];
    for (const [agenda, name] of [
      [a, 'worker-a'],
      [b, 'worker-b'],
    ] as const) {
      agenda.define('sync', async (job: Job<{ n: number }>) => {
        runs.push(`${job.attrs.data.n}@${name}`);
        await sleep(20); // long enough for the other instance to poll while it runs
      });
    }
    await Promise.all([a.start(), b.start()]);
    for (let n = 0; n < 10; n++) await (n % 2 ? a : b).now('sync', { n });
    await waitFor('ten runs', () => runs.length >= 10);
    await sleep(250);
    const counts = new Map<string, number>();
    for (const run of runs) counts.set(run.split('@')[0]!, (counts.get(run.split('@')[0]!) ?? 0) + 1);
    assert.equal(runs.length, 10, `runs: ${runs.join(', ')}`);
    assert.deepEqual([...counts.values()], Array(10).fill(1));
  });

  it('lets the process exit after agenda.stop() (no timer left behind)', async () => {
    const script = fileURLToPath(new URL('./fixtures/agenda-exit.ts', import.meta.url));
    const startedAt = Date.now();
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', script, tmp.file('exit.db')],
      {
        timeout: 4000,
      },
    );
    const lingered = Number(/exited (\d+) ms after stop/.exec(stdout)?.[1]);
    // Agenda's keep-alive timer for the job that ran (half the 1 s lock lifetime) is the only thing left.
    assert.ok(lingered <= 1000, `the process lingered ${lingered} ms after stop()`);
    assert.ok(Date.now() - startedAt < 4000);
  });
});
