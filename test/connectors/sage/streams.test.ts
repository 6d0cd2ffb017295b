import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { SageEmulator } from '../../../connectors/sage/emulator.ts';
import { wireAmount } from '../../../connectors/sage/emulator-data.ts';
import { sageStreams } from '../../../connectors/sage/streams.ts';
import {
  context,
  credentialsFor,
  emulator,
  MemoryLedger,
  MemoryStore,
  settingsFor,
  streamNamed,
} from './helpers.ts';

let emu: SageEmulator;
let now = Date.UTC(2026, 0, 10, 12);
const clock = () => now;

describe('Sage streams', () => {
  before(async () => {
    emu = await emulator({
      now: clock,
      businesses: [
        { id: 'b0000000000000000000000000000001', name: 'Tiny Ltd', baseCurrency: 'GBP', payments: 5 },
      ],
      users: { 'user-single': ['b0000000000000000000000000000001'] },
    });
  });
  after(async () => emu.close());

  test('a full load, then changes, additions and deletions: the ledger holds exactly what Sage holds', async () => {
    const business = emu.control.business();
    const store = new MemoryStore(credentialsFor(emu, business.id, 'user-single', now));
    const streams = sageStreams(store.credentials, store, { now: clock, itemsPerPage: 2 });
    const ctx = context(settingsFor(emu));
    const payments = streamNamed(streams, 'contact_payments');
    const ledger = new MemoryLedger();
    emu.control.clearRequests();
    await ledger.sync(payments, ctx);
    const ids = business.objects('contact_payments').map((o) => o.id);
    assert.deepEqual(ledger.ids(), [...ids].sort());
    // Every request: the business header, all attributes, the page size asked.
    const api = emu.control.requests.filter((r) => r.kind === 'api');
    assert.ok(api.length >= 3, 'paged by $next');
    for (const r of api) {
      assert.equal(r.business, business.id);
      assert.equal(r.query['attributes'], 'all');
      assert.equal(r.query['items_per_page'], '2');
    }

    // Changes at a later moment: one amount changed (now a number literal), one added, one deleted.
    now += 60_000;
    business.update('contact_payments', ids[0]!, { total_amount: wireAmount(77_701, true) });
    const added = business.add('contact_payments', {
      transaction_type: { id: 'SUPPLIER_PAYMENT', displayed_as: 'Supplier Payment' },
      date: '2026-01-10',
      total_amount: '0.99',
      currency: { id: 'GBP' },
    });
    business.remove('contact_payments', ids[1]!);
    now += 60_000;
    emu.control.clearRequests();
    const pages = await ledger.sync(payments, ctx);
    const expected = [...ids.filter((id) => id !== ids[1]), added].sort();
    assert.deepEqual(ledger.ids(), expected);
    assert.equal(ledger.records.get(ids[0]!)?.amount, 77_701);
    assert.equal(ledger.records.get(added)?.amount, -99);
    // Only what changed came back (the inclusive boundary's object is not repeated), and one removal.
    assert.deepEqual(
      pages.flatMap((p) => p.objects.map((o) => (o as { id: string }).id)).sort(),
      [ids[0]!, added].sort(),
    );
    assert.deepEqual(
      pages.flatMap((p) => p.removedIds ?? []),
      [ids[1]],
    );
    const asked = emu.control.requests
      .filter((r) => r.kind === 'api')
      .map((r) => Object.keys(r.query).sort().join(','));
    assert.ok(asked.some((q) => q.includes('updated_or_created_since')));
    assert.ok(asked.some((q) => q.includes('deleted_since')));

    // A late commit: an object Sage stamps two minutes before the latest time already read is still caught
    // (the next read starts 5 minutes before it), and nothing already read comes back with it.
    const late = business.add(
      'contact_payments',
      {
        transaction_type: { id: 'CUSTOMER_RECEIPT', displayed_as: 'Customer Receipt' },
        date: '2026-01-10',
        total_amount: wireAmount(5_000, true),
        currency: { id: 'GBP' },
      },
      now - 3 * 60_000,
    );
    const caught = await ledger.sync(payments, ctx);
    assert.deepEqual(
      caught.flatMap((p) => p.objects.map((o) => (o as { id: string }).id)),
      [late],
    );
    expected.push(late);
    expected.sort();
    assert.deepEqual(ledger.ids(), expected);

    // Nothing changed: nothing comes back, not even the boundary's objects.
    now += 60_000;
    const quiet = await ledger.sync(payments, ctx);
    assert.deepEqual(
      quiet.flatMap((p) => p.objects),
      [],
    );
    assert.deepEqual(ledger.ids(), expected);
  });

  test('ledger accounts have no deleted_since: a whole read sees a deleted account by its absence', async () => {
    const business = emu.control.business();
    const store = new MemoryStore(credentialsFor(emu, business.id, 'user-single', now));
    const ctx = context(settingsFor(emu));
    const accounts = streamNamed(sageStreams(store.credentials, store, { now: clock }), 'ledger_accounts');
    const ledger = new MemoryLedger();
    await ledger.sync(accounts, ctx);
    const ids = business.objects('ledger_accounts').map((o) => o.id);
    assert.deepEqual(ledger.ids(), [...ids].sort());
    business.remove('ledger_accounts', ids[2]!);
    emu.control.clearRequests();
    await ledger.sync(accounts, ctx);
    assert.deepEqual(ledger.ids(), ids.filter((id) => id !== ids[2]).sort());
    assert.ok(emu.control.requests.every((r) => r.query['deleted_since'] === undefined));
  });

  test('a 429 waits what Retry-After says and a 500 is retried: the read completes', async () => {
    const business = emu.control.business();
    const store = new MemoryStore(credentialsFor(emu, business.id, 'user-single', now));
    const ctx = context(settingsFor(emu));
    const contacts = streamNamed(sageStreams(store.credentials, store, { now: clock }), 'contacts');
    emu.control.failNext({ status: 429, retryAfter: 7 });
    emu.control.failNext({ status: 503 });
    const ledger = new MemoryLedger();
    await ledger.sync(contacts, ctx);
    assert.deepEqual(
      ledger.ids(),
      business
        .objects('contacts')
        .map((o) => o.id)
        .sort(),
    );
    assert.equal(ctx.sleeps[0], 7_000);
    assert.equal(ctx.sleeps.length, 2);
  });
});
