/** Runs and their leases: one running run per connection, in every process. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LeaseLostError, RunConflictError } from '../../../src/errors.ts';
import { connection, type OpenFreshStore, record, run, sleep, withStore } from './harness.ts';

const APP = { holder: 'app pid 1 on host-a', ttlMs: 60_000 };
const CLI = { holder: 'cli pid 2 on host-b', ttlMs: 60_000 };

export function runRules(open: OpenFreshStore): void {
  describe('runs and leases', () => {
    test(
      'one running run per connection across processes; the conflict names the holder',
      withStore(open, async ({ store, openSecond }) => {
        const cli = await openSecond();
        await store.createConnection(connection('stripe'));
        await store.startRun(run('r1'), APP);
        const conflict = await cli.startRun(run('r2', { trigger: 'cli' }), CLI).then(
          () => undefined,
          (error: unknown) => error,
        );
        assert.ok(conflict instanceof RunConflictError, String(conflict));
        assert.match(conflict.message, /from Slack by U1, app pid 1 on host-a/);
        assert.equal((await cli.activeRun('stripe'))?.holder, APP.holder);
        assert.equal((await cli.activeRun('stripe'))?.id, 'r1');
        // Another connection is not held.
        await cli.createConnection(connection('plaid'));
        await cli.startRun(run('p1', { connection: 'plaid' }), CLI);
      }),
    );

    test(
      'the holder renews; ending the run frees the connection; an ended run is returned as stored',
      withStore(open, async ({ store, openSecond }) => {
        const cli = await openSecond();
        await store.startRun(run('r1'), APP);
        assert.equal(await store.renewRunLease('r1', APP), true);
        assert.equal(await cli.renewRunLease('r1', CLI), false, 'not the holder');
        const ended = await store.updateRun('r1', {
          status: 'success',
          endedAt: '2026-01-02T04:01:00.000Z',
        });
        assert.equal(ended.status, 'success');
        assert.equal(await store.activeRun('stripe'), undefined);
        assert.equal(await store.renewRunLease('r1', APP), false, 'an ended run holds nothing');
        await cli.startRun(run('r2', { trigger: 'cli', startedAt: '2026-01-02T05:00:00.000Z' }), CLI);
        const again = await store.updateRun('r1', { status: 'failed' });
        assert.equal(again.status, 'success', 'no change to an ended run');
        assert.deepEqual(
          (await store.listRuns('stripe', 10)).map((r) => r.id),
          ['r2', 'r1'],
        );
      }),
    );

    test(
      'a lapsed lease is taken over; the old holder can neither renew nor write pages',
      withStore(open, async ({ store, openSecond }) => {
        const cli = await openSecond();
        await store.startRun(run('r1'), { holder: APP.holder, ttlMs: 40 });
        await sleep(80);
        assert.equal(await cli.activeRun('stripe'), undefined, 'a lapsed lease is not active');
        await cli.startRun(run('r2', { startedAt: '2026-01-02T05:00:00.000Z', trigger: 'cli' }), CLI);
        const runs = await cli.listRuns('stripe', 10);
        const old = runs.find((r) => r.id === 'r1');
        assert.equal(old?.status, 'failed', 'the lapsed run is closed as failed');
        assert.equal(await store.renewRunLease('r1', { holder: APP.holder, ttlMs: 40 }), false);
        await assert.rejects(
          store.applyPage({
            connection: 'stripe',
            stream: 'balance_transactions',
            records: [record('late', 1)],
            removedIds: [],
            cursor: { since: 99 },
            runId: 'r1',
          }),
          LeaseLostError,
        );
        assert.equal(await cli.countRecords('stripe'), 0, 'nothing of the refused page was written');
        assert.equal(await cli.getCursor('stripe', 'balance_transactions'), null);
        // The new holder writes.
        await cli.applyPage({
          connection: 'stripe',
          stream: 'balance_transactions',
          records: [record('a', 1)],
          removedIds: [],
          cursor: { since: 1 },
          runId: 'r2',
        });
        assert.equal(await store.countRecords('stripe'), 1);
      }),
    );

    test(
      'closeOrphanRuns closes only runs whose lease lapsed',
      withStore(open, async ({ store, openSecond }) => {
        const other = await openSecond();
        await store.startRun(run('dead'), { holder: APP.holder, ttlMs: 30 });
        await store.startRun(run('live', { connection: 'plaid' }), CLI);
        await sleep(60);
        assert.equal(await other.closeOrphanRuns('the process stopped'), 1);
        const [dead] = await store.listRuns('stripe', 1);
        assert.equal(dead?.status, 'failed');
        assert.equal(dead?.errorMessage, 'the process stopped');
        assert.equal((await store.activeRun('plaid'))?.id, 'live');
      }),
    );

    test(
      'runSummaries gives the newest run and the newest success of each connection',
      withStore(open, async ({ store }) => {
        await store.createConnection(connection('stripe'));
        await store.createConnection(connection('plaid', { provider: 'plaid' }));
        const ended = (id: string, startedAt: string, status: 'success' | 'failed') =>
          run(id, { startedAt, endedAt: startedAt, status });
        await store.startRun(ended('s1', '2026-01-01T00:00:00.000Z', 'success'));
        await store.startRun(ended('s2', '2026-01-02T00:00:00.000Z', 'failed'));
        const summaries = await store.runSummaries();
        assert.equal(summaries.get('stripe')?.latest?.id, 's2');
        assert.equal(summaries.get('stripe')?.lastSuccess?.id, 's1');
        assert.equal(summaries.get('plaid'), undefined, 'never ran');
      }),
    );
  });
}
