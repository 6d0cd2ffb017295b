/** The scheduler's jobs: what SyncScheduler needs of Agenda's backend, across processes. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Agenda, type AgendaBackend } from 'agenda';
import { type OpenFreshStore, sleep, withStore } from './harness.ts';

/** Polls every 50 ms (a number: Agenda misreads '50 milliseconds'), short locks so no timer outlives a test. */
const agendaOn = (backend: AgendaBackend, name: string) =>
  new Agenda({ backend, name, processEvery: 50, defaultLockLifetime: 1_000 });

export function jobRules(open: OpenFreshStore): void {
  describe('jobs', () => {
    test(
      'a due job is claimed by one of two processes polling the store',
      withStore(open, async ({ store, openSecond }) => {
        const other = await openSecond();
        const [a, b] = [store.jobs.agendaBackend(), other.jobs.agendaBackend()];
        await a.connect();
        await b.connect();
        await a.repository.saveJob(
          {
            name: 'sync-now',
            priority: 0,
            nextRunAt: new Date(Date.now() - 1_000),
            type: 'normal',
            data: { connection: 'stripe' },
          },
          undefined,
        );
        const claim = (backend: typeof a) =>
          backend.repository.getNextJobToRun(
            'sync-now',
            new Date(Date.now() + 5_000),
            new Date(Date.now() - 600_000),
            new Date(),
            undefined,
          );
        const claims = await Promise.all([claim(a), claim(b)]);
        assert.equal(claims.filter(Boolean).length, 1);
        assert.deepEqual(claims.find(Boolean)?.data, { connection: 'stripe' });
        await a.disconnect();
        await b.disconnect();
      }),
    );

    test(
      'Agenda on two processes runs a one-off job once, keeps one repeating job per name, and stopping it leaves the store open',
      withStore(open, async ({ store, openSecond }) => {
        const other = await openSecond();
        const agendas = [
          agendaOn(store.jobs.agendaBackend(), 'one'),
          agendaOn(other.jobs.agendaBackend(), 'two'),
        ];
        const ran: string[] = [];
        for (const [i, agenda] of agendas.entries()) {
          agenda.define('sync-now', async () => void ran.push(`agenda ${i}`));
          await agenda.start();
        }
        try {
          await agendas[0]!.now('sync-now', { connection: 'stripe' });
          const deadline = Date.now() + 3_000;
          while (ran.length === 0 && Date.now() < deadline) await sleep(20);
          await sleep(300); // time for a second run, if the claim were not exclusive
          assert.equal(ran.length, 1, ran.join(', '));
          await agendas[1]!.every('1 day', 'scheduled-sync:stripe', { connection: 'stripe' });
          await agendas[0]!.every('1 day', 'scheduled-sync:stripe', { connection: 'stripe' });
          const { jobs } = await agendas[0]!.queryJobs({ name: 'scheduled-sync:stripe' });
          assert.equal(jobs.length, 1);
          assert.ok(jobs[0]!.nextRunAt instanceof Date);
        } finally {
          for (const agenda of agendas) await agenda.stop();
        }
        // The store is still usable after Agenda disconnected its backend.
        assert.equal((await store.health()).ok, true);
        const repository = store.jobs.agendaBackend().repository;
        assert.equal((await repository.queryJobs({ name: 'scheduled-sync:stripe' })).jobs.length, 1);
      }),
    );
  });
}
