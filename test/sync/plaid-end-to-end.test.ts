import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type PlaidEmulator, startPlaidEmulator } from '../../connectors/plaid/emulator.ts';
import { pendingPredecessorOf } from '../../connectors/plaid/normalize.ts';
import { CALENDAR_DATE_PROVIDERS } from '../../src/digest/queries.ts';
import type { LedgerRecord } from '../../src/records.ts';
import { genericDigestQueries } from '../../src/store/generic/digest-queries.ts';
import {
  addConnection,
  expectedPlaidTransactions,
  type Money,
  type Rig,
  removeTempDirs,
  rig,
  settingsFor,
  storedMoney,
} from './helpers.ts';

let emu: PlaidEmulator;
let r: Rig;

before(async () => {
  emu = await startPlaidEmulator({ transactionsPerItem: 1_200, today: '2026-01-31', seed: 3 });
  r = await rig({ settings: settingsFor({ plaid: emu }) });
});
after(async () => {
  await r.close();
  await emu.close();
  removeTempDirs();
});

/** A new Plaid item and a connection to it; returns the item id. */
async function connectItem(name: string): Promise<string> {
  const item = emu.control.createItem();
  await addConnection(r.store, name, 'plaid', { access_token: item.accessToken, item_id: item.itemId });
  return item.itemId;
}

const transactionsOf = (stored: readonly Money[]) =>
  stored.filter((s) => s.id.startsWith('plaid:transactions:'));
/** /transactions/sync answers that were MUTATION_DURING_PAGINATION (the only 400 these tests provoke). */
const mutationAnswers = () =>
  emu.control.requestLog.filter((e) => e.path === '/transactions/sync' && e.status === 400).length;
/** What the ledger should hold now: every transaction, and only the posted ones as money movements. */
const expectedNow = (itemId: string) => {
  const transactions = emu.control.transactions(itemId);
  const pending = new Set(
    transactions.filter((t) => t.pending).map((t) => `plaid:transactions:${t.transaction_id}`),
  );
  return expectedPlaidTransactions(transactions).map((m) =>
    pending.has(m.id) ? { ...m, moneyMovement: false } : m,
  );
};

async function recordOf(connection: string, transactionId: string): Promise<LedgerRecord | undefined> {
  for await (const record of r.store.iterateRecords({ connection }))
    if (record.id === `plaid:transactions:${transactionId}`) return record;
  return undefined;
}

/** The digest's money out of `connection` on a UTC date, through the SQL path and the Store-interface path. */
async function moneyOutOn(connection: string, date: string): Promise<{ out: bigint; movements: number }> {
  const day = {
    date,
    start: new Date(`${date}T00:00:00Z`),
    end: new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000),
  };
  const sql = await r.store.digest.moneyByConnection(day, CALENDAR_DATE_PROVIDERS);
  assert.deepEqual(
    await genericDigestQueries(r.store).moneyByConnection(day, CALENDAR_DATE_PROVIDERS),
    sql,
    'both query paths agree',
  );
  const own = sql.filter((m) => m.connection === connection);
  return {
    out: own.reduce((sum, m) => sum + m.moneyOut, 0n),
    movements: own.reduce((sum, m) => sum + m.movements, 0),
  };
}

describe('plaid through the SDK, the emulator, the engine and the embedded store', () => {
  let itemId: string;

  test('the initial sync stores every transaction and account balance with exact amounts and signs', async () => {
    itemId = await connectItem('plaid');
    const run = await r.run('plaid');
    assert.equal(run.status, 'success', run.errorMessage ?? '');
    assert.equal(run.streams.transactions?.inserted, 1_200);
    assert.equal(run.streams.accounts?.inserted, 5);

    const stored = await storedMoney(r.store, 'plaid');
    assert.deepEqual(transactionsOf(stored), expectedNow(itemId));
    assert.equal(await r.store.countRecords('plaid'), 1_205);

    const amount = (n: number) => {
      const id = `plaid:transactions:txn-1-${String(n).padStart(5, '0')}`;
      const found = stored.find((s) => s.id === id);
      assert.ok(found, id);
      return [found.amount, found.currency];
    };
    // Plaid: positive = money out. Ledger: positive = money in, integer minor units of ISO 4217.
    const table: [number, number, string][] = [
      [0, -10, 'USD'], // 0.10
      [1, -20, 'USD'], // 0.20
      [2, -30, 'USD'], // 0.30
      [3, -1999, 'USD'], // 19.99
      [5, -115, 'USD'], // 1.15
      [7, 123456, 'USD'], // payroll -1234.56
      [8, 1234567890, 'USD'], // -12345678.90
      [10, 50000, 'USD'], // card payment, money in
      [11, -1500, 'JPY'], // ¥1500: no decimals
      [12, 250000, 'JPY'],
      [13, -3, 'JPY'],
      [14, -1005, 'KWD'], // 1.005 KWD: three decimals
      [15, -125, 'KWD'],
      [16, 12345, 'KWD'],
      [17, -1, 'KWD'], // 0.001 KWD
    ];
    for (const [n, minor, currency] of table) assert.deepEqual(amount(n), [minor, currency], `txn ${n}`);
    // 0.1 + 0.2 is exactly 0.3 in the ledger.
    assert.equal((amount(0)[0] as number) + (amount(1)[0] as number), amount(2)[0]);

    const balances = Object.fromEntries(
      stored.filter((s) => s.id.startsWith('plaid:accounts:')).map((s) => [s.id, [s.amount, s.currency]]),
    );
    assert.deepEqual(balances, {
      'plaid:accounts:acc-1-checking': [11030, 'USD'],
      'plaid:accounts:acc-1-savings': [21020, 'USD'],
      'plaid:accounts:acc-1-credit': [-41029, 'USD'], // owed on the card: a liability
      'plaid:accounts:acc-1-yen': [152340, 'JPY'],
      'plaid:accounts:acc-1-dinar': [1234567, 'KWD'],
    });
  });

  test('modifications and removals are applied; removed records are gone and counted as deleted', async () => {
    const ids = (ns: number[]) => ns.map((n) => `txn-1-${String(n).padStart(5, '0')}`);
    emu.control.modifyTransactions(ids([3]), { amount: 0.3 });
    emu.control.modifyTransactions(ids([100]), { name: 'Renamed merchant' });
    emu.control.modifyTransactions(ids([14]), { amount: '-2.5' });
    const removed = ids([0, 11, 17, 600]);
    emu.control.removeTransactions(removed);

    const run = await r.run('plaid');
    assert.equal(run.status, 'success', run.errorMessage ?? '');
    assert.deepEqual(run.streams.transactions, {
      fetched: 3,
      inserted: 0,
      updated: 3,
      deleted: 4,
      skipped: 0,
    });

    const stored = await storedMoney(r.store, 'plaid');
    assert.deepEqual(transactionsOf(stored), expectedNow(itemId));
    for (const id of removed)
      assert.ok(!stored.some((s) => s.id === `plaid:transactions:${id}`), `${id} gone`);
    assert.equal(stored.find((s) => s.id === 'plaid:transactions:txn-1-00003')?.amount, -30);
    assert.deepEqual(
      [stored.find((s) => s.id === 'plaid:transactions:txn-1-00014')?.amount, 'KWD'],
      [2500, 'KWD'],
    );
    assert.equal(await r.store.countRecords('plaid'), 1_205 - 4);

    // Nothing changed since: a sync is a no-op for transactions.
    const quiet = await r.run('plaid');
    assert.deepEqual(quiet.streams.transactions, {
      fetched: 0,
      inserted: 0,
      updated: 0,
      deleted: 0,
      skipped: 0,
    });
  });

  test('data changing during pagination of the initial sync ends with the exact record set', async () => {
    const item = await connectItem('plaid-mutating');
    const firstPageId = item.replace('item-sandbox-', 'txn-');
    const gone = `${firstPageId}-00010`;
    const amended = `${firstPageId}-00003`;
    let changed = false;
    const refusedBefore = mutationAnswers();
    // When the second page of the set is asked for (the first, holding both, has been read), a transaction
    // disappears and another changes: Plaid answers MUTATION_DURING_PAGINATION and the set restarts from
    // its start. Placed by the emulator, not by the client's progress, so no prefetch can outrun it.
    emu.control.mutateDuringPagination(() => {
      changed = true;
      emu.control.removeTransactions([gone]);
      emu.control.modifyTransactions([amended], { amount: 0.3 });
    });
    const run = await r.run('plaid-mutating');
    assert.ok(changed);
    assert.equal(mutationAnswers(), refusedBefore + 1, 'Plaid refused one page and the set restarted');
    assert.equal(run.status, 'success', run.errorMessage ?? '');
    const stored = transactionsOf(await storedMoney(r.store, 'plaid-mutating'));
    assert.deepEqual(stored, expectedNow(item));
    assert.ok(
      !stored.some((s) => s.id === `plaid:transactions:${gone}`),
      'the vanished transaction is not kept',
    );
    assert.equal(stored.find((s) => s.id === `plaid:transactions:${amended}`)?.amount, -30);
  });

  test('a pending transaction that posts is counted once, on its posted date, at its posted amount', async () => {
    const item = await connectItem('plaid-pending');
    const prefix = item.replace('item-sandbox-', 'txn-');
    // Two card payments pending since 2026-01-30 (the emulator's fixed ones): a bistro bill and a hotel hold.
    const [bistro, hotel] = [`${prefix}-00018`, `${prefix}-00019`];
    const first = await r.run('plaid-pending');
    assert.equal(first.status, 'success', first.errorMessage ?? '');
    const held = await recordOf('plaid-pending', bistro);
    assert.deepEqual([held?.status, held?.moneyMovement, held?.amount], ['pending', false, -4_250]);
    const before = {
      pendingDay: await moneyOutOn('plaid-pending', '2026-01-30'),
      postedDay: await moneyOutOn('plaid-pending', '2026-02-02'),
    };

    // Both post on 2026-02-02: the bistro with a 7.50 tip, the hotel hold released to the real bill.
    const [bistroPosted, hotelPosted] = [
      ...emu.control.postPendingTransactions([bistro], { amount: '50.00', date: '2026-02-02' }),
      ...emu.control.postPendingTransactions([hotel], { amount: 212.4, date: '2026-02-02' }),
    ];
    assert.ok(bistroPosted && hotelPosted);
    const second = await r.run('plaid-pending');
    assert.equal(second.status, 'success', second.errorMessage ?? '');
    assert.deepEqual(second.streams.transactions, {
      fetched: 2,
      inserted: 2,
      updated: 0,
      deleted: 2,
      skipped: 0,
    });
    const stored = transactionsOf(await storedMoney(r.store, 'plaid-pending'));
    assert.deepEqual(stored, expectedNow(item));
    assert.ok(
      !stored.some((s) => s.id.endsWith(bistro) || s.id.endsWith(hotel)),
      'the pending rows are gone',
    );

    const posted = await recordOf('plaid-pending', bistroPosted.transaction_id);
    assert.deepEqual(
      [posted?.status, posted?.moneyMovement, posted?.amount, posted?.occurredAt],
      ['posted', true, -5_000, '2026-02-02T00:00:00.000Z'],
    );
    assert.equal(posted && pendingPredecessorOf(posted.raw), bistro, 'the posted row names its pending one');

    const after = {
      pendingDay: await moneyOutOn('plaid-pending', '2026-01-30'),
      postedDay: await moneyOutOn('plaid-pending', '2026-02-02'),
    };
    assert.deepEqual(
      after.pendingDay,
      before.pendingDay,
      'the pending day never counted them and still does not',
    );
    assert.deepEqual(after.postedDay, {
      out: before.postedDay.out + 5_000n + 21_240n,
      movements: before.postedDay.movements + 2,
    });
  });

  test('a mutation during an incremental pagination set ends with the exact record set', async () => {
    emu.control.addTransactions(700, { itemId });
    emu.control.mutateDuringPagination();
    const refusedBefore = mutationAnswers();
    const run = await r.run('plaid');
    assert.equal(mutationAnswers(), refusedBefore + 1, 'Plaid refused one page and the set restarted');
    assert.equal(run.status, 'success', run.errorMessage ?? '');
    const stored = transactionsOf(await storedMoney(r.store, 'plaid'));
    assert.deepEqual(stored, expectedNow(itemId));
    assert.equal(stored.length, 1_200 - 4 + 700 + 1, 'the transaction added mid-set is there too');
  });
});
