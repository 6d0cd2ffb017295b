/**
 * A data folder written by the previous version (schema 9, before the store ports; fixtures/finsync-v9.sql
 * was dumped from one) opens with this version: every record of it is still there, read through the ports,
 * and the new tables work.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { DATABASE_FILE } from '../../src/store/embedded/embedded-store.ts';
import { SCHEMA_VERSION } from '../../src/store/embedded/ledger-schema.ts';
import { openStore } from '../../src/store/open-store.ts';

function previousVersionFolder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'finsync-upgrade-'));
  const db = new Database(join(dir, DATABASE_FILE));
  db.exec(readFileSync(new URL('./fixtures/finsync-v9.sql', import.meta.url), 'utf8'));
  assert.equal(db.pragma('user_version', { simple: true }), 9);
  // A read that died before its cursor left its record provisional (one mark per id in this version).
  db.prepare(
    "INSERT INTO provisional (connection, stream, id, read_id, adopted) VALUES ('stripe', 'balance_transactions', 'stripe:bt:1', 'dead-read', 0)",
  ).run();
  db.close();
  return dir;
}

test('a folder of the previous version opens, keeps all its data, and gains the new tables', async () => {
  const dir = previousVersionFolder();
  try {
    const store = await openStore({ dataDir: dir, mongodbUri: undefined });
    try {
      const connection = await store.getConnection('stripe');
      assert.equal(connection?.accountLabel, 'Acme (acct_1)');
      assert.equal(connection?.schedule, 'daily 02:00');
      assert.deepEqual(await store.getSetting('alerts'), { channel: 'C1' });
      assert.equal(await store.countRecords('stripe'), 1);
      assert.deepEqual(await store.getCursor('stripe', 'balance_transactions'), { since: 42 });
      const [run] = await store.listRuns('stripe', 5);
      assert.equal(run?.id, 'run-1');
      assert.equal(run?.status, 'success');
      assert.equal((await store.listAudit(5))[0]?.action, 'connect');
      assert.equal((await store.changesSince(0, 10)).length, 1);
      const message = await store.outbox.get('digest:2026-01-01:C1');
      assert.equal(message?.state, 'pending');
      assert.deepEqual(message?.args, { text: 'hello', channel: 'C1' });
      const incident = await store.incidents.open('stripe');
      assert.equal(incident?.errorMessage, 'bad key');
      const jobs = await store.jobs.agendaBackend().repository.queryJobs({ name: 'scheduled-sync:stripe' });
      assert.equal(jobs.jobs.length, 1);
      assert.deepEqual(jobs.jobs[0]?.data, { connection: 'stripe' });
      // New after the previous version: link sessions and replay memory.
      await store.linkSessions.put('s', {
        userId: 'U1',
        provider: 'plaid',
        name: 'plaid',
        purpose: 'reconnect',
        viewId: null,
        expiresAt: Date.now() + 60_000,
      });
      const taken = await store.linkSessions.take('s', Date.now());
      assert.equal(taken?.userId, 'U1');
      assert.equal(taken?.purpose, 'reconnect', 'a hand-off remembers whether it reconnects');
      assert.equal(await store.replays.claim('slack:trigger:1', 60_000, Date.now()), true);
      // The outbox and incident sequences continue after the kept rows.
      const next = await store.incidents.create({ ...incident!, connection: 'plaid' });
      assert.ok(next.id > incident!.id);
      // The dead read's mark survived the move to per-page marks (15): the next read adopts it, and as it
      // does not deliver the record again, its cursor removes it.
      assert.equal(await store.adoptProvisional('stripe', 'balance_transactions', 'next-read'), 1);
      const done = await store.applyPage({
        connection: 'stripe',
        stream: 'balance_transactions',
        records: [],
        removedIds: [],
        cursor: { since: 43 },
        readId: 'next-read',
      });
      assert.equal(done.deleted, 1);
      assert.equal(await store.countRecords('stripe'), 0);
    } finally {
      await store.close();
    }
    const db = new Database(join(dir, DATABASE_FILE), { readonly: true });
    assert.equal(db.pragma('user_version', { simple: true }), SCHEMA_VERSION);
    assert.equal(SCHEMA_VERSION, 16);
    const indexes = db
      .prepare<[], { name: string }>(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'records'",
      )
      .all()
      .map((row) => row.name);
    assert.ok(!indexes.includes('records_by_time'), 'the unused time index is dropped (14)');
    assert.ok(indexes.includes('records_money_by_time_provider'), "the digest's index stays");
    const tables = db
      .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'")
      .all()
      .map((row) => row.name);
    assert.ok(!tables.includes('provisional') && tables.includes('provisional_marks'), 'marks per page (15)');
    const recordsSql = db
      .prepare<[], { sql: string }>("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'records'")
      .get()?.sql;
    assert.ok(recordsSql && !/WITHOUT ROWID/i.test(recordsSql), 'records kept in arrival order (16)');
    const moneyIndex = db
      .prepare<[], { name: string }>("SELECT name FROM pragma_index_info('records_money_by_time_provider')")
      .all()
      .map((row) => row.name);
    assert.deepEqual(moneyIndex, ['occurred_at', 'provider', 'currency', 'amount', 'connection']);
    db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
