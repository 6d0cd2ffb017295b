import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { createQuickBooksConnector } from '../../../connectors/quickbooks/connector.ts';
import type {
  QuickBooksEmulator,
  QuickBooksEmulatorOptions,
} from '../../../connectors/quickbooks/emulator.ts';
import { RealmLimiter } from '../../../connectors/quickbooks/limiter.ts';
import { decimalToMinor } from '../../../src/money.ts';
import {
  context,
  credentialsFor,
  emulator,
  MemoryLedger,
  MemoryStore,
  settingsFor,
  streamNamed,
} from './helpers.ts';

const MINUTE = 60_000;
const DAY = 86_400_000;
let emu: QuickBooksEmulator | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

async function setup(options: QuickBooksEmulatorOptions = {}, realmIndex = 0) {
  const clock = { now: Date.UTC(2025, 5, 1) };
  emu = await emulator({ now: () => clock.now, ...options });
  const e = emu;
  const realmId = e.control.realmIds[realmIndex]!;
  const store = new MemoryStore(credentialsFor(e, realmId, clock.now));
  const connector = createQuickBooksConnector({ now: () => clock.now, limiter: new RealmLimiter() });
  const stream = (name: string) => streamNamed(connector.streams(store.credentials, store), name);
  const ctx = context(settingsFor(e));
  /** Query and CDC requests the API saw, as [kind, detail]. */
  const reads = () =>
    e.control.requestLog
      .filter((r) => r.kind === 'api')
      .map((r) => (r.path.endsWith('/cdc') ? `cdc ${r.query['changedSince']}` : `query ${r.query['query']}`));
  /** The ledger must hold exactly the emulator's live entities, with exact amounts. */
  const assertMirrors = (ledger: MemoryLedger, entity: 'Invoice' | 'Payment') => {
    const expected = e.control.entities(entity, realmId);
    assert.deepEqual(
      ledger.ids(),
      expected.map((x) => String(x['Id'])).sort((a, b) => Number(a) - Number(b)),
    );
    for (const x of expected) {
      const currency = (x['CurrencyRef'] as { value: string }).value;
      assert.equal(ledger.get(String(x['Id']))?.amount, decimalToMinor(x['TotalAmt'] as number, currency));
    }
  };
  return { emu: e, clock, realmId, store, stream, ctx, reads, assertMirrors };
}

describe('QuickBooks streams', () => {
  test('the initial load pages by STARTPOSITION/MAXRESULTS 1000; only the last page carries the cursor', async () => {
    const { emu, realmId, stream, ctx, reads, assertMirrors, clock } = await setup({
      realms: [{ realmId: '4620816365000001', companyName: 'Big Co', homeCurrency: 'USD', invoices: 2500 }],
    });
    const ledger = new MemoryLedger();
    const pages = await ledger.sync(stream('invoices'), ctx);
    assert.deepEqual(
      pages.map((p) => [p.objects.length, p.cursor !== undefined]),
      [
        [1000, false],
        [1000, false],
        [500, true],
      ],
    );
    assert.deepEqual(reads(), [
      'query select * from invoice ORDERBY Id STARTPOSITION 1 MAXRESULTS 1000',
      'query select * from invoice ORDERBY Id STARTPOSITION 1001 MAXRESULTS 1000',
      'query select * from invoice ORDERBY Id STARTPOSITION 2001 MAXRESULTS 1000',
    ]);
    assert.equal(ledger.cursor?.['since'], new Date(clock.now).toISOString());
    assert.equal(ledger.records.size, 2500);
    assert.equal(emu.control.realm(realmId).spec.companyName, 'Big Co');
    assertMirrors(ledger, 'Invoice');
  });

  test('incremental syncs read CDC since the cursor (with overlap): creates, updates and deletes', async () => {
    const { emu, clock, stream, ctx, reads, assertMirrors } = await setup();
    const invoices = new MemoryLedger();
    const payments = new MemoryLedger();
    await invoices.sync(stream('invoices'), ctx);
    await payments.sync(stream('payments'), ctx);
    const firstCursor = invoices.cursor?.['since'] as string;

    clock.now += 10 * MINUTE;
    const created = emu.control.create('Invoice', { amounts: ['0.1', '0.2'] });
    const createdId = String(created['Id']);
    emu.control.update('Invoice', '1002', { amounts: ['4.35'] });
    emu.control.delete('Invoice', '1004');
    const payment = emu.control.create('Payment', { invoiceId: createdId, amount: '0.3', customerId: '1' });
    emu.control.delete('Payment', '5001');
    clock.now += 10 * MINUTE;
    emu.control.clearLog();

    const invoicePages = await invoices.sync(stream('invoices'), ctx);
    const paymentPages = await payments.sync(stream('payments'), ctx);
    assert.deepEqual(reads(), [
      `cdc ${new Date(Date.parse(firstCursor) - 5 * MINUTE).toISOString()}`,
      `cdc ${new Date(Date.parse(firstCursor) - 5 * MINUTE).toISOString()}`,
    ]);
    assert.equal(invoicePages.length, 1);
    assert.deepEqual(invoicePages[0]?.removedIds, ['1004']);
    assert.deepEqual(paymentPages[0]?.removedIds, ['5001']);
    assert.equal(invoices.get(createdId)?.amount, 30);
    assert.equal(invoices.get(createdId)?.status, 'paid');
    assert.equal(invoices.get('1002')?.amount, 435);
    assert.equal(invoices.get('1004'), undefined);
    assert.equal(payments.get(String(payment['Id']))?.amount, 30);
    assert.equal(invoices.cursor?.['since'], new Date(clock.now).toISOString());
    assertMirrors(invoices, 'Invoice');
    assertMirrors(payments, 'Payment');

    // Nothing changed since: the next read brings nothing.
    clock.now += 10 * MINUTE;
    const quiet = await invoices.sync(stream('invoices'), ctx);
    assert.deepEqual(
      quiet.map((p) => [p.objects.length, p.removedIds?.length]),
      [[0, 0]],
    );
  });

  test('a cursor older than the CDC window falls back to a query on MetaData.LastUpdatedTime', async () => {
    const { emu, clock, stream, ctx, reads, assertMirrors } = await setup();
    const ledger = new MemoryLedger();
    await ledger.sync(stream('invoices'), ctx);
    clock.now += 40 * DAY;
    emu.control.update('Invoice', '1003', { amounts: ['1.15'] });
    emu.control.clearLog();
    const pages = await ledger.sync(stream('invoices'), ctx);
    const since = new Date(Date.UTC(2025, 5, 1) - 5 * MINUTE).toISOString().slice(0, 19);
    assert.deepEqual(reads(), [
      `query select * from invoice WHERE MetaData.LastUpdatedTime >= '${since}+00:00' ORDERBY Id STARTPOSITION 1 MAXRESULTS 1000`,
    ]);
    assert.deepEqual(
      pages[0]?.objects.map((o) => (o as Record<string, unknown>)['Id']),
      ['1003'],
    );
    assert.equal(ledger.get('1003')?.amount, 115);
    assert.equal(ledger.cursor?.['since'], new Date(clock.now).toISOString());
    assertMirrors(ledger, 'Invoice');
  });

  test('a CDC answer at its 1000-object cap is completed by a query; its deletions still apply', async () => {
    const { emu, clock, stream, ctx, assertMirrors } = await setup();
    const ledger = new MemoryLedger();
    await ledger.sync(stream('invoices'), ctx);
    clock.now += 10 * MINUTE;
    emu.control.delete('Invoice', '1001');
    clock.now += 1000;
    for (let i = 0; i < 1100; i++) emu.control.create('Invoice', { amounts: ['2.5'] });
    clock.now += 10 * MINUTE;
    const pages = await ledger.sync(stream('invoices'), ctx);
    assert.deepEqual(pages[0]?.removedIds, ['1001']);
    assert.equal(ledger.records.size, 50 - 1 + 1100);
    assertMirrors(ledger, 'Invoice');
  });

  test('customers include inactive ones, and a deactivation arrives as an update', async () => {
    const { emu, clock, stream, ctx } = await setup();
    const ledger = new MemoryLedger();
    await ledger.sync(stream('customers'), ctx);
    assert.equal(ledger.records.size, 10);
    assert.equal(ledger.get('3')?.status, 'active');
    clock.now += 10 * MINUTE;
    emu.control.update('Customer', '3', { active: false });
    clock.now += 10 * MINUTE;
    await ledger.sync(stream('customers'), ctx);
    assert.equal(ledger.get('3')?.status, 'inactive');
    assert.equal(ledger.get('3')?.kind, 'customer');
    assert.equal(ledger.get('3')?.amount, 0);
  });

  test('multi-currency company: amounts exact in each transaction currency (JPY, KWD, USD, EUR)', async () => {
    const { stream, ctx } = await setup({}, 1);
    const ledger = new MemoryLedger();
    await ledger.sync(stream('invoices'), ctx);
    const seen = [...ledger.records.values()].map((r) => [r.currency, r.amount]);
    // First invoices use Intuit-style tricky decimals: 0.1 + 0.2, 1500 yen, 12.345 and 1.005 + 0.001 dinars.
    assert.deepEqual(seen.slice(0, 8), [
      ['USD', 30],
      ['JPY', 1500],
      ['KWD', 12345],
      ['EUR', 30],
      ['USD', 435],
      ['JPY', 100],
      ['KWD', 1006],
      ['EUR', 820],
    ]);
  });
});
