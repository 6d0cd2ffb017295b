import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { computeDigest } from '../../src/digest/compute.ts';
import { digestMessage } from '../../src/messages/digest.ts';
import { formatMoney } from '../../src/money.ts';
import type { EmbeddedStore } from '../../src/store/embedded/embedded-store.ts';
import { genericDigestQueries } from '../../src/store/generic/digest-queries.ts';
import { checkBlockKit } from '../helpers/block-kit.ts';
import {
  cleanUp,
  connection,
  digestOf,
  moneyRows,
  openStore,
  plaidTransaction,
  quickbooksPayment,
  record,
  statusOf,
  storeRecords,
} from './factories.ts';

after(cleanUp);

const ZONE = 'America/New_York';
/** The morning after Tuesday 2026-03-10 in New York. */
const NOW = new Date('2026-03-11T13:00:00Z');
const NOON = '2026-03-10T16:00:00.000Z';

async function threeSystems(): Promise<EmbeddedStore> {
  const store = await openStore();
  await store.createConnection(connection('stripe'));
  await store.createConnection(connection('bank', { provider: 'plaid' }));
  await store.createConnection(connection('books', { provider: 'quickbooks' }));
  // One sale of 50.00 and one payout of 100.00 on Stripe; the payout lands in the bank, the sale is booked in
  // QuickBooks as a payment received. Real money: 50.00 came in once; 100.00 moved between two own accounts.
  await storeRecords(store, [
    record(NOON, 5_000, 'USD', { connection: 'stripe' }),
    record(NOON, -10_000, 'USD', { connection: 'stripe', kind: 'payout' }),
    plaidTransaction('2026-03-10', 10_000, 'USD', { connection: 'bank' }),
    quickbooksPayment('2026-03-10', 5_000, 'USD', { connection: 'books' }),
  ]);
  return store;
}

describe('digest money is per system until reconciliation exists', () => {
  test('money seen in two systems is totalled per system, labelled, and never added across systems', async () => {
    const store = await threeSystems();
    const digest = await digestOf(store, NOW, ZONE);
    assert.equal(digest.day.date, '2026-03-10');
    const row = (
      connection: string,
      providerName: string,
      moneyIn: bigint,
      moneyOut: bigint,
      movements: number,
    ) => ({
      connection,
      providerName,
      connected: true,
      currency: 'USD',
      moneyIn,
      moneyOut,
      movements,
    });
    assert.deepEqual(digest.money, [
      row('bank', 'Plaid', 10_000n, 0n, 1),
      row('books', 'QuickBooks', 5_000n, 0n, 1),
      row('stripe', 'Stripe', 5_000n, 10_000n, 2),
    ]);
    // The Store-interface queries give the same answer.
    const generic = await computeDigest({
      store,
      status: await statusOf(store, NOW),
      timezone: ZONE,
      now: NOW,
      queries: genericDigestQueries(store),
    });
    assert.deepEqual(generic.money, digest.money);

    const message = digestMessage(digest);
    assert.deepEqual(checkBlockKit(message, 'message'), []);
    const text = message.blocks.map((b) => JSON.stringify(b)).join('\n');
    assert.match(text, /Totals are per system; money moving between your systems appears in each\./);
    assert.match(text, /\*bank\* \(Plaid\) · \*USD\* in 100\.00 USD · out 0\.00 USD · 1 movement/);
    assert.match(text, /\*books\* \(QuickBooks\) · \*USD\* in 50\.00 USD · out 0\.00 USD · 1 movement/);
    assert.match(text, /\*stripe\* \(Stripe\) · \*USD\* in 50\.00 USD · out 100\.00 USD · 2 movements/);
    // A sum across systems (200.00 in, 4 movements) would count the payout and the sale twice.
    assert.doesNotMatch(text, new RegExp(formatMoney(20_000n, 'USD').replace('.', '\\.')));
    assert.doesNotMatch(text, /4 movements/);
  });

  test('a system with several currencies is one item: its name once, a line per currency', async () => {
    const store = await openStore();
    await store.createConnection(connection('stripe-eu'));
    await storeRecords(store, [
      record(NOON, 1_000, 'EUR', { connection: 'stripe-eu' }),
      record(NOON, 2_000, 'GBP', { connection: 'stripe-eu' }),
      record(NOON, -300, 'JPY', { connection: 'stripe-eu' }),
    ]);
    const digest = await digestOf(store, NOW, ZONE);
    const text = JSON.stringify(
      digestMessage(digest).blocks.find((b) => JSON.stringify(b).includes('Money on')),
    );
    assert.equal(text.split('*stripe-eu* (Stripe)').length - 1, 1, 'the system is named once');
    assert.match(
      text,
      /\*stripe-eu\* \(Stripe\)\\n +\*EUR\* in 10\.00 EUR[^\\]*\\n +\*GBP\* in 20\.00 GBP[^\\]*\\n +\*JPY\* in 0 JPY · out 300 JPY/,
    );
  });

  test('records kept from a removed connection are shown as that system, marked no longer connected', async () => {
    const store = await openStore();
    await store.createConnection(connection('stripe'));
    await storeRecords(store, [
      record(NOON, 700, 'USD', { connection: 'stripe' }),
      plaidTransaction('2026-03-10', -250, 'USD', { connection: 'old-bank' }),
    ]);
    const digest = await digestOf(store, NOW, ZONE);
    assert.deepEqual(
      digest.money?.map((m) => [m.connection, m.providerName, m.connected]),
      [
        ['old-bank', 'plaid', false],
        ['stripe', 'Stripe', true],
      ],
    );
    assert.match(JSON.stringify(digestMessage(digest).blocks), /\*old-bank\* \(plaid, no longer connected\)/);
    assert.deepEqual(moneyRows(digest.money)?.[0], {
      connection: 'old-bank',
      currency: 'USD',
      moneyIn: 0n,
      moneyOut: 250n,
      movements: 1,
    });
  });
});
