import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AccountSubtype, AccountType, type Transaction, TransactionPaymentChannelEnum } from 'plaid';
import { type EmuTransaction, generateAccounts } from '../../../connectors/plaid/emulator-data.ts';
import { accountWire, transactionWire } from '../../../connectors/plaid/emulator-wire.ts';
import {
  bankRow,
  normalizeAccount,
  normalizeTransaction,
  pendingPredecessorOf,
} from '../../../connectors/plaid/normalize.ts';
import { InvalidDataError } from '../../../src/errors.ts';

/** A wire transaction as Plaid sends it, with `amount` given as the JSON text Plaid would put on the wire. */
function plaidTransaction(
  amountJson: string,
  currency: string | null,
  overrides: Partial<Transaction> = {},
): Transaction {
  const base: EmuTransaction = {
    id: 'txn_1',
    accountId: 'acc_1',
    minor: 0,
    currency: 'USD',
    name: 'STARBUCKS 1234',
    merchantName: 'Starbucks',
    date: '2026-01-15',
    datetime: null,
    pending: false,
    channel: TransactionPaymentChannelEnum.InStore,
  };
  // JSON.parse, as axios does: the number is whatever double the wire text denotes.
  const amount = JSON.parse(amountJson) as number;
  return { ...transactionWire(base), amount, iso_currency_code: currency, ...overrides };
}

describe('Plaid transaction sign convention and exact amounts', () => {
  test('Plaid positive (money out) becomes a negative ledger amount; Plaid negative (money in) becomes positive', () => {
    assert.equal(normalizeTransaction(plaidTransaction('12.34', 'USD')).amount, -1234);
    assert.equal(normalizeTransaction(plaidTransaction('-1234.56', 'USD')).amount, 123456);
  });

  test('USD amounts that break float arithmetic convert exactly', () => {
    const cases: ReadonlyArray<readonly [string, number]> = [
      ['0.1', -10],
      ['0.2', -20],
      ['0.3', -30],
      ['19.99', -1999], // 19.99 * 100 = 1998.9999999999998
      ['4.35', -435], // 4.35 * 100 = 434.99999999999994
      ['1.15', -115],
      ['0.29', -29], // 0.29 * 100 = 28.999999999999996
      ['12345678.9', -1234567890],
      ['-0.07', 7],
    ];
    for (const [wire, minor] of cases) {
      assert.equal(normalizeTransaction(plaidTransaction(wire, 'USD')).amount, minor, wire);
    }
  });

  test('0.1 + 0.2 in two transactions sums to exactly 0.30 in minor units', () => {
    const a = normalizeTransaction(plaidTransaction('0.1', 'USD')).amount;
    const b = normalizeTransaction(plaidTransaction('0.2', 'USD')).amount;
    assert.equal(a + b, -30);
  });

  test('JPY has no minor unit and KWD has three decimals', () => {
    assert.equal(normalizeTransaction(plaidTransaction('1500', 'JPY')).amount, -1500);
    assert.equal(normalizeTransaction(plaidTransaction('-250000', 'JPY')).amount, 250000);
    assert.equal(normalizeTransaction(plaidTransaction('1.005', 'KWD')).amount, -1005); // 1.005 * 1000 = 1004.99…
    assert.equal(normalizeTransaction(plaidTransaction('0.001', 'KWD')).amount, -1);
    assert.equal(normalizeTransaction(plaidTransaction('-12.345', 'kwd')).currency, 'KWD');
  });

  test('an amount with more decimals than its currency allows is invalid data, never rounded', () => {
    assert.throws(() => normalizeTransaction(plaidTransaction('12.5', 'JPY')), InvalidDataError);
    assert.throws(() => normalizeTransaction(plaidTransaction('0.001', 'USD')), InvalidDataError);
  });

  test('a zero amount is 0, not -0', () => {
    assert.ok(Object.is(normalizeTransaction(plaidTransaction('0', 'USD')).amount, 0));
  });

  test('an unofficial currency is accepted only when it is ISO 4217; otherwise invalid data naming the transaction', () => {
    const iso = plaidTransaction('1.5', null, { unofficial_currency_code: 'EUR' });
    assert.equal(normalizeTransaction(iso).currency, 'EUR');
    const crypto = plaidTransaction('0.5', null, { unofficial_currency_code: 'BTC' });
    assert.throws(
      () => normalizeTransaction(crypto),
      (error) => error instanceof InvalidDataError && error.objectId === 'txn_1' && /BTC/.test(error.message),
    );
    assert.throws(() => normalizeTransaction(plaidTransaction('1', null)), InvalidDataError);
  });
});

describe('Plaid transaction fields', () => {
  test('a record has a stable id, kind transaction, money movement and a raw reference', () => {
    const record = normalizeTransaction(plaidTransaction('5', 'USD'));
    assert.equal(record.id, 'plaid:transactions:txn_1');
    assert.equal(record.kind, 'transaction');
    assert.equal(record.moneyMovement, true);
    assert.deepEqual(record.raw, { type: 'transaction', id: 'txn_1' });
  });

  test('occurredAt is the datetime when known, else the date at UTC midnight', () => {
    const timed = plaidTransaction('1', 'USD', { datetime: '2026-01-15T09:30:00-05:00' });
    assert.equal(normalizeTransaction(timed).occurredAt, '2026-01-15T14:30:00.000Z');
    assert.equal(normalizeTransaction(plaidTransaction('1', 'USD')).occurredAt, '2026-01-15T00:00:00.000Z');
    assert.throws(
      () => normalizeTransaction(plaidTransaction('1', 'USD', { date: 'yesterday' })),
      InvalidDataError,
    );
  });

  test('counterparty is the merchant name, or the name when Plaid has no merchant', () => {
    assert.equal(normalizeTransaction(plaidTransaction('1', 'USD')).counterparty, 'Starbucks');
    const noMerchant = plaidTransaction('1', 'USD', { merchant_name: null, name: 'ACH DEPOSIT ACME' });
    assert.equal(normalizeTransaction(noMerchant).counterparty, 'ACH DEPOSIT ACME');
    assert.equal(normalizeTransaction(noMerchant).description, 'ACH DEPOSIT ACME');
  });

  test('status is pending or posted', () => {
    assert.equal(normalizeTransaction(plaidTransaction('1', 'USD', { pending: true })).status, 'pending');
    assert.equal(normalizeTransaction(plaidTransaction('1', 'USD')).status, 'posted');
  });
});

describe('Plaid pending and posted rows: only posted rows are cash', () => {
  test('a pending row is kept, signed and dated, but is not a money movement', () => {
    const record = normalizeTransaction(plaidTransaction('42.5', 'USD', { pending: true }));
    assert.equal(record.status, 'pending');
    assert.equal(record.moneyMovement, false);
    assert.equal(record.amount, -4250, 'the sign convention holds for pending rows too');
    assert.equal(record.occurredAt, '2026-01-15T00:00:00.000Z');
    assert.deepEqual(record.raw, { type: 'transaction', id: 'txn_1' });
    assert.equal(pendingPredecessorOf(record.raw), null);
  });

  test('the posted successor is the money movement and names the pending row it replaces', () => {
    const posted = normalizeTransaction(
      plaidTransaction('50.00', 'USD', {
        transaction_id: 'txn_posted',
        pending_transaction_id: 'txn_pending',
        date: '2026-01-17',
      }),
    );
    assert.equal(posted.id, 'plaid:transactions:txn_posted');
    assert.equal(posted.status, 'posted');
    assert.equal(posted.moneyMovement, true);
    assert.equal(posted.amount, -5000, 'Plaid positive (money out) is a negative ledger amount');
    assert.equal(posted.occurredAt, '2026-01-17T00:00:00.000Z', 'counted on its posted date');
    assert.equal(posted.raw.id, 'txn_posted', 'the raw reference still names the posted object');
    assert.equal(pendingPredecessorOf(posted.raw), 'txn_pending');
  });

  test('a posted row without a predecessor (or with an empty one) carries no link', () => {
    for (const link of [null, '']) {
      const record = normalizeTransaction(plaidTransaction('1', 'USD', { pending_transaction_id: link }));
      assert.deepEqual(record.raw, { type: 'transaction', id: 'txn_1' });
      assert.equal(pendingPredecessorOf(record.raw), null);
    }
  });

  test('the rule is a helper another bank source can use as is', () => {
    assert.deepEqual(bankRow('statement_line', 'L1', true, 'ignored'), {
      status: 'pending',
      moneyMovement: false,
      raw: { type: 'statement_line', id: 'L1' },
    });
    const posted = bankRow('statement_line', 'L2', false, 'L1');
    assert.deepEqual([posted.status, posted.moneyMovement, posted.raw.id], ['posted', true, 'L2']);
    assert.equal(pendingPredecessorOf(posted.raw), 'L1');
  });
});

describe('Plaid account balances', () => {
  const accounts = generateAccounts(1).map((a) => ({ ...accountWire(a), as_of: '2026-01-31T12:00:00.000Z' }));
  const byId = (suffix: string) => accounts.find((a) => a.account_id.endsWith(suffix))!;

  test('a depository balance is a positive asset in minor units, in its own currency', () => {
    assert.deepEqual(
      ['-checking', '-yen', '-dinar'].map((s) => {
        const r = normalizeAccount(byId(s));
        return [r.amount, r.currency];
      }),
      [
        [11030, 'USD'],
        [152340, 'JPY'],
        [1234567, 'KWD'],
      ],
    );
  });

  test('a credit card balance (what is owed) is negative: a liability', () => {
    const record = normalizeAccount(byId('-credit'));
    assert.equal(record.amount, -41029);
    assert.equal(record.kind, 'account');
    assert.equal(record.moneyMovement, false);
    assert.equal(record.occurredAt, '2026-01-31T12:00:00.000Z');
  });

  test('a loan without a current balance is reported as unavailable, not as its available credit', () => {
    const loan = {
      ...byId('-credit'),
      type: AccountType.Loan,
      subtype: AccountSubtype.Student,
      balances: { ...byId('-credit').balances, current: null, available: 500 },
    };
    const record = normalizeAccount(loan);
    assert.equal(record.amount, 0);
    assert.equal(record.status, 'balance_unavailable');
  });
});
