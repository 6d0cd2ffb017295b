import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  balanceTransactionKind,
  normalizeBalanceTransaction,
  normalizeCharge,
  normalizeCustomer,
  normalizePayout,
  normalizeRefund,
} from '../../../connectors/stripe/normalize.ts';
import { InvalidDataError } from '../../../src/errors.ts';
import type { RecordDraft } from '../../../src/records.ts';

const CREATED = 1_706_745_600; // 2024-02-01T00:00:00Z

function bt(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const amount = (overrides.amount as number | undefined) ?? 10_000;
  const fee = (overrides.fee as number | undefined) ?? 0;
  return {
    id: 'txn_1',
    object: 'balance_transaction',
    amount,
    created: CREATED,
    currency: 'usd',
    description: null,
    fee,
    fee_details: [],
    net: amount - fee,
    status: 'available',
    type: 'charge',
    ...overrides,
  };
}

/** The records of one balance transaction: its gross movement first, then its fee record if it has one. */
function btRecords(overrides: Record<string, unknown> = {}): readonly RecordDraft[] {
  return normalizeBalanceTransaction(bt(overrides));
}
const gross = (overrides: Record<string, unknown> = {}): RecordDraft => btRecords(overrides)[0]!;

const charge = (o: Record<string, unknown> = {}) => ({
  id: 'ch_1',
  object: 'charge',
  amount: 2_000,
  created: CREATED,
  currency: 'usd',
  status: 'succeeded',
  billing_details: { name: 'Ada Lovelace' },
  ...o,
});
const refund = (o: Record<string, unknown> = {}) => ({
  id: 're_1',
  object: 'refund',
  amount: 500,
  charge: 'ch_1',
  created: CREATED,
  currency: 'usd',
  status: 'succeeded',
  ...o,
});
const payout = (o: Record<string, unknown> = {}) => ({
  id: 'po_1',
  object: 'payout',
  amount: 90_000,
  created: CREATED,
  currency: 'eur',
  status: 'paid',
  ...o,
});

describe('stripe balance transactions are the signed money records', () => {
  test('Stripe’s signed amount is kept for every type, with kind from type', () => {
    const cases: [string, number, string][] = [
      ['charge', 10_000, 'charge'],
      ['payment', 10_000, 'charge'],
      ['refund', -2_500, 'refund'],
      ['payout', -50_000, 'payout'],
      ['payout_failure', 50_000, 'payout'],
      ['stripe_fee', -300, 'fee'],
      ['stripe_fx_fee', -12, 'fee'],
      ['adjustment', -1_500, 'adjustment'],
      ['adjustment', 1_500, 'adjustment'],
      ['transfer', -7_000, 'transfer'],
      ['topup', 7_000, 'deposit'],
      ['some_type_from_2031', 5, 'adjustment'],
    ];
    for (const [type, amount, kind] of cases) {
      const record = gross({ type, amount });
      assert.equal(record.amount, amount, type);
      assert.equal(record.kind, kind, type);
      assert.equal(record.moneyMovement, true);
    }
    assert.equal(balanceTransactionKind('application_fee'), 'fee');
  });

  test('USD, JPY and KWD amounts are exact minor units; fee and net are named in the description', () => {
    const usd = gross({ amount: 12_345, fee: 388, description: 'Order 7' });
    assert.equal(usd.amount, 12_345);
    assert.equal(usd.currency, 'USD');
    assert.equal(usd.description, 'Order 7 (fee 3.88 USD, net 119.57 USD)');

    const jpy = gross({ currency: 'jpy', amount: 1_500, fee: 54, description: null });
    assert.equal(jpy.amount, 1_500);
    assert.equal(jpy.currency, 'JPY');
    assert.equal(jpy.description, 'charge (fee 54 JPY, net 1446 JPY)');

    const kwd = gross({ currency: 'kwd', amount: 12_340, fee: 390, description: 'x' });
    assert.equal(kwd.amount, 12_340);
    assert.equal(kwd.currency, 'KWD');
    assert.equal(kwd.description, 'x (fee 0.390 KWD, net 11.950 KWD)');
  });

  test('record shape: stable id, UTC time, raw reference, status', () => {
    const records = btRecords({ id: 'txn_abc', status: 'pending' });
    assert.deepEqual(records, [
      {
        id: 'stripe:balance_transactions:txn_abc',
        provider: 'stripe',
        stream: 'balance_transactions',
        kind: 'charge',
        amount: 10_000,
        currency: 'USD',
        occurredAt: '2024-02-01T00:00:00.000Z',
        description: 'charge',
        counterparty: null,
        status: 'pending',
        moneyMovement: true,
        raw: { type: 'balance_transaction', id: 'txn_abc' },
      },
    ]);
  });

  test('a fee is its own money-out record beside the gross movement: together they are Stripe’s net', () => {
    const [charge, fee, ...more] = btRecords({
      id: 'txn_fee',
      amount: 12_345,
      fee: 388,
      description: 'Order 7',
      status: 'pending',
    });
    assert.deepEqual(more, []);
    assert.equal(charge?.amount, 12_345);
    assert.deepEqual(fee, {
      id: 'stripe:balance_transactions:txn_fee:fee',
      provider: 'stripe',
      stream: 'balance_transactions',
      kind: 'fee',
      amount: -388,
      currency: 'USD',
      occurredAt: '2024-02-01T00:00:00.000Z',
      description: 'Stripe fee on Order 7',
      counterparty: null,
      status: 'pending',
      moneyMovement: true,
      raw: { type: 'balance_transaction', id: 'txn_fee' },
    });
    assert.equal(charge!.amount + fee!.amount, 12_345 - 388, 'gross plus fee is net');
  });

  test('the fee record’s id is the same on every sync, and distinct per balance transaction', () => {
    const once = btRecords({ id: 'txn_a', fee: 30 });
    const again = btRecords({ id: 'txn_a', fee: 30, status: 'available' });
    assert.deepEqual(
      once.map((r) => r.id),
      again.map((r) => r.id),
    );
    assert.notEqual(btRecords({ id: 'txn_b', fee: 30 })[1]?.id, once[1]?.id);
  });

  test('no fee, no fee record; a fee given back (negative fee) is money in', () => {
    assert.equal(btRecords({ fee: 0 }).length, 1);
    const [refund, feeBack] = btRecords({ type: 'refund', amount: -10_000, fee: -290 });
    assert.equal(refund?.amount, -10_000);
    assert.deepEqual([feeBack?.kind, feeBack?.amount], ['fee', 290]);
    assert.equal(feeBack?.description, 'Stripe fee returned on refund');
  });

  test('fee records are in ISO minor units too: JPY, KWD and ISK', () => {
    assert.equal(btRecords({ currency: 'jpy', amount: 1_500, fee: 54 })[1]?.amount, -54);
    assert.equal(btRecords({ currency: 'kwd', amount: 12_340, fee: 390 })[1]?.amount, -390);
    const isk = btRecords({ currency: 'isk', amount: 50_000, fee: 1_500 });
    assert.deepEqual(
      isk.map((r) => r.amount),
      [500, -15],
    );
  });
});

describe('stripe business objects carry direction but are not money movements', () => {
  test('charges positive, refunds and payouts negative although Stripe reports them positive', () => {
    const c = normalizeCharge(charge());
    assert.equal(c.amount, 2_000);
    assert.equal(c.kind, 'charge');
    assert.equal(c.counterparty, 'Ada Lovelace');
    const r = normalizeRefund(refund());
    assert.equal(r.amount, -500);
    assert.equal(r.description, 'Refund of ch_1');
    const p = normalizePayout(payout());
    assert.equal(p.amount, -90_000);
    assert.equal(p.currency, 'EUR');
    for (const record of [c, r, p]) assert.equal(record.moneyMovement, false);
  });

  test('zero-decimal and three-decimal object amounts stay exact', () => {
    assert.equal(normalizeCharge(charge({ currency: 'jpy', amount: 1_500 })).amount, 1_500);
    assert.equal(normalizeRefund(refund({ currency: 'kwd', amount: 12_340 })).amount, -12_340);
  });

  test('Stripe’s ISK and MGA scale becomes ISO minor units: isk 50000 is 500 ISK, mga 5000 is 5000 ariary', () => {
    // Stripe writes ISK with two decimals (always 00), ISO 4217 with none; MGA the other way round.
    const isk = gross({ currency: 'isk', amount: 50_000, fee: 1_500 });
    assert.deepEqual([isk.amount, isk.currency], [500, 'ISK']);
    assert.match(isk.description, /fee 15 ISK, net 485 ISK/);
    const mga = gross({ currency: 'mga', amount: 5_000 });
    assert.deepEqual([mga.amount, mga.currency], [500_000, 'MGA']);

    assert.equal(normalizeCharge(charge({ currency: 'isk', amount: 50_000 })).amount, 500);
    assert.equal(normalizeCharge(charge({ currency: 'mga', amount: 5_000 })).amount, 500_000);
    assert.equal(normalizeRefund(refund({ currency: 'isk', amount: 12_300 })).amount, -123);
    assert.equal(normalizeRefund(refund({ currency: 'mga', amount: 700 })).amount, -70_000);
    assert.equal(normalizePayout(payout({ currency: 'isk', amount: 900_000 })).amount, -9_000);
    assert.equal(normalizePayout(payout({ currency: 'mga', amount: 90_000 })).amount, -9_000_000);
  });

  test('an ISK amount with non-zero decimals is invalid data, never rounded', () => {
    for (const run of [
      () => normalizeBalanceTransaction(bt({ currency: 'isk', amount: 50_050 })),
      () => normalizeBalanceTransaction(bt({ currency: 'isk', amount: 50_000, fee: 1_550 })),
      () => normalizeCharge(charge({ currency: 'isk', amount: 50_050 })),
    ]) {
      assert.throws(
        run,
        (error: unknown) => error instanceof InvalidDataError && /ISK amount/.test(error.message),
      );
    }
  });

  test('customers are records without money', () => {
    const record = normalizeCustomer({
      id: 'cus_1',
      object: 'customer',
      created: CREATED,
      name: null,
      email: 'a@b.co',
    });
    assert.equal(record.kind, 'customer');
    assert.equal(record.amount, 0);
    assert.equal(record.currency, null);
    assert.equal(record.moneyMovement, false);
    assert.equal(record.counterparty, 'a@b.co');
    assert.equal(record.id, 'stripe:customers:cus_1');
  });

  test('a charge’s counterparty falls back to receipt email, then the customer id (string or expanded)', () => {
    assert.equal(
      normalizeCharge(charge({ billing_details: {}, receipt_email: 'r@x.io' })).counterparty,
      'r@x.io',
    );
    assert.equal(normalizeCharge(charge({ billing_details: null, customer: 'cus_9' })).counterparty, 'cus_9');
    assert.equal(
      normalizeCharge(charge({ billing_details: {}, customer: { id: 'cus_8' } })).counterparty,
      'cus_8',
    );
  });
});

describe('stripe objects that cannot be understood', () => {
  const broken: [string, () => unknown][] = [
    ['fractional amount', () => normalizeBalanceTransaction(bt({ amount: 12.5, net: 12.5 }))],
    ['unknown currency', () => normalizeBalanceTransaction(bt({ currency: 'xyz' }))],
    ['missing created', () => normalizeBalanceTransaction(bt({ created: undefined }))],
    ['net not amount minus fee', () => normalizeBalanceTransaction(bt({ net: 1 }))],
    ['missing type', () => normalizeBalanceTransaction(bt({ type: undefined }))],
    ['negative charge amount', () => normalizeCharge(charge({ amount: -5 }))],
    ['string amount', () => normalizePayout(payout({ amount: '900' }))],
  ];
  for (const [what, run] of broken) {
    test(`${what} → InvalidDataError with the object id`, () => {
      assert.throws(run, (error: unknown) => {
        assert.ok(error instanceof InvalidDataError);
        assert.match(error.objectId ?? '', /^(txn|ch|po)_1$/);
        assert.match(error.message, /_1/);
        return true;
      });
    });
  }

  test('non-objects and objects without id → InvalidDataError', () => {
    assert.throws(() => normalizeCharge(null), InvalidDataError);
    assert.throws(() => normalizeCharge([]), InvalidDataError);
    assert.throws(() => normalizeCustomer({ created: CREATED }), InvalidDataError);
  });
});
