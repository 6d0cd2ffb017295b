import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Publisher, PublishRow, PublishTable } from '../../connectors/destination.ts';
import { silentLogger } from '../../src/log.ts';
import type { LedgerRecord } from '../../src/records.ts';
import { EmbeddedStore } from '../../src/store/embedded/embedded-store.ts';
import { publishChanges } from '../../src/sync/publish.ts';

function record(n: number, amount = n): LedgerRecord {
  return {
    id: `stripe:balance_transactions:txn_${n}`,
    connection: 'stripe',
    provider: 'stripe',
    stream: 'balance_transactions',
    kind: 'charge',
    amount,
    currency: 'USD',
    occurredAt: '2026-01-01T00:00:00.000Z',
    description: 'x',
    counterparty: null,
    status: 'available',
    moneyMovement: true,
    raw: { type: 'balance_transaction', id: `txn_${n}` },
  };
}

/** A destination in memory that can be told to "crash" right after a push lands (the case exactly-once is about). */
class MemoryPublisher implements Publisher {
  readonly maxRowsPerPush = 100;
  readonly rows: (PublishRow & { batchId: string })[] = [];
  crashAfterPush = 0;
  async prepare() {
    return { datasetId: 'ds-1', label: 'finsync dataset' };
  }
  async push(_table: PublishTable, rows: readonly unknown[], batchId: string) {
    for (const row of rows as PublishRow[]) this.rows.push({ ...row, batchId });
    if (this.crashAfterPush > 0 && --this.crashAfterPush === 0)
      throw new Error('process killed after the push landed');
  }
  async batchLanded(_table: PublishTable, batchId: string) {
    return this.rows.some((r) => r.batchId === batchId);
  }
}

test('publishing sends every change once, also when the process dies after a push landed', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'finsync-publish-'));
  const store = await EmbeddedStore.open(dir);
  try {
    const page = { connection: 'stripe', stream: 'balance_transactions', cursor: undefined };
    await store.applyPage({
      ...page,
      records: Array.from({ length: 250 }, (_, i) => record(i)),
      removedIds: [],
    });
    const destination = new MemoryPublisher();
    destination.crashAfterPush = 2;
    await assert.rejects(
      publishChanges({ store, log: silentLogger(), destination: 'powerbi', publisher: destination }),
      /killed/,
    );
    assert.equal(destination.rows.length, 200, 'two pushes landed before the "crash"');

    // More changes while it was down: an update and a deletion.
    await store.applyPage({
      ...page,
      records: [record(1, 999)],
      removedIds: ['stripe:balance_transactions:txn_2'],
    });
    const result = await publishChanges({
      store,
      log: silentLogger(),
      destination: 'powerbi',
      publisher: destination,
    });
    assert.equal(
      result.pushed,
      52,
      'the 50 left and the 2 new changes; the landed batch was not pushed again',
    );
    const batchIds = destination.rows.map((r) => r.batchId);
    assert.deepEqual([...new Set(batchIds)], ['powerbi:1-100', 'powerbi:101-200', 'powerbi:201-252']);
    assert.equal(destination.rows.length, 252);
    // Current state per id = the highest version, unless deleted.
    const current = new Map<string, PublishRow>();
    for (const row of destination.rows) {
      const seen = current.get(row.record.id);
      if (!seen || row.version > seen.version) current.set(row.record.id, row);
    }
    const live = [...current.values()].filter((r) => !r.deleted);
    assert.equal(live.length, 249);
    assert.equal(current.get('stripe:balance_transactions:txn_1')?.record.amount, 999);
    assert.equal(current.get('stripe:balance_transactions:txn_2')?.deleted, true);

    assert.equal(
      (await publishChanges({ store, log: silentLogger(), destination: 'powerbi', publisher: destination }))
        .pushed,
      0,
    );
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a pending batch that did not land is pushed again under the same id', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'finsync-publish-'));
  const store = await EmbeddedStore.open(dir);
  try {
    await store.applyPage({
      connection: 'stripe',
      stream: 's',
      records: Array.from({ length: 30 }, (_, i) => record(i)),
      removedIds: [],
      cursor: undefined,
    });
    const flaky = new MemoryPublisher();
    flaky.push = async () => {
      throw new Error('connection reset before anything landed');
    };
    await assert.rejects(
      publishChanges({ store, log: silentLogger(), destination: 'powerbi', publisher: flaky }),
    );
    const destination = new MemoryPublisher();
    const result = await publishChanges({
      store,
      log: silentLogger(),
      destination: 'powerbi',
      publisher: destination,
    });
    assert.equal(result.pushed, 30);
    assert.deepEqual([...new Set(destination.rows.map((r) => r.batchId))], ['powerbi:1-30']);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
