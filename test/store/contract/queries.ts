/** The digest's and the status report's queries, and the status version. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { LedgerRecord } from '../../../src/records.ts';
import { connection, type OpenFreshStore, record, run, withStore } from './harness.ts';

const CALENDAR = ['plaid', 'quickbooks'];
/** New York's 2026-03-07: 05:00Z to 05:00Z next day. */
const DAY = {
  date: '2026-03-07',
  start: new Date('2026-03-07T05:00:00.000Z'),
  end: new Date('2026-03-08T05:00:00.000Z'),
};

const plaid = (id: string, amount: number, occurredAt: string, overrides: Partial<LedgerRecord> = {}) =>
  record(id, amount, {
    id: `plaid:transactions:${id}`,
    connection: 'bank',
    provider: 'plaid',
    stream: 'transactions',
    occurredAt,
    ...overrides,
  });

export function queryRules(open: OpenFreshStore): void {
  describe('digest queries', () => {
    test(
      'money of a day: instants in the local day, calendar dates on their date, per connection and currency',
      withStore(open, async ({ store }) => {
        const stripe = (id: string, amount: number, occurredAt: string, currency = 'USD') =>
          record(id, amount, { occurredAt, currency });
        await store.applyPage({
          connection: 'stripe',
          stream: 'balance_transactions',
          removedIds: [],
          cursor: undefined,
          records: [
            stripe('in', 1_000, '2026-03-07T05:00:00.000Z'),
            stripe('out', -300, '2026-03-08T04:59:59.000Z'),
            stripe('eur', 700, '2026-03-07T12:00:00.000Z', 'EUR'),
            stripe('before', 5, '2026-03-07T04:59:59.000Z'),
            stripe('after', 5, '2026-03-08T05:00:00.000Z'),
            // Stripe has only instants: its midnight UTC is 19:00 the day before in New York.
            stripe('stripe-midnight', 9, '2026-03-07T00:00:00.000Z'),
            record('fee-info', 50, { occurredAt: '2026-03-07T12:00:00.000Z', moneyMovement: false }),
          ],
        });
        await store.applyPage({
          connection: 'bank',
          stream: 'transactions',
          removedIds: [],
          cursor: undefined,
          records: [
            plaid('dated', -2_000, '2026-03-07T00:00:00.000Z'),
            plaid('next-date', -1, '2026-03-08T00:00:00.000Z'),
            plaid('instant', 400, '2026-03-07T15:30:00.000Z'),
          ],
        });
        const totals = await store.digest.moneyByConnection(DAY, CALENDAR);
        assert.deepEqual(totals, [
          {
            connection: 'bank',
            provider: 'plaid',
            currency: 'USD',
            moneyIn: 400n,
            moneyOut: 2_000n,
            movements: 2,
          },
          {
            connection: 'stripe',
            provider: 'stripe',
            currency: 'EUR',
            moneyIn: 700n,
            moneyOut: 0n,
            movements: 1,
          },
          {
            connection: 'stripe',
            provider: 'stripe',
            currency: 'USD',
            moneyIn: 1_000n,
            moneyOut: 300n,
            movements: 2,
          },
        ]);
        // With no calendar-date providers, Plaid's midnight is an instant (the evening before in New York).
        const asInstants = await store.digest.moneyByConnection(DAY, []);
        assert.equal(asInstants.find((t) => t.connection === 'bank')?.moneyOut, 1n);
        assert.deepEqual(
          await store.digest.moneyByConnection(
            {
              ...DAY,
              date: '2026-03-01',
              start: new Date('2026-03-01T05:00:00Z'),
              end: new Date('2026-03-02T05:00:00Z'),
            },
            CALENDAR,
          ),
          [],
        );
      }),
    );

    test(
      'synced counts of runs that ended in a range, and the failure streak since the last success',
      withStore(open, async ({ store }) => {
        const counts = { fetched: 10, inserted: 3, updated: 2, deleted: 0, skipped: 0 };
        const ended = (
          id: string,
          startedAt: string,
          endedAt: string,
          status: 'success' | 'failed' | 'cancelled',
        ) =>
          store.startRun(run(id, { startedAt, endedAt, status, streams: { balance_transactions: counts } }));
        await ended('ok1', '2026-03-06T23:00:00.000Z', '2026-03-07T06:00:00.000Z', 'success');
        await ended('f1', '2026-03-07T10:00:00.000Z', '2026-03-07T10:01:00.000Z', 'failed');
        await ended('c1', '2026-03-07T11:00:00.000Z', '2026-03-07T11:01:00.000Z', 'cancelled');
        await ended('late', '2026-03-08T04:00:00.000Z', '2026-03-08T05:00:00.000Z', 'failed');
        assert.deepEqual(await store.digest.syncedCounts(['stripe'], DAY.start, DAY.end), {
          runs: 3,
          records: 15,
        });
        assert.deepEqual(await store.digest.syncedCounts(['nope'], DAY.start, DAY.end), {
          runs: 0,
          records: 0,
        });
        const streak = await store.digest.failureStreak('stripe', new Date('2026-03-06T23:00:00.000Z'));
        assert.equal(streak.failedRuns, 3);
        assert.equal(streak.since?.toISOString(), '2026-03-07T10:00:00.000Z');
        assert.deepEqual(await store.digest.failureStreak('stripe', new Date('2026-03-09T00:00:00.000Z')), {
          since: null,
          failedRuns: 0,
        });
      }),
    );
  });

  describe('status', () => {
    test(
      'the status version changes with connections, runs, record counts and jobs, in any process, and only then',
      withStore(open, async ({ store, openSecond }) => {
        const other = await openSecond();
        let last = await store.statusVersion();
        const changed = async (what: string) => {
          const now = await store.statusVersion();
          assert.notEqual(now, last, `${what} changes the version`);
          last = now;
        };
        assert.equal(await other.statusVersion(), last, 'nothing changed');
        await other.createConnection(connection('stripe'));
        await changed('a new connection');
        await other.updateConnection('stripe', { schedule: 'hourly' });
        await changed('a changed connection');
        await other.startRun(run('r1'));
        await changed('a run');
        await other.applyPage({
          connection: 'stripe',
          stream: 'balance_transactions',
          records: [record('a', 1)],
          removedIds: [],
          cursor: undefined,
        });
        await changed('a record count');
        const backend = other.jobs.agendaBackend();
        await backend.connect();
        await backend.repository.saveJob(
          { name: 'scheduled-sync:stripe', priority: 0, nextRunAt: new Date(), type: 'single', data: {} },
          undefined,
        );
        await changed('a scheduled job');
        assert.equal(await store.statusVersion(), last);
      }),
    );
  });
}
