import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { PlaidMutationDuringPaginationError } from '../../../connectors/plaid/client.ts';
import { createPlaidConnector, plaidConnector } from '../../../connectors/plaid/connector.ts';
import type { PlaidEmulator, PlaidEmulatorOptions } from '../../../connectors/plaid/emulator.ts';
import type { Credentials, Page, Stream } from '../../../connectors/types.ts';
import { AuthError } from '../../../src/errors.ts';
import { draftsOf } from '../../../src/records.ts';
import { context, emulator, MemoryLedger, nextPage, settingsFor } from './helpers.ts';

let emu: PlaidEmulator | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

async function setup(options: PlaidEmulatorOptions = {}, connector = plaidConnector) {
  emu = await emulator(options);
  const item = emu.control.createItem();
  const credentials: Credentials = { access_token: item.accessToken, item_id: item.itemId };
  const stream = (name: string): Stream => connector.streams(credentials).find((s) => s.name === name)!;
  const ctx = context(settingsFor(emu));
  const control = emu.control;
  /** The cursors sent to /transactions/sync, in order. */
  const sentCursors = () =>
    control.requestLog.filter((e) => e.path === '/transactions/sync').map((e) => e.body['cursor'] as string);
  /** The ledger must hold exactly the emulator's transactions, with exact amounts and names. */
  const assertMirrors = (ledger: MemoryLedger) => {
    const expected = control.transactions(item.itemId);
    assert.deepEqual(ledger.ids(), expected.map((t) => t.transaction_id).sort());
    for (const t of expected) {
      const record = ledger.get(t.transaction_id)!;
      assert.equal(record.description, t.name);
      assert.equal(record.currency, t.iso_currency_code);
    }
  };
  return { item, stream, ctx, control, sentCursors, assertMirrors };
}

describe('Plaid transactions stream', () => {
  test('an initial sync stores every transaction and ends on a cursor', async () => {
    const { stream, ctx, assertMirrors } = await setup();
    const ledger = new MemoryLedger();
    const pages = await ledger.sync(stream('transactions'), ctx);
    assert.equal(pages.length, 1);
    assert.equal(ledger.records.size, 60);
    assert.equal(typeof ledger.cursor?.['cursor'], 'string');
    assertMirrors(ledger);
    // Exact amounts and signs straight from the emulator's tricky fixed set.
    const amounts = [
      'txn-1-00000',
      'txn-1-00003',
      'txn-1-00007',
      'txn-1-00011',
      'txn-1-00014',
      'txn-1-00016',
    ].map((id) => [ledger.get(id)?.amount, ledger.get(id)?.currency]);
    assert.deepEqual(amounts, [
      [-10, 'USD'],
      [-1999, 'USD'],
      [123456, 'USD'],
      [-1500, 'JPY'],
      [-1005, 'KWD'],
      [12345, 'KWD'],
    ]);
  });

  test('an incremental sync fetches only the changes: added, modified applied, removed reported', async () => {
    const { stream, ctx, control, sentCursors, assertMirrors } = await setup();
    const ledger = new MemoryLedger();
    await ledger.sync(stream('transactions'), ctx);
    const stored = ledger.cursor?.['cursor'];

    const quiet = await ledger.sync(stream('transactions'), ctx);
    assert.deepEqual(
      quiet.map((p) => [p.objects.length, p.removedIds?.length]),
      [[0, 0]],
    );

    const added = control.addTransactions(3);
    control.modifyTransactions(['txn-1-00001', 'txn-1-00002'], { amount: 2.5, name: 'Corrected' });
    control.removeTransactions(['txn-1-00005']);
    const pages = await ledger.sync(stream('transactions'), ctx);
    assert.equal(pages.length, 1);
    assert.equal(pages[0]?.objects.length, 5);
    assert.deepEqual(pages[0]?.removedIds, ['txn-1-00005']);
    assert.equal(ledger.get('txn-1-00001')?.amount, -250);
    assert.equal(ledger.get('txn-1-00001')?.description, 'Corrected');
    assert.equal(ledger.get('txn-1-00005'), undefined);
    for (const t of added) assert.ok(ledger.get(t.transaction_id));
    assertMirrors(ledger);
    // Each read started exactly where the previous one ended.
    assert.deepEqual(sentCursors(), ['', stored, stored]);
  });

  test('pages inside a pagination set carry no cursor; only the last one does', async () => {
    const { stream, ctx, control, assertMirrors } = await setup({ transactionsPerItem: 1200 });
    const ledger = new MemoryLedger();
    const pages = await ledger.sync(stream('transactions'), ctx);
    assert.deepEqual(
      pages.map((p) => [p.objects.length, p.cursor === undefined]),
      [
        [500, true],
        [500, true],
        [200, false],
      ],
    );
    const counts = control.requestLog
      .filter((e) => e.path === '/transactions/sync')
      .map((e) => e.body['count']);
    assert.deepEqual(counts, [500, 500, 500]);
    assertMirrors(ledger);
  });

  test('a mutation during pagination restarts the whole set from the cursor the read started with', async () => {
    const { stream, ctx, control, sentCursors, assertMirrors } = await setup({ transactionsPerItem: 1200 });
    const ledger = new MemoryLedger();
    await ledger.sync(stream('transactions'), ctx);
    const start = ledger.cursor?.['cursor'];
    control.addTransactions(1100);

    const pages = stream('transactions').read(ledger.cursor, ctx)[Symbol.asyncIterator]();
    const first = await nextPage(pages);
    assert.equal(first.cursor, undefined);
    control.mutateDuringPagination();
    const rest = [];
    for (let page = await pages.next(); !page.done; page = await pages.next()) rest.push(page.value);
    // Three requests of the initial sync, the first page, the refused second page, then the set again from `start`.
    const cursors = sentCursors();
    assert.deepEqual(
      cursors.flatMap((c, i) => (c === start ? [i] : [])),
      [3, 5],
    );
    assert.deepEqual(
      rest.map((p) => [p.objects.length, p.cursor === undefined]),
      [
        [500, true],
        [500, true],
        [101, false],
      ],
    );
    const transactions = stream('transactions');
    for (const page of [first, ...rest]) {
      for (const raw of page.objects)
        for (const draft of draftsOf(transactions.normalize(raw))) ledger.records.set(draft.id, draft);
    }
    assertMirrors(ledger);
  });

  test('a transaction added and removed while a set is restarted is removed with the final cursor', async () => {
    const { stream, ctx, control, assertMirrors } = await setup({ transactionsPerItem: 1200 });
    const ledger = new MemoryLedger();
    const transactions = stream('transactions');
    const pages = transactions.read(null, ctx)[Symbol.asyncIterator]();
    const first = await nextPage(pages);
    for (const raw of first.objects)
      for (const draft of draftsOf(transactions.normalize(raw))) ledger.records.set(draft.id, draft);
    assert.ok(ledger.get('txn-1-00000'));
    // Like a pending transaction that posts: gone before the restarted set, so Plaid never mentions it again.
    control.removeTransactions(['txn-1-00000']);
    let last: Page | undefined;
    for (let page = await pages.next(); !page.done; page = await pages.next()) {
      last = page.value;
      for (const raw of page.value.objects)
        for (const draft of draftsOf(transactions.normalize(raw))) ledger.records.set(draft.id, draft);
      for (const id of page.value.removedIds ?? []) ledger.records.delete(`plaid:transactions:${id}`);
    }
    assert.ok(last?.removedIds?.includes('txn-1-00000'));
    assert.notEqual(last?.cursor, undefined);
    assertMirrors(ledger);
  });

  test('restarts are bounded: a set that keeps changing gives the error to the engine', async () => {
    const connector = createPlaidConnector({ maxPaginationRestarts: 2 });
    const { stream, ctx, control } = await setup({ transactionsPerItem: 1200 }, connector);
    let pagesSeen = 0;
    await assert.rejects(async () => {
      for await (const _page of stream('transactions').read(null, ctx)) {
        pagesSeen++;
        control.mutateDuringPagination();
      }
    }, PlaidMutationDuringPaginationError);
    assert.equal(pagesSeen, 3);
  });

  test('a rate limit in the middle of a set is retried in place, not restarted', async () => {
    const { stream, ctx, control, sentCursors, assertMirrors } = await setup({ transactionsPerItem: 1200 });
    const ledger = new MemoryLedger();
    control.failNext(1, 'rate_limit', '/transactions/sync');
    const pages = await ledger.sync(stream('transactions'), ctx);
    assert.equal(pages.length, 3);
    assert.equal(ctx.sleeps.length, 1);
    assert.equal(sentCursors().filter((c) => c === undefined || c === '').length, 2);
    assertMirrors(ledger);
  });

  test('an item that needs its user to log in again fails with an AuthError', async () => {
    const { item, stream, ctx, control } = await setup();
    control.resetLogin(item.itemId);
    await assert.rejects(new MemoryLedger().sync(stream('transactions'), ctx), AuthError);
  });

  test('credentials without an access token fail with an AuthError', async () => {
    const { ctx } = await setup();
    const [, transactions] = plaidConnector.streams({ item_id: 'x' });
    await assert.rejects(new MemoryLedger().sync(transactions!, ctx), AuthError);
  });
});

describe('Plaid accounts stream', () => {
  test('one account record per account, and accounts gone since the last read are removed', async () => {
    const { stream, ctx } = await setup();
    const ledger = new MemoryLedger();
    ledger.cursor = { accountIds: ['acc-closed', 'acc-1-checking'] };
    const [page] = await ledger.sync(stream('accounts'), ctx);
    assert.deepEqual(page?.removedIds, ['acc-closed']);
    assert.equal(ledger.records.size, 5);
    assert.deepEqual(
      ledger.ids().map((id) => [id, ledger.get(id)?.amount, ledger.get(id)?.currency]),
      [
        ['acc-1-checking', 11030, 'USD'],
        ['acc-1-credit', -41029, 'USD'],
        ['acc-1-dinar', 1234567, 'KWD'],
        ['acc-1-savings', 21020, 'USD'],
        ['acc-1-yen', 152340, 'JPY'],
      ],
    );
    assert.ok([...ledger.records.values()].every((r) => r.kind === 'account' && !r.moneyMovement));
  });
});
