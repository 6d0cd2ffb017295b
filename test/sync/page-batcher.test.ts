import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from '../../connectors/types.ts';
import type { LedgerRecord } from '../../src/records.ts';
import type { PageWrite } from '../../src/store/types.ts';
import { BACKLOG_FACTOR, PageBatcher, prefetched } from '../../src/sync/page-batcher.ts';

const rec = (id: string) => ({ id }) as LedgerRecord;

function batcher(maxRecords = 1000, maxAgeMs = 60_000) {
  const writes: PageWrite[] = [];
  let now = 0;
  const b = new PageBatcher(
    {
      connection: 'c',
      stream: 's',
      readId: 'r',
      write: async (page) => {
        writes.push(page);
        return { inserted: page.records.length, updated: 0, unchanged: 0, deleted: page.removedIds.length };
      },
      committed: () => {},
    },
    { maxRecords, maxAgeMs, now: () => now },
  );
  return { b, writes, tick: (ms: number) => (now += ms) };
}

test('consecutive pages share one transaction with the last cursor, up to the size limit', async () => {
  const { b, writes } = batcher(250);
  for (let i = 0; i < 5; i++)
    await b.add([rec(`a${i}`), ...Array.from({ length: 99 }, (_, j) => rec(`x${i}-${j}`))], [], { page: i });
  await b.drain();
  assert.deepEqual(
    writes.map((w) => [w.records.length, w.cursor]),
    [
      [300, { page: 2 }],
      [200, { page: 4 }],
    ],
  );
});

test('records after a cursor never share its transaction: they stay provisional', async () => {
  const { b, writes } = batcher();
  await b.add([rec('1')], [], undefined);
  await b.add([rec('2')], [], { set: 1 });
  await b.add([rec('3')], [], undefined);
  await b.drain();
  assert.deepEqual(
    writes.map((w) => [w.records.map((r) => r.id), w.cursor]),
    [
      [['1', '2'], { set: 1 }],
      [['3'], undefined],
    ],
  );
});

test('a page that removes records is committed on its own, after what came before', async () => {
  const { b, writes } = batcher();
  await b.add([rec('1')], [], undefined);
  await b.add([rec('2')], ['1'], undefined);
  await b.add([rec('3')], [], undefined);
  await b.drain();
  assert.deepEqual(
    writes.map((w) => [w.records.map((r) => r.id), w.removedIds]),
    [
      [['1'], []],
      [['2'], ['1']],
      [['3'], []],
    ],
  );
});

test('an old batch is committed even when small', async () => {
  const { b, writes, tick } = batcher(1000, 1000);
  await b.add([rec('1')], [], { n: 1 });
  tick(1500);
  await b.add([rec('2')], [], { n: 2 });
  assert.equal(writes.length, 1);
  assert.deepEqual(writes[0]!.cursor, { n: 2 });
});

test('prefetched asks for the next page before the current one is handled, and passes a later failure on', async () => {
  const requested: number[] = [];
  async function* pages(): AsyncGenerator<Page> {
    for (let i = 0; i < 3; i++) {
      requested.push(i);
      if (i === 2) throw new Error('page 2 failed');
      yield { objects: [i] };
    }
  }
  const seen: number[] = [];
  await assert.rejects(async () => {
    for await (const page of prefetched(pages())) {
      seen.push(page.objects[0] as number);
      assert.equal(requested.length, seen.length + 1, 'the next page was already requested');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }, /page 2 failed/);
  assert.deepEqual(seen, [0, 1]);
});

/** A batcher whose writes commit (or fail) only when the test says so. */
function heldBatcher(maxRecords: number) {
  const writes: { page: PageWrite; settle: (error?: Error) => void }[] = [];
  const b = new PageBatcher(
    {
      connection: 'c',
      stream: 's',
      readId: 'r',
      write: (page) =>
        new Promise((resolve, reject) => {
          writes.push({
            page,
            settle: (error) =>
              error
                ? reject(error)
                : resolve({ inserted: page.records.length, updated: 0, unchanged: 0, deleted: 0 }),
          });
        }),
      committed: () => {},
    },
    { maxRecords, maxAgeMs: 60_000 },
  );
  return { b, writes };
}

const page = (from: number, n: number) => Array.from({ length: n }, (_, i) => rec(String(from + i)));
const settled = () => new Promise((resolve) => setImmediate(resolve));

test('while a write commits, a due batch keeps growing and the read goes on; it is sent once the write is done', async () => {
  const { b, writes } = heldBatcher(100);
  await b.add(page(0, 100), [], { n: 1 });
  assert.equal(writes.length, 1);
  // The first write is still committing: these adds return at once, their records wait in one batch.
  for (let i = 1; i <= 3; i++) await b.add(page(i * 100, 100), [], { n: i + 1 });
  assert.equal(writes.length, 1, 'no second write while the first commits');
  writes[0]!.settle();
  await settled();
  await b.add(page(400, 10), [], { n: 5 });
  assert.deepEqual(
    writes.map((w) => [w.page.records.length, w.page.cursor]),
    [
      [100, { n: 1 }],
      [310, { n: 5 }],
    ],
  );
  writes[1]!.settle();
  await b.drain();
});

test(`a batch stops growing at ${BACKLOG_FACTOR}× its size: the read waits for the write`, async () => {
  const { b, writes } = heldBatcher(100);
  await b.add(page(0, 100), [], { n: 0 });
  for (let i = 1; i < BACKLOG_FACTOR; i++) await b.add(page(i * 100, 100), [], { n: i });
  let returned = false;
  const blocked = b.add(page(BACKLOG_FACTOR * 100, 100), [], { n: BACKLOG_FACTOR }).then(() => {
    returned = true;
  });
  await settled();
  assert.equal(returned, false, 'the add waits while the batch is full and the write still commits');
  writes[0]!.settle();
  await blocked;
  assert.equal(writes[1]!.page.records.length, BACKLOG_FACTOR * 100);
  writes[1]!.settle();
  await b.drain();
});

test('a failed write is never followed by a later page: the next batch fails the read instead', async () => {
  const { b, writes } = heldBatcher(100);
  await b.add(page(0, 100), [], { n: 1 });
  await b.add(page(100, 100), [], { n: 2 });
  writes[0]!.settle(new Error('disk full'));
  await settled();
  await assert.rejects(b.add(page(200, 100), [], { n: 3 }), /disk full/);
  assert.equal(writes.length, 1, 'nothing after the failed write was sent');
});
