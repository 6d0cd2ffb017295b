import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from '../../connectors/types.ts';
import type { LedgerRecord } from '../../src/records.ts';
import type { PageWrite } from '../../src/store/types.ts';
import { PageBatcher, prefetched } from '../../src/sync/page-batcher.ts';

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
