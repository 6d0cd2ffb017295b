/**
 * The ledger against Stripe's own balance: the emulator's `GET /v1/balance` (available plus pending per
 * currency, as Stripe's Balance object reports them) must equal, to the minor unit, the sum of the stored
 * moneyMovement records of that currency, which holds only if every fee is counted as money out, once.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  EMULATOR_SECRET_KEY,
  type StripeEmulator,
  startStripeEmulator,
} from '../../connectors/stripe/emulator.ts';
import {
  addConnection,
  listStripeRaw,
  type Rig,
  removeTempDirs,
  rig,
  settingsFor,
  stripeCredentials,
} from './helpers.ts';

/** The five currencies the test insists on; in each, Stripe's API scale is ISO 4217's (JPY 0, KWD 3, others 2). */
const CURRENCIES = ['EUR', 'GBP', 'JPY', 'KWD', 'USD'];

let emu: StripeEmulator;
let r: Rig;
let clock = Date.parse('2026-02-10T12:00:00Z');
const now = () => clock;

before(async () => {
  emu = await startStripeEmulator({ count: 600, seed: 5, now });
  r = await rig({ settings: settingsFor({ stripe: emu.url }), stripe: { now } });
  await addConnection(r.store, 'stripe', 'stripe', stripeCredentials());
});
after(async () => {
  await r.close();
  await emu.close();
  removeTempDirs();
});

interface BalanceAmount {
  readonly amount: number;
  readonly currency: string;
}

/** Stripe's balance per currency (available + pending), read over HTTP without the SDK or the connector. */
async function stripeBalance(): Promise<Record<string, number>> {
  const response = await fetch(`${emu.url}/v1/balance`, {
    headers: { authorization: `Bearer ${EMULATOR_SECRET_KEY}` },
  });
  assert.equal(response.status, 200);
  const body = (await response.json()) as { available: BalanceAmount[]; pending: BalanceAmount[] };
  const totals: Record<string, number> = {};
  for (const entry of [...body.available, ...body.pending]) {
    const code = entry.currency.toUpperCase();
    totals[code] = (totals[code] ?? 0) + entry.amount;
  }
  return totals;
}

/** Sum of the stored moneyMovement records per currency. */
async function ledgerTotals(): Promise<Record<string, number>> {
  const totals: Record<string, number> = {};
  for await (const record of r.store.iterateRecords({ connection: 'stripe' })) {
    if (!record.moneyMovement || record.currency === null) continue;
    totals[record.currency] = (totals[record.currency] ?? 0) + record.amount;
  }
  return totals;
}

const pick = (totals: Record<string, number>) =>
  Object.fromEntries(CURRENCIES.map((code) => [code, totals[code] ?? 0]));

describe('the Stripe ledger adds up to Stripe’s balance', () => {
  test('after the first sync, moneyMovement records sum to the balance in every currency, fees included', async () => {
    const run = await r.run('stripe');
    assert.equal(run.status, 'success', run.errorMessage ?? '');

    const balance = await stripeBalance();
    for (const code of CURRENCIES) assert.ok(code in balance, `the account holds ${code}`);
    // The emulator's balance is the sum of its balance transactions' net, as Stripe's is.
    const net: Record<string, number> = {};
    let fees = 0;
    for (const t of await listStripeRaw(emu.url, 'balance_transactions')) {
      const code = t.currency!.toUpperCase();
      net[code] = (net[code] ?? 0) + t.net!;
      if (t.fee !== 0) fees++;
    }
    assert.deepEqual(net, balance);
    assert.ok(fees > 50, `many transactions carry a fee (${fees})`);

    const ledger = await ledgerTotals();
    assert.deepEqual(Object.keys(ledger).sort(), Object.keys(balance).sort());
    assert.deepEqual(pick(ledger), pick(balance));
  });

  test('incremental syncs that re-read the overlap still count each fee once', async () => {
    clock += 3_600_000;
    emu.control.addObjects(40);
    const second = await r.run('stripe');
    assert.equal(second.status, 'success', second.errorMessage ?? '');
    // Nothing new: the next run re-reads only the overlap window, whose records (fees too) are upserted.
    const third = await r.run('stripe');
    assert.equal(third.status, 'success', third.errorMessage ?? '');
    assert.ok((third.streams.balance_transactions?.fetched ?? 0) >= 40, 'the overlap was read again');
    assert.equal(third.streams.balance_transactions?.inserted, 0);

    assert.deepEqual(pick(await ledgerTotals()), pick(await stripeBalance()));
    assert.deepEqual(await ledgerTotals(), await stripeBalance());
  });
});
