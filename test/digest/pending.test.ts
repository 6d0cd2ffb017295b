import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { computeDigest } from '../../src/digest/compute.ts';
import { dayContaining } from '../../src/digest/day.ts';
import type { LedgerRecord } from '../../src/records.ts';
import type { EmbeddedStore } from '../../src/store/embedded/embedded-store.ts';
import { genericDigestQueries } from '../../src/store/generic/digest-queries.ts';
import {
  cleanUp,
  connection,
  digestOf,
  moneyRows,
  openStore,
  plaidTransaction,
  recompute,
  statusOf,
} from './factories.ts';

after(cleanUp);

const HOUR = 3_600_000;
const ZONE = 'America/New_York';
/** D: a dinner paid by card, pending at 42.50. D+2: it posts at 50.00, tip included. */
const D = '2026-03-10';
const POSTED_ON = '2026-03-12';

const pendingDinner = () =>
  plaidTransaction(D, -4_250, 'USD', { transactionId: 'txn_dinner_pending', pending: true });
const postedDinner = () =>
  plaidTransaction(POSTED_ON, -5_000, 'USD', {
    transactionId: 'txn_dinner_posted',
    pendingTransactionId: 'txn_dinner_pending',
  });

async function bank(): Promise<EmbeddedStore> {
  const store = await openStore();
  await store.createConnection(connection('bank', { provider: 'plaid' }));
  return store;
}

/** What the bank's sync writes: upserts and removals of the transactions stream, as the engine applies them. */
async function syncPage(
  store: EmbeddedStore,
  records: readonly LedgerRecord[],
  removedIds: readonly string[] = [],
) {
  await store.applyPage({
    connection: 'bank',
    stream: 'transactions',
    records,
    removedIds,
    cursor: undefined,
  });
}

/**
 * The money out of `date` as the digest sent the morning after states it, in minor units (0 when it has no
 * money at all), through both query paths, checked against an independent recomputation.
 */
async function moneyOutOn(store: EmbeddedStore, date: string): Promise<bigint> {
  const day = dayContaining(new Date(`${date}T12:00:00Z`), ZONE);
  const now = new Date(day.end.getTime() + 9 * HOUR);
  const digest = await digestOf(store, now, ZONE);
  assert.equal(digest.day.date, date);
  const generic = await computeDigest({
    store,
    status: await statusOf(store, now),
    timezone: ZONE,
    now,
    queries: genericDigestQueries(store),
  });
  assert.deepEqual(generic.money, digest.money, 'both query paths agree');
  const independent = await recompute(store, day.start.getTime(), day.end.getTime(), date);
  assert.deepEqual(moneyRows(digest.money) ?? [], independent);
  return (digest.money ?? []).reduce((sum, m) => sum + m.moneyOut, 0n);
}

describe('digest money: pending bank rows are not cash; the posted row counts once, on its posted date', () => {
  test('a pending row does not count in the money of its day', async () => {
    const store = await bank();
    const coffee = plaidTransaction(D, -450, 'USD');
    await syncPage(store, [pendingDinner(), coffee]);
    assert.equal(await moneyOutOn(store, D), 450n, 'the posted coffee counts, the pending dinner does not');
  });

  test('the posted successor counts once, on its posted date: a digest for D sent before the posting and one for D+2 after it never count it twice', async () => {
    const store = await bank();
    await syncPage(store, [pendingDinner()]);
    const sentForD = await moneyOutOn(store, D); // the morning of D+1: still pending
    await syncPage(store, [postedDinner()], [pendingDinner().id]);
    const sentForPostedDay = await moneyOutOn(store, POSTED_ON);
    assert.equal(sentForD, 0n, 'nothing counted while pending');
    assert.equal(sentForPostedDay, 5_000n, 'the posted amount, tip included, on the posted date');
    assert.equal(await moneyOutOn(store, D), 0n, 'D recomputed later says what was sent');
    assert.equal(await moneyOutOn(store, '2026-03-11'), 0n);
  });

  test('a bank source that keeps its pending rows after posting still counts the payment once', async () => {
    const store = await bank();
    await syncPage(store, [pendingDinner(), postedDinner()]);
    const days = ['2026-03-09', D, '2026-03-11', POSTED_ON, '2026-03-13'];
    let total = 0n;
    for (const date of days) total += await moneyOutOn(store, date);
    assert.equal(total, 5_000n);
  });

  test('Plaid positive (money leaving the account) is money out; Plaid negative (a deposit) is money in, once posted', async () => {
    const store = await bank();
    // Ledger amounts: the factory feeds Plaid the opposite sign and checks the normalizer turns it back.
    await syncPage(store, [
      plaidTransaction(D, -1_999, 'USD'),
      plaidTransaction(D, 123_456, 'USD'),
      plaidTransaction(D, 777, 'USD', { pending: true }), // a pending deposit is not money in yet
    ]);
    const day = dayContaining(new Date(`${D}T12:00:00Z`), ZONE);
    const digest = await digestOf(store, new Date(day.end.getTime() + 9 * HOUR), ZONE);
    assert.deepEqual(
      (digest.money ?? []).map((m) => [m.currency, m.moneyIn, m.moneyOut, m.movements]),
      [['USD', 123_456n, 1_999n, 2]],
    );
  });
});
