import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { QuickBooksObject } from '../../../connectors/quickbooks/client.ts';
import {
  invoiceStatus,
  normalizeCustomer,
  normalizeInvoice,
  normalizePayment,
} from '../../../connectors/quickbooks/normalize.ts';
import { InvalidDataError } from '../../../src/errors.ts';

const invoice = (fields: Record<string, unknown> = {}): QuickBooksObject => ({
  Id: '130',
  SyncToken: '0',
  MetaData: { CreateTime: '2025-01-05T09:00:00-07:00', LastUpdatedTime: '2025-01-05T09:00:00-07:00' },
  DocNumber: '1037',
  TxnDate: '2025-01-05',
  CurrencyRef: { value: 'USD', name: 'United States Dollar' },
  CustomerRef: { value: '3', name: 'Cool Cars' },
  TotalAmt: 0.3,
  Balance: 0.3,
  ...fields,
});

const payment = (fields: Record<string, unknown> = {}): QuickBooksObject => ({
  Id: '5001',
  TxnDate: '2025-01-06',
  CurrencyRef: { value: 'USD' },
  CustomerRef: { value: '3', name: 'Cool Cars' },
  TotalAmt: 4.35,
  UnappliedAmt: 0,
  PaymentRefNum: 'PMT-1',
  ...fields,
});

describe('QuickBooks normalization', () => {
  test('an invoice is money owed to the business: +TotalAmt, not a money movement', () => {
    assert.deepEqual(normalizeInvoice(invoice()), {
      id: 'quickbooks:invoices:130',
      provider: 'quickbooks',
      stream: 'invoices',
      kind: 'invoice',
      amount: 30,
      currency: 'USD',
      occurredAt: '2025-01-05T00:00:00.000Z',
      description: 'Invoice 1037',
      counterparty: 'Cool Cars',
      status: 'open',
      moneyMovement: false,
      raw: { type: 'Invoice', id: '130' },
    });
  });

  test('a payment is money received: +TotalAmt, a money movement', () => {
    const record = normalizePayment(payment());
    assert.equal(record.kind, 'payment');
    assert.equal(record.amount, 435);
    assert.equal(record.moneyMovement, true);
    assert.equal(record.status, 'applied');
    assert.equal(record.description, 'Payment PMT-1');
    assert.equal(normalizePayment(payment({ UnappliedAmt: 4.35 })).status, 'unapplied');
    assert.equal(normalizePayment(payment({ UnappliedAmt: 1.15 })).status, 'partially_applied');
  });

  test('a customer carries no money', () => {
    const record = normalizeCustomer({
      Id: '3',
      DisplayName: 'Cool Cars',
      Active: false,
      MetaData: { CreateTime: '2024-12-31T23:00:00-07:00' },
    });
    assert.deepEqual(
      [record.kind, record.amount, record.currency, record.status, record.occurredAt, record.moneyMovement],
      ['customer', 0, null, 'inactive', '2025-01-01T06:00:00.000Z', false],
    );
  });

  test('decimal amounts convert exactly: float-trap values, JPY without decimals, KWD with three', () => {
    const cases: [number, string, number][] = [
      [0.3, 'USD', 30],
      [4.35, 'USD', 435],
      [1.15, 'USD', 115],
      [0.29, 'USD', 29],
      [1234.56, 'USD', 123456],
      [1500, 'JPY', 1500],
      [12.345, 'KWD', 12345],
      [1.005, 'KWD', 1005],
      [0.001, 'KWD', 1],
    ];
    for (const [amount, currency, minor] of cases) {
      const record = normalizeInvoice(
        invoice({ TotalAmt: amount, Balance: amount, CurrencyRef: { value: currency } }),
      );
      assert.equal(record.amount, minor, `${amount} ${currency}`);
      assert.equal(record.currency, currency);
    }
  });

  test('a value with more decimals than the currency has is skipped with its id, never rounded', () => {
    for (const [amount, currency] of [
      [0.1 + 0.2, 'USD'],
      [1500.5, 'JPY'],
      [1.0005, 'KWD'],
    ] as const) {
      assert.throws(
        () => normalizeInvoice(invoice({ TotalAmt: amount, CurrencyRef: { value: currency } })),
        (error: unknown) => error instanceof InvalidDataError && error.objectId === '130',
      );
    }
  });

  test("without a CurrencyRef the company's home currency applies; without either the object is skipped", () => {
    const bare = invoice({ CurrencyRef: undefined, TotalAmt: 1500, Balance: 0 });
    assert.equal(normalizeInvoice(bare, 'JPY').amount, 1500);
    assert.equal(normalizeInvoice(bare, 'JPY').currency, 'JPY');
    assert.throws(() => normalizeInvoice(bare), InvalidDataError);
    assert.throws(() => normalizeInvoice(invoice({ Id: undefined })), InvalidDataError);
    assert.throws(() => normalizeInvoice(invoice({ TotalAmt: undefined })), InvalidDataError);
  });

  test('invoice status follows the balance', () => {
    assert.equal(invoiceStatus(1000, 1000, ''), 'open');
    assert.equal(invoiceStatus(1000, 400, ''), 'partially_paid');
    assert.equal(invoiceStatus(1000, 0, ''), 'paid');
    assert.equal(invoiceStatus(0, 0, 'Voided'), 'void');
    assert.equal(normalizeInvoice(invoice({ Balance: 0.1 })).status, 'partially_paid');
  });
});
