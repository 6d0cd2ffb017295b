/**
 * Rules that span processes, tried with real OS processes on one store folder (the app and the CLI beside
 * it): no process reverts another's change, and a committing read removes only provisional rows it marked.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { LedgerRecord } from '../../src/records.ts';
import { Keyring } from '../../src/security/crypto.ts';
import { EmbeddedStore } from '../../src/store/embedded/embedded-store.ts';
import type { Connection } from '../../src/store/types.ts';
import { paymentRequest } from './contract/payment-requests.ts';
import type { StoreOp } from './store-child.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..', '..');
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
const newDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'finsync-xproc-'));
  dirs.push(dir);
  return dir;
};

/** Runs store-child.ts as its own process; resolves with its stdout lines once it exits 0. */
function child(dataDir: string, ops: readonly StoreOp[]): Promise<string[]> {
  const proc = spawn(
    process.execPath,
    ['--import', 'tsx', join(HERE, 'store-child.ts'), dataDir, JSON.stringify(ops)],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (c: Buffer) => {
    stdout += c.toString('utf8');
  });
  proc.stderr.on('data', (c: Buffer) => {
    stderr += c.toString('utf8');
  });
  return new Promise((resolve, reject) => {
    proc.on('close', (code) =>
      code === 0
        ? resolve(stdout.split('\n').filter(Boolean))
        : reject(new Error(`store child exited ${code}: ${stderr.slice(0, 1500)}`)),
    );
  });
}

const keyring = new Keyring(randomBytes(32));
function connection(name: string): Connection {
  return {
    name,
    provider: 'quickbooks',
    accountLabel: 'start',
    accountId: null,
    credentials: keyring.seal('{"refresh_token":"rt-0"}', `connection:${name}`),
    state: 'active',
    stateReason: null,
    schedule: null,
    createdAt: '2026-01-01T00:00:00.000Z',
    createdBy: 'U1',
  };
}

function txn(id: string): LedgerRecord {
  return {
    id: `plaid:transactions:${id}`,
    connection: 'plaid',
    provider: 'plaid',
    stream: 'transactions',
    kind: 'transaction',
    amount: -1000,
    currency: 'USD',
    occurredAt: '2026-01-02T00:00:00.000Z',
    description: id,
    counterparty: null,
    status: 'posted',
    moneyMovement: true,
    raw: { type: 'transaction', id },
  };
}

const page = (ids: string[], readId: string, cursor?: Record<string, unknown>) => ({
  op: 'apply' as const,
  page: {
    connection: 'plaid',
    stream: 'transactions',
    records: ids.map(txn),
    removedIds: [],
    cursor,
    readId,
  },
});

async function storedIds(dataDir: string): Promise<string[]> {
  const store = await EmbeddedStore.open(dataDir);
  try {
    const ids: string[] = [];
    for await (const r of store.iterateRecords({ connection: 'plaid' })) ids.push(r.raw.id);
    return ids.sort();
  } finally {
    await store.close();
  }
}

describe('one store folder, several processes', () => {
  test('a committing read removes only provisional rows it marked: a second process re-marking rows loses nothing', async () => {
    const dataDir = newDir();
    // Process 1 reads the first page of a pagination set: rows without a cursor are provisional.
    await child(dataDir, [page(['a', 'b', 'c', 'd'], 'read-1')]);
    // Process 2 starts a read of the same stream (as a second `sync` did before leases): it takes the
    // provisional rows over and delivers two of them again.
    await child(dataDir, [
      { op: 'adopt', connection: 'plaid', stream: 'transactions', readId: 'read-2' },
      page(['a', 'b'], 'read-2'),
    ]);
    // Process 1 reaches the end of its set and commits its cursor.
    await child(dataDir, [page(['e'], 'read-1', { cursor: 'c1' })]);
    assert.deepEqual(await storedIds(dataDir), ['a', 'b', 'c', 'd', 'e'], 'nothing process 2 marked is gone');
  });

  test('a read that reaches its cursor removes what it adopted from a dead read and did not deliver again', async () => {
    const dataDir = newDir();
    await child(dataDir, [page(['a', 'b', 'gone'], 'dead-read')]);
    await child(dataDir, [
      { op: 'adopt', connection: 'plaid', stream: 'transactions', readId: 'read-2' },
      page(['a'], 'read-2'),
      page(['b'], 'read-2', { cursor: 'c1' }),
    ]);
    assert.deepEqual(await storedIds(dataDir), ['a', 'b']);
  });

  test('a read adopting provisional rows while another process commits pages waits its turn, never "database is locked"', async () => {
    const dataDir = newDir();
    const setup = await EmbeddedStore.open(dataDir);
    await setup.close();
    // Another process commits 300 pages as fast as it can.
    const many = page(
      Array.from({ length: 20 }, (_, j) => `w-${j}`),
      'writer-read',
    );
    const ops: StoreOp[] = [{ op: 'applyMany', page: many.page, times: 300 }];
    const writer = child(dataDir, ops);
    let done = false;
    void writer.then(
      () => {
        done = true;
      },
      () => {
        done = true;
      },
    );
    // Meanwhile this process starts reads of another stream, again and again: each adoption reads the marks,
    // then writes them. A transaction that read first could not take the write lock once the other process had
    // committed since its read: SQLite answered "database is locked" at once (seen in `finsync sync all`).
    const store = await EmbeddedStore.open(dataDir);
    let adoptions = 0;
    try {
      while (!done) {
        await store.adoptProvisional('plaid', 'accounts', `reader-${adoptions}`);
        adoptions++;
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
    } finally {
      await store.close();
    }
    await writer;
    assert.ok(adoptions > 10, `adopted ${adoptions} times while the other process wrote`);
  });

  test('two processes changing settings and connections at once: every change survives', async () => {
    const dataDir = newDir();
    const setup = await EmbeddedStore.open(dataDir);
    await setup.createConnection(connection('qb-1'));
    await setup.createConnection(connection('qb-2'));
    await setup.close();
    await Promise.all([
      child(dataDir, [
        { op: 'increment', key: 'counter', times: 150 },
        { op: 'label', connection: 'qb-1', prefix: 'one-', times: 150 },
      ]),
      child(dataDir, [
        { op: 'label', connection: 'qb-2', prefix: 'two-', times: 150 },
        { op: 'increment', key: 'counter', times: 150 },
      ]),
    ]);
    const store = await EmbeddedStore.open(dataDir);
    try {
      assert.equal(await store.getSetting('counter'), 300, 'no increment lost to a stale copy');
      assert.equal((await store.getConnection('qb-1'))?.accountLabel, 'one-149');
      assert.equal((await store.getConnection('qb-2'))?.accountLabel, 'two-149');
    } finally {
      await store.close();
    }
  });

  test('four processes connecting one account at the same moment: exactly one connection holds it', async () => {
    const dataDir = newDir();
    await (await EmbeddedStore.open(dataDir)).close();
    // Every child opens the store first, then all create at one agreed moment.
    const at = Date.now() + 2_500;
    const outcomes = await Promise.all(
      [1, 2, 3, 4].map((n) =>
        child(dataDir, [
          { op: 'create', connection: { ...connection(`qb-${n}`), accountId: 'realm-1' }, at },
        ]),
      ),
    );
    const flat = outcomes.flat().map((line) => JSON.parse(line) as string);
    assert.deepEqual([...flat].sort(), [
      'AccountConnectedError',
      'AccountConnectedError',
      'AccountConnectedError',
      'created',
    ]);
    const store = await EmbeddedStore.open(dataDir);
    try {
      const held = (await store.listConnections()).filter((c) => c.accountId === 'realm-1');
      assert.equal(held.length, 1);
    } finally {
      await store.close();
    }
  });

  test('connections.json and settings.json of an older folder are imported once and kept as backups', async () => {
    const dataDir = newDir();
    writeFileSync(join(dataDir, 'connections.json'), JSON.stringify({ connections: [connection('qb-1')] }));
    writeFileSync(
      join(dataDir, 'settings.json'),
      JSON.stringify({ settings: { alerts: { channel: 'C1' } } }),
    );
    // Two processes opening the folder at once import it once.
    await Promise.all([child(dataDir, []), child(dataDir, [])]);
    assert.ok(!existsSync(join(dataDir, 'connections.json')));
    assert.match(readFileSync(join(dataDir, 'connections.json.imported'), 'utf8'), /qb-1/);
    const store = await EmbeddedStore.open(dataDir);
    try {
      assert.deepEqual(
        (await store.listConnections()).map((c) => c.name),
        ['qb-1'],
      );
      assert.deepEqual(await store.getSetting('alerts'), { channel: 'C1' });
    } finally {
      await store.close();
    }
  });

  test('four processes told one payment request was paid: exactly one marks it paid', async () => {
    const dataDir = newDir();
    const store = await EmbeddedStore.open(dataDir);
    try {
      await store.paymentRequests.create(paymentRequest('pr_race', { state: 'open', linkId: 'plink_race' }));
    } finally {
      await store.close();
    }
    const outputs = await Promise.all(
      ['a', 'b', 'c', 'd'].map((ref) =>
        child(dataDir, [{ op: 'markPaid', id: 'pr_race', ref: `cs_${ref}`, times: 25 }]),
      ),
    );
    const wins = outputs.map((lines) => (JSON.parse(lines[0]!) as { won: number }).won);
    assert.equal(
      wins.reduce((a, b) => a + b, 0),
      1,
      `wins per process: ${wins.join(',')}`,
    );
    const reopened = await EmbeddedStore.open(dataDir);
    try {
      const stored = await reopened.paymentRequests.get('pr_race');
      assert.equal(stored?.state, 'paid');
      assert.equal(stored?.paymentRef, `cs_${'abcd'[wins.indexOf(1)]}`);
    } finally {
      await reopened.close();
    }
  });
});
