import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, test } from 'node:test';
import { StorageError } from '../../src/errors.ts';
import type { LedgerRecord } from '../../src/records.ts';
import { EmbeddedStore } from '../../src/store/embedded/embedded-store.ts';
import { connection, record } from './contract/harness.ts';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'finsync-store-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function collect(store: EmbeddedStore): Promise<LedgerRecord[]> {
  const out: LedgerRecord[] = [];
  for await (const r of store.iterateRecords({})) out.push(r);
  return out;
}

describe('embedded store', () => {
  test("the writer thread checkpoints the WAL when idle; the main thread's commits never do", async () => {
    const dir = tempDir();
    const store = await EmbeddedStore.open(dir);
    try {
      // A commit on the main thread that took on a checkpoint stalled a Slack request 40-60 ms
      // (bench/ack-latency.ts): that connection leaves checkpoints to the writer thread.
      assert.equal(store.database.pragma('wal_autocheckpoint', { simple: true }), 0);
      const size = () => statSync(join(dir, 'finsync.db')).size;
      const waitFor = async (what: string, done: () => boolean) => {
        for (const deadline = Date.now() + 10_000; !done(); await new Promise((r) => setTimeout(r, 100)))
          assert.ok(Date.now() < deadline, what);
      };
      const walSize = () => statSync(join(dir, 'finsync.db-wal')).size;
      await waitFor('the migrations are checkpointed', () => size() > 0);
      const before = size();
      // About 2 MB of rows written by the main thread's connection, none through the writer thread.
      for (let i = 0; i < 4_000; i++) await store.replays.claim(`slack:${'x'.repeat(400)}:${i}`, 60_000, 0);
      assert.ok(walSize() > 1_000_000, 'the rows are in the WAL');
      await waitFor('the idle writer copies them into the database file', () => size() > before + 1_000_000);
    } finally {
      await store.close();
    }
  });

  test('a restart keeps connections, settings, records, cursors, runs and audit', async () => {
    const dir = tempDir();
    const store = await EmbeddedStore.open(dir);
    await store.createConnection(connection('stripe'));
    await store.setSetting('alerts', { channel: 'C1' });
    await store.applyPage({
      connection: 'stripe',
      stream: 'balance_transactions',
      records: [record('a', 100), record('b', -5)],
      removedIds: [],
      cursor: { since: 42 },
    });
    await store.startRun(
      {
        id: 'r1',
        connection: 'stripe',
        trigger: 'manual',
        triggeredBy: 'U1',
        startedAt: '2026-01-01T00:00:00Z',
        endedAt: null,
        status: 'running',
        streams: {},
        errorClass: null,
        errorMessage: null,
        skipped: [],
        // A lease that lapses at once: the process "died" with the run open.
      },
      { holder: 'test pid 1', ttlMs: 1 },
    );
    await store.appendAudit({
      at: '2026-01-01T00:00:00Z',
      actor: 'U1',
      action: 'connect stripe',
      connection: 'stripe',
      outcome: 'ok',
      detail: null,
    });
    await store.close();

    const reopened = await EmbeddedStore.open(dir);
    assert.equal((await reopened.getConnection('stripe'))?.accountLabel, 'stripe account');
    assert.deepEqual(await reopened.getSetting('alerts'), { channel: 'C1' });
    assert.deepEqual(
      (await collect(reopened)).map((r) => [r.id, r.amount]),
      [
        ['stripe:balance_transactions:a', 100],
        ['stripe:balance_transactions:b', -5],
      ],
    );
    assert.deepEqual(await reopened.getCursor('stripe', 'balance_transactions'), { since: 42 });
    assert.equal(await reopened.countRecords('stripe'), 2);
    assert.equal((await reopened.listRuns('stripe', 5))[0]?.status, 'running');
    await new Promise((resolve) => setTimeout(resolve, 5));
    assert.equal(await reopened.closeOrphanRuns('process died'), 1);
    assert.equal((await reopened.listRuns('stripe', 5))[0]?.status, 'failed');
    assert.equal((await reopened.listAudit(5))[0]?.action, 'connect stripe');
    await reopened.close();
  });

  test('applyPage upserts by id: replays change nothing, changes are counted as updates, removals as deletes', async () => {
    const store = await EmbeddedStore.open(tempDir());
    const page = { connection: 'stripe', stream: 'balance_transactions', removedIds: [], cursor: undefined };
    assert.deepEqual(await store.applyPage({ ...page, records: [record('a', 1), record('b', 2)] }), {
      inserted: 2,
      updated: 0,
      unchanged: 0,
      deleted: 0,
    });
    assert.deepEqual(await store.applyPage({ ...page, records: [record('a', 1), record('b', 3)] }), {
      inserted: 0,
      updated: 1,
      unchanged: 1,
      deleted: 0,
    });
    assert.deepEqual(
      await store.applyPage({
        ...page,
        records: [],
        removedIds: ['stripe:balance_transactions:a', 'stripe:balance_transactions:zz'],
      }),
      { inserted: 0, updated: 0, unchanged: 0, deleted: 1 },
    );
    assert.equal(await store.countRecords('stripe'), 1);
    assert.equal(
      await store.getCursor('stripe', 'balance_transactions'),
      null,
      'a page without a cursor leaves it alone',
    );
    await store.close();
  });

  test('a page whose records cannot be written leaves neither records nor cursor', async () => {
    const store = await EmbeddedStore.open(tempDir());
    const bad = record('c', 1, { kind: null as unknown as 'charge' });
    await assert.rejects(
      store.applyPage({
        connection: 'stripe',
        stream: 'balance_transactions',
        records: [record('a', 1), bad],
        removedIds: [],
        cursor: { since: 9 },
      }),
    );
    assert.equal(await store.countRecords('stripe'), 0);
    assert.equal(await store.getCursor('stripe', 'balance_transactions'), null);
    await store.close();
  });

  for (const file of ['connections.json', 'settings.json']) {
    test(`a corrupt ${file} stops start-up with a message naming it, and the file is untouched`, async () => {
      const dir = tempDir();
      await (await EmbeddedStore.open(dir)).close();
      const path = join(dir, file);
      writeFileSync(path, '{"connections": [ {"name": "stri');
      const before = statSync(path).mtimeMs;
      await assert.rejects(EmbeddedStore.open(dir), (error: unknown) => {
        assert.ok(error instanceof StorageError);
        assert.ok(error.message.includes(path), error.message);
        assert.match(error.message, /not valid JSON.*left untouched/);
        return true;
      });
      assert.equal(readFileSync(path, 'utf8'), '{"connections": [ {"name": "stri');
      assert.equal(statSync(path).mtimeMs, before);
    });
  }

  test('a JSON file of the wrong shape is refused too, not reset', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'connections.json'), '[]');
    await assert.rejects(EmbeddedStore.open(dir), /does not have the expected shape/);
    assert.equal(readFileSync(join(dir, 'connections.json'), 'utf8'), '[]');
  });

  test('a corrupt database file stops start-up with a message naming it, and the file is untouched', async () => {
    const dir = tempDir();
    const path = join(dir, 'finsync.db');
    const garbage = Buffer.from('this is not a database, it is a grocery list: eggs, milk'.repeat(100));
    writeFileSync(path, garbage);
    await assert.rejects(EmbeddedStore.open(dir), (error: unknown) => {
      assert.ok(error instanceof StorageError);
      assert.ok(error.message.includes(path));
      return true;
    });
    assert.deepEqual(readFileSync(path), garbage);
  });
});
