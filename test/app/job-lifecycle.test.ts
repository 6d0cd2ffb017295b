/**
 * The one job lifecycle (core.jobs) in the running app: a failure that is not "already running" is logged at
 * error level and recorded on a run (history, status and incidents see it); a conflict is answered at info;
 * a publish or a reporter that throws never hides the sync.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { EMULATOR_SECRET_KEY } from '../../connectors/stripe/emulator.ts';
import { StorageError } from '../../src/errors.ts';
import { sendSlashCommand } from '../../src/sandbox/slack-requests.ts';
import type { SyncJob } from '../../src/services/finsync.ts';
import type { SyncRun } from '../../src/store/types.ts';
import { ADMIN, connectPowerBi, connectStripe, type Harness, startHarness } from '../helpers/app-harness.ts';

let h: Harness;
let n = 0;

interface LogLine {
  readonly level: string;
  readonly message: string;
  readonly [key: string]: unknown;
}

/** The app's log lines so far, parsed. */
const logged = (): LogLine[] => h.logLines.map((line) => JSON.parse(line) as LogLine);

/** The store refuses the next run record `matching` asks for (a locked or full disk), then works again. */
function refuseNextRunRecord(matching: (run: SyncRun) => boolean, message: string): void {
  const store = h.app.store;
  const real = store.startRun.bind(store);
  store.startRun = async (run, lease) => {
    if (!matching(run)) return real(run, lease);
    // Back to the store's own method: only this one write fails.
    Reflect.deleteProperty(store, 'startRun');
    throw new StorageError('finsync.db', message);
  };
}

async function slash(text: string): Promise<{ id: string; answer: string }> {
  const id = `jobs${++n}`;
  await sendSlashCommand(h.target, { text, userId: ADMIN, responseUrl: h.slack.responseUrl(id) });
  return { id, answer: JSON.stringify((await h.slack.waitForResponse((r) => r.id === id)).body) };
}

const manualSync = (connection: string): SyncJob => ({
  connection,
  trigger: 'manual',
  triggeredBy: ADMIN,
  notify: { kind: 'none' },
});

describe('the job lifecycle', () => {
  before(async () => {
    h = await startHarness({ emulators: { stripe: { count: 60 } } });
    await connectStripe(h);
    await connectPowerBi(h.app.finsync);
  });
  after(async () => {
    await h.close();
  });

  test('a queued sync whose store write fails before its run is recorded: logged at error (redacted), answered, in /finsync history, and an open incident', async () => {
    // The store's error names a credential: neither the log nor the run may repeat it.
    refuseNextRunRecord(
      (run) => run.connection === 'stripe' && run.status === 'running',
      `disk I/O error while writing ${EMULATOR_SECRET_KEY}`,
    );
    const { id, answer } = await slash('sync stripe');
    assert.match(answer, /sync started/);
    const result = await h.slack.waitForResponse(
      (r) => r.id === id && /Failed/.test(JSON.stringify(r.body)),
      10_000,
    );
    assert.match(JSON.stringify(result.body), /storage/);

    const errors = logged().filter((l) => l.level === 'error' && l.message === 'sync job failed');
    assert.equal(errors.length, 1, JSON.stringify(errors));
    assert.equal(errors[0]!['connection'], 'stripe');
    assert.match(String(errors[0]!['error']), /disk I\/O error while writing \[redacted\]/);

    const [run] = await h.app.store.listRuns('stripe', 1);
    assert.deepEqual([run?.status, run?.errorClass, run?.trigger], ['failed', 'storage', 'manual']);
    assert.doesNotMatch(run?.errorMessage ?? '', new RegExp(EMULATOR_SECRET_KEY));
    assert.match((await slash('history stripe')).answer, /disk I\/O error while writing \[redacted\]/);

    await h.app.core.incidents.drain();
    assert.equal((await h.app.core.incidents.open('stripe'))?.errorClass, 'storage');
    assert.equal(h.app.core.engine.activeRun('stripe'), undefined, 'the connection is free again');
  });

  test('a queued job that finds another process running the connection: logged at info, the person is told who runs it, nothing recorded', async () => {
    const other: SyncRun = {
      id: randomUUID(),
      connection: 'stripe',
      trigger: 'schedule',
      triggeredBy: null,
      startedAt: new Date().toISOString(),
      endedAt: null,
      status: 'running',
      streams: {},
      errorClass: null,
      errorMessage: null,
      skipped: [],
    };
    await h.app.store.startRun(other, { holder: 'app pid 4242 on host-b', ttlMs: 60_000 });
    const runsBefore = (await h.app.store.listRuns('stripe', 100)).length;
    const id = `jobs${++n}`;
    try {
      // Queued behind the check of syncNow, as a job that waited in the scheduler while the other started.
      await h.app.core.scheduler.enqueue({
        ...manualSync('stripe'),
        notify: { kind: 'response_url', url: h.slack.responseUrl(id), userId: ADMIN },
      });
      const answer = await h.slack.waitForResponse((r) => r.id === id, 10_000);
      assert.match(JSON.stringify(answer.body), /already running since .*app pid 4242 on host-b/);
      const lines = logged().filter((l) => /already running/.test(String(l['reason'] ?? '')));
      assert.ok(lines.length > 0);
      assert.ok(
        lines.every((l) => l.level === 'info'),
        JSON.stringify(lines),
      );
      assert.equal((await h.app.store.listRuns('stripe', 100)).length, runsBefore, 'no run recorded');
    } finally {
      await h.app.store.updateRun(other.id, { status: 'cancelled', endedAt: new Date().toISOString() });
    }
  });

  test('a publish whose run cannot be recorded is a failed run of the destination; the sync stays a success and resolves its incident', async () => {
    refuseNextRunRecord((run) => run.connection === 'powerbi', 'database is locked');
    const outcome = await h.app.core.jobs.run(manualSync('stripe'));
    assert.equal(outcome.kind, 'ended');
    assert.equal(outcome.run.status, 'success', outcome.run.errorMessage ?? '');
    assert.deepEqual(
      outcome.published.map((r) => [r.connection, r.status, r.errorClass]),
      [['powerbi', 'failed', 'storage']],
    );
    const [publish] = await h.app.store.listRuns('powerbi', 1);
    assert.deepEqual([publish?.status, publish?.errorMessage], ['failed', 'database is locked']);
    assert.ok(logged().some((l) => l.level === 'error' && l.message === 'publish failed'));
    await h.app.core.incidents.drain();
    assert.equal(await h.app.core.incidents.open('stripe'), undefined);
    assert.equal((await h.app.core.incidents.open('powerbi'))?.errorClass, 'storage');
    // The next sync's publish sends what this one could not.
    h.stripe.control.addObjects(3);
    const next = await h.app.core.jobs.run(manualSync('stripe'));
    assert.equal(next.kind === 'ended' && next.published[0]?.status, 'success');
    const rows = new Set(h.powerbi.control.rows('records').map((r) => String(r['id'])));
    assert.equal(rows.size, await h.app.store.countRecords('stripe'));
  });

  test('a reporter that throws is logged at error; the job still publishes', async () => {
    h.stripe.control.addObjects(2);
    const outcome = await h.app.core.jobs.run(manualSync('stripe'), {
      progress: () => {
        throw new Error('progress view gone');
      },
      finished: async () => {
        throw new Error('result view gone');
      },
      notStarted: async () => {},
    });
    assert.equal(outcome.kind === 'ended' && outcome.run.status, 'success');
    assert.equal(outcome.kind === 'ended' && outcome.published[0]?.status, 'success');
    const failures = logged().filter((l) => l.message === 'the sync reporter failed; the job goes on');
    assert.ok(failures.some((l) => l.level === 'error' && /result view gone/.test(String(l['error']))));
  });
});
