/** The ledger: records by id, cursors committed with their page, provisional reads, the change log. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { PageWrite } from '../../../src/store/types.ts';
import { collect, type OpenFreshStore, record, withStore } from './harness.ts';

const page = (overrides: Partial<PageWrite>): PageWrite => ({
  connection: 'stripe',
  stream: 'balance_transactions',
  records: [],
  removedIds: [],
  cursor: undefined,
  ...overrides,
});

export function ledgerRules(open: OpenFreshStore): void {
  describe('ledger', () => {
    test(
      'upsert by id is idempotent: a replayed page changes nothing, a changed record is updated',
      withStore(open, async ({ store }) => {
        const first = page({ records: [record('a', 100), record('b', -5)], cursor: { since: 1 } });
        assert.deepEqual(await store.applyPage(first), { inserted: 2, updated: 0, unchanged: 0, deleted: 0 });
        assert.deepEqual(await store.applyPage(first), { inserted: 0, updated: 0, unchanged: 2, deleted: 0 });
        const changed = page({ records: [record('a', 150)], cursor: { since: 2 } });
        assert.deepEqual(await store.applyPage(changed), {
          inserted: 0,
          updated: 1,
          unchanged: 0,
          deleted: 0,
        });
        assert.equal(await store.countRecords('stripe'), 2);
        assert.equal(await store.countRecords(), 2);
        assert.deepEqual(
          (await collect(store.iterateRecords({ connection: 'stripe' }))).map((r) => [r.id, r.amount]),
          [
            ['stripe:balance_transactions:a', 150],
            ['stripe:balance_transactions:b', -5],
          ],
        );
        assert.deepEqual(await store.recordCounts(), new Map([['stripe', 2]]));
      }),
    );

    test(
      'the ledger version changes with every insert, update and delete, in any handle, and not on a replay',
      withStore(open, async ({ store, openSecond }) => {
        const other = await openSecond();
        const start = await store.ledgerVersion();
        await other.applyPage(page({ records: [record('a', 1)], cursor: { since: 1 } }));
        const inserted = await store.ledgerVersion();
        assert.notEqual(inserted, start, 'an insert by another handle is seen');
        await store.applyPage(page({ records: [record('a', 1)], cursor: { since: 1 } }));
        assert.equal(await other.ledgerVersion(), inserted, 'an unchanged replay is no change');
        await store.applyPage(page({ records: [record('a', 2)], cursor: { since: 2 } }));
        const updated = await other.ledgerVersion();
        assert.notEqual(updated, inserted, 'an update is a change');
        await other.applyPage(page({ removedIds: ['stripe:balance_transactions:a'], cursor: { since: 3 } }));
        assert.notEqual(await store.ledgerVersion(), updated, 'a delete is a change');
      }),
    );

    test(
      'the cursor is committed with its page; a page without one leaves it; removed ids are deleted',
      withStore(open, async ({ store, openSecond }) => {
        const other = await openSecond();
        await store.applyPage(page({ records: [record('a', 1), record('b', 2)], cursor: { since: 1 } }));
        assert.deepEqual(await other.getCursor('stripe', 'balance_transactions'), { since: 1 });
        await store.applyPage(page({ records: [record('c', 3)] }));
        assert.deepEqual(await other.getCursor('stripe', 'balance_transactions'), { since: 1 });
        const result = await store.applyPage(
          page({ removedIds: ['stripe:balance_transactions:a', 'nope'], cursor: { since: 3 } }),
        );
        assert.equal(result.deleted, 1);
        assert.equal(await other.countRecords('stripe'), 2);
        await other.saveCursor('stripe', 'powerbi', { published: 7 });
        assert.deepEqual(await store.getCursor('stripe', 'powerbi'), { published: 7 });
        assert.equal(await store.getCursor('stripe', 'nope'), null);
      }),
    );

    test(
      'records are found by time range: since inclusive, until exclusive',
      withStore(open, async ({ store }) => {
        const at = (id: string, occurredAt: string) => record(id, 1, { occurredAt });
        await store.applyPage(
          page({
            records: [
              at('jan1', '2026-01-01T00:00:00.000Z'),
              at('jan2', '2026-01-02T00:00:00.000Z'),
              at('jan3', '2026-01-03T00:00:00.000Z'),
            ],
          }),
        );
        const found = await collect(
          store.iterateRecords({ since: '2026-01-02T00:00:00.000Z', until: '2026-01-03T00:00:00.000Z' }),
        );
        assert.deepEqual(
          found.map((r) => r.raw.id),
          ['jan2'],
        );
      }),
    );

    test(
      'provisional records a cut-short read left are adopted by the next read and removed unless delivered again',
      withStore(open, async ({ store, openSecond }) => {
        const next = await openSecond();
        // A read without a cursor yet stores a, b and c, then dies.
        await store.applyPage(
          page({ records: [record('a', 1), record('b', 2), record('c', 3)], readId: 'r1' }),
        );
        // The next read (another process) adopts them, delivers a and c again, and reaches a cursor.
        assert.equal(await next.adoptProvisional('stripe', 'balance_transactions', 'r2'), 3);
        await next.applyPage(page({ records: [record('a', 1)], readId: 'r2' }));
        const done = await next.applyPage(
          page({ records: [record('c', 3)], cursor: { since: 9 }, readId: 'r2' }),
        );
        assert.equal(done.deleted, 1, 'b is no longer reported by the provider');
        assert.deepEqual(
          (await collect(store.iterateRecords({}))).map((r) => r.raw.id),
          ['a', 'c'],
        );
        // Nothing is provisional any more: a later read adopts nothing.
        assert.equal(await store.adoptProvisional('stripe', 'balance_transactions', 'r3'), 0);
      }),
    );

    test(
      'a cut-short read that stored a record twice and removed another: the next read removes only what still exists, once',
      withStore(open, async ({ store }) => {
        // The dead read stores a, b and c, then a again (its page moved), then learns b was removed.
        await store.applyPage(
          page({ records: [record('a', 1), record('b', 2), record('c', 3)], readId: 'r1' }),
        );
        await store.applyPage(page({ records: [record('a', 1)], readId: 'r1' }));
        await store.applyPage(page({ removedIds: ['stripe:balance_transactions:b'], readId: 'r1' }));
        const before = (await store.changesSince(0, 100)).length;
        assert.equal(await store.adoptProvisional('stripe', 'balance_transactions', 'r2'), 2, 'a and c');
        const done = await store.applyPage(
          page({ records: [record('a', 1)], cursor: { since: 1 }, readId: 'r2' }),
        );
        assert.equal(done.deleted, 1, 'c only: b was already gone');
        const logged = (await store.changesSince(0, 100)).slice(before);
        assert.deepEqual(
          logged.map((c) => [c.id, c.record]),
          [['stripe:balance_transactions:c', null]],
        );
        assert.deepEqual(
          (await collect(store.iterateRecords({}))).map((r) => r.raw.id),
          ['a'],
        );
        assert.equal(await store.countRecords('stripe'), 1);
      }),
    );

    test(
      'one page logs each of its updates, inserts and removals once: updates first, then inserts in page order, then removals',
      withStore(open, async ({ store }) => {
        await store.applyPage(page({ records: [record('a', 1), record('b', 2), record('gone', 3)] }));
        const before = (await store.changesSince(0, 100)).length;
        const result = await store.applyPage(
          page({
            records: [record('c', 4), record('a', 9), record('b', 2), record('d', 5), record('c', 6)],
            removedIds: ['stripe:balance_transactions:gone'],
          }),
        );
        assert.deepEqual(result, { inserted: 2, updated: 2, unchanged: 1, deleted: 1 });
        const logged = (await store.changesSince(0, 100)).slice(before);
        assert.deepEqual(
          logged.map((c) => [c.id.split(':')[2], c.record?.amount ?? null]),
          [
            ['a', 9],
            ['c', 6], // c's second reading in the page updated it: logged as an update…
            ['c', 6], // …and as an insert, each with c as it is now
            ['d', 5],
            ['gone', null],
          ],
        );
      }),
    );

    test(
      'the change log lists every insert, update and delete in order, with the record as it is now',
      withStore(open, async ({ store }) => {
        await store.applyPage(page({ records: [record('a', 1), record('b', 2)] }));
        await store.applyPage(page({ records: [record('a', 5)] }));
        await store.applyPage(page({ removedIds: ['stripe:balance_transactions:b'] }));
        await store.applyPage(page({ records: [record('b', 2)] })); // unchanged records log nothing…
        await store.applyPage(page({ records: [record('b', 2)] })); // …b was re-inserted once
        const changes = await store.changesSince(0, 100);
        assert.deepEqual(
          changes.map((c) => [c.id.split(':')[2], c.record?.amount ?? null]),
          [
            ['a', 5],
            ['b', 2],
            ['a', 5],
            ['b', null],
            ['b', 2],
          ],
        );
        const seqs = changes.map((c) => c.seq);
        assert.deepEqual(
          seqs,
          [...seqs].sort((x, y) => x - y),
          'oldest first',
        );
        assert.equal(new Set(seqs).size, seqs.length);
        const after = await store.changesSince(seqs[1]!, 2);
        assert.deepEqual(
          after.map((c) => c.seq),
          seqs.slice(2, 4),
        );
      }),
    );
  });
}
