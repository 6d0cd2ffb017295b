import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type StripeEmulator, startStripeEmulator } from '../../connectors/stripe/emulator.ts';
import type { LedgerRecord } from '../../src/records.ts';
import {
  addConnection,
  expectedStripe,
  listStripeRaw,
  type Rig,
  removeTempDirs,
  rig,
  STRIPE_LISTS,
  settingsFor,
  storedMoney,
  stripeCredentials,
} from './helpers.ts';

let emu: StripeEmulator;
let r: Rig;
let clock = Date.parse('2026-01-31T12:00:00Z');
const now = () => clock;

before(async () => {
  emu = await startStripeEmulator({ count: 400, seed: 11, now });
  r = await rig({ settings: settingsFor({ stripe: emu.url }), stripe: { now } });
  await addConnection(r.store, 'stripe', 'stripe', stripeCredentials());
});
after(async () => {
  await r.close();
  await emu.close();
  removeTempDirs();
});

async function allRecords(): Promise<LedgerRecord[]> {
  const out: LedgerRecord[] = [];
  for await (const record of r.store.iterateRecords({ connection: 'stripe' })) out.push(record);
  return out;
}

describe('stripe through the SDK, the emulator, the engine and the embedded store', () => {
  test('the initial sync stores exactly the records the account holds, in exact minor units', async () => {
    const run = await r.run('stripe');
    assert.equal(run.status, 'success', run.errorMessage ?? '');
    const expected = await expectedStripe(emu.url);
    const stored = await storedMoney(r.store, 'stripe');
    assert.equal(stored.length, expected.length);
    assert.deepEqual(stored, expected);
    assert.equal(
      await r.store.countRecords('stripe'),
      expected.length,
      'record counter agrees with the rows',
    );

    // Every object is fetched once; a balance transaction with a fee is stored as two records (gross, fee).
    const counts = emu.control.counts();
    const withFee = (await listStripeRaw(emu.url, 'balance_transactions')).filter((t) => t.fee !== 0).length;
    assert.ok(withFee > 0, 'the data set has fees');
    for (const list of STRIPE_LISTS) {
      const records = list === 'balance_transactions' ? counts[list] + withFee : counts[list];
      assert.equal(run.streams[list]?.inserted, records, `${list} inserted`);
      assert.equal(run.streams[list]?.fetched, counts[list], `${list} fetched`);
    }
    // The data set really exercises the awkward currencies and both signs.
    const currencies = new Set(stored.map((s) => s.currency));
    for (const code of ['USD', 'JPY', 'KWD']) assert.ok(currencies.has(code), `has ${code} records`);
    assert.ok(stored.some((s) => s.currency === 'KWD' && s.amount % 10 === 0 && Math.abs(s.amount) >= 100));
    assert.ok(stored.some((s) => s.amount < 0) && stored.some((s) => s.amount > 0));

    // One JPY charge and one KWD refund by hand: ¥ amounts are whole yen, KWD amounts are fils (3 decimals).
    const rawCharges = await listStripeRaw(emu.url, 'charges');
    const yen = rawCharges.find((c) => c.currency === 'jpy')!;
    const yenRecord = stored.find((s) => s.id === `stripe:charges:${yen.id}`)!;
    assert.deepEqual([yenRecord.amount, yenRecord.currency], [yen.amount, 'JPY']);
    const dinarRefund = (await listStripeRaw(emu.url, 'refunds')).find((x) => x.currency === 'kwd');
    if (dinarRefund) {
      const record = stored.find((s) => s.id === `stripe:refunds:${dinarRefund.id}`)!;
      assert.deepEqual([record.amount, record.currency], [-dinarRefund.amount!, 'KWD']);
    }
  });

  test('an incremental sync fetches only the new objects and stores exactly them', async () => {
    const before = emu.control.counts();
    const storedBefore = await r.store.countRecords('stripe');
    clock += 3_600_000;
    const added = emu.control.addObjects(7);
    assert.equal(added.length, 7);
    const after = emu.control.counts();
    emu.control.clearLog();

    const run = await r.run('stripe');
    assert.equal(run.status, 'success', run.errorMessage ?? '');

    // One request per stream (the lists, disputes and events), bounded below by the last window (minus the
    // overlap): nothing old re-read, and no object re-fetched for the events of its own creation.
    const requests = emu.control.requestLog;
    assert.equal(requests.length, STRIPE_LISTS.length + 2, JSON.stringify(requests.map((q) => q.path)));
    for (const request of requests) {
      assert.ok(request.query['created[gte]'] !== undefined, `${request.path} has a lower bound`);
      assert.equal(request.query.starting_after, undefined);
    }
    const addedTxns = (await listStripeRaw(emu.url, 'balance_transactions')).filter((t) =>
      added.includes(t.id),
    );
    const newFees = addedTxns.filter((t) => t.fee !== 0).length;
    emu.control.clearLog();
    let newRecords = 0;
    for (const list of STRIPE_LISTS) {
      const delta = after[list] - before[list];
      const records = list === 'balance_transactions' ? delta + newFees : delta;
      newRecords += records;
      assert.equal(run.streams[list]?.fetched, delta, `${list} fetched only new objects`);
      assert.equal(run.streams[list]?.inserted, records, `${list} inserted`);
      assert.equal(run.streams[list]?.updated, 0, `${list} updated`);
    }
    assert.equal(run.streams.balance_transactions?.fetched, 7);
    assert.equal(run.streams.balance_transactions?.inserted, 7 + newFees);
    assert.equal(await r.store.countRecords('stripe'), storedBefore + newRecords);

    emu.control.clearLog();
    const expected = await expectedStripe(emu.url);
    const stored = await storedMoney(r.store, 'stripe');
    assert.deepEqual(stored, expected);
    for (const id of added) assert.ok(stored.some((s) => s.id === `stripe:balance_transactions:${id}`));
  });

  test('totals over moneyMovement records count each charge once and each fee once, though charges and balance transactions both synced', async () => {
    const records = await allRecords();
    const rawTxns = await listStripeRaw(emu.url, 'balance_transactions');
    const rawCharges = await listStripeRaw(emu.url, 'charges');

    const sum = (rows: readonly { amount: number; currency: string | null }[]) => {
      const totals = new Map<string, number>();
      for (const row of rows) totals.set(row.currency!, (totals.get(row.currency!) ?? 0) + row.amount);
      return Object.fromEntries([...totals].sort());
    };
    // Stripe's balance moves by each transaction's net: its gross amount minus the fee taken from it.
    const balanceChange = sum(rawTxns.map((t) => ({ amount: t.net!, currency: t.currency!.toUpperCase() })));
    const feesTaken = sum(
      rawTxns
        .filter((t) => t.fee !== 0)
        .map((t) => ({ amount: -t.fee!, currency: t.currency!.toUpperCase() })),
    );
    const grossCharges = sum(
      rawCharges.map((c) => ({ amount: c.amount!, currency: c.currency!.toUpperCase() })),
    );

    const movements = records.filter((x) => x.moneyMovement);
    assert.equal(movements.length, rawTxns.length + rawTxns.filter((t) => t.fee !== 0).length);
    assert.ok(movements.every((x) => x.stream === 'balance_transactions'));
    assert.deepEqual(sum(movements), balanceChange);
    assert.deepEqual(sum(movements.filter((x) => x.id.endsWith(':fee'))), feesTaken);
    assert.deepEqual(sum(movements.filter((x) => x.kind === 'charge')), grossCharges);
    // Without the flag, every charge would be counted twice.
    const everyChargeRecord = sum(records.filter((x) => x.kind === 'charge'));
    for (const [currency, total] of Object.entries(grossCharges))
      assert.equal(everyChargeRecord[currency], 2 * total);
  });
});
