import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseExactJson } from '../../../connectors/sage/exact-json.ts';
import {
  normalizeBankDeposit,
  normalizeBankTransfer,
  normalizeContact,
  normalizeContactPayment,
  normalizeOtherPayment,
  normalizePurchaseInvoice,
  normalizeSalesInvoice,
} from '../../../connectors/sage/normalize.ts';
import { InvalidDataError } from '../../../src/errors.ts';

/** A payment exactly as Sage's body would carry it, read through the exact reader. */
function wire(json: string): Record<string, unknown> {
  return parseExactJson(json) as Record<string, unknown>;
}

function payment(type: string, amount: string, currency = '{"id":"GBP"}'): Record<string, unknown> {
  return wire(
    `{"id":"p1","transaction_type":{"id":"${type}","displayed_as":"${type}"},"contact":{"id":"c1","displayed_as":"Acme"},"date":"2025-03-04","total_amount":${amount},"currency":${currency},"reference":"R1"}`,
  );
}

describe('Sage money', () => {
  test('the direction comes from the transaction type, for every type stored', () => {
    const cases: [
      string,
      (raw: Record<string, unknown>) => { amount: number; kind: string },
      number,
      string,
    ][] = [
      ['CUSTOMER_RECEIPT', (r) => normalizeContactPayment(r), 12_345, 'payment'],
      ['SUPPLIER_PAYMENT', (r) => normalizeContactPayment(r), -12_345, 'payment'],
      ['CUSTOMER_REFUND', (r) => normalizeContactPayment(r), -12_345, 'refund'],
      ['SUPPLIER_REFUND', (r) => normalizeContactPayment(r), 12_345, 'refund'],
      ['OTHER_RECEIPT', (r) => normalizeOtherPayment(r), 12_345, 'payment'],
      ['OTHER_PAYMENT', (r) => normalizeOtherPayment(r), -12_345, 'payment'],
    ];
    for (const [type, normalize, amount, kind] of cases) {
      const record = normalize(payment(type, '"123.45"'));
      assert.deepEqual({ type, amount: record.amount, kind: record.kind }, { type, amount, kind });
    }
  });

  test('a payment type of the other stream, or an unknown one, is skipped rather than guessed', () => {
    assert.throws(() => normalizeContactPayment(payment('OTHER_RECEIPT', '1')), InvalidDataError);
    assert.throws(() => normalizeOtherPayment(payment('CUSTOMER_RECEIPT', '1')), InvalidDataError);
    assert.throws(() => normalizeContactPayment(payment('JOURNAL', '1')), InvalidDataError);
    // A sign on the amount is not a direction: Sage sends magnitudes.
    assert.throws(() => normalizeContactPayment(payment('CUSTOMER_RECEIPT', '-5.00')), InvalidDataError);
  });

  test('number literals and decimal strings give the same exact minor units', () => {
    const pairs: [string, string, string, number][] = [
      ['120.50', '"120.50"', '{"id":"GBP"}', 12_050],
      ['0.1', '"0.10"', '{"id":"gbp"}', 10],
      ['4.35', '"4.35"', '{"id":"EUR"}', 435],
      ['1000000000000.07', '"1000000000000.07"', '{"id":"USD"}', 100_000_000_000_007],
      ['12.345', '"12.345"', '{"id":"KWD"}', 12_345],
      ['1500', '"1500"', '{"id":"JPY"}', 1_500],
      ['1.5e3', '"1500.00"', '{"id":"GBP"}', 150_000],
    ];
    for (const [number, text, currency, minor] of pairs) {
      const a = normalizeContactPayment(payment('CUSTOMER_RECEIPT', number, currency)).amount;
      const b = normalizeContactPayment(payment('CUSTOMER_RECEIPT', text, currency)).amount;
      assert.deepEqual([number, a, b], [number, minor, minor]);
    }
  });

  test("more decimals than the currency has are refused, never rounded (a JSON number's own text is read)", () => {
    // Through a double, 0.30000000000000004 would be read as its shortest text and fail the same way; the
    // point is that the digits checked are the provider's, so 1.005 GBP is not silently 1.00 or 1.01.
    assert.throws(() => normalizeContactPayment(payment('CUSTOMER_RECEIPT', '1.005')), InvalidDataError);
    assert.throws(
      () => normalizeContactPayment(payment('CUSTOMER_RECEIPT', '1.5', '{"id":"JPY"}')),
      InvalidDataError,
    );
  });

  test('a date is a day the calendar has: leap days only in leap years, no 30 February, no month 13', () => {
    const on = (date: string) =>
      normalizeContactPayment(
        wire(
          `{"id":"p3","transaction_type":{"id":"CUSTOMER_RECEIPT"},"date":"${date}","total_amount":"1.00","currency":{"id":"GBP"}}`,
        ),
      ).occurredAt;
    assert.equal(on('2024-02-29'), '2024-02-29T00:00:00.000Z');
    assert.equal(on('2000-02-29'), '2000-02-29T00:00:00.000Z');
    assert.equal(on('2025-12-31'), '2025-12-31T00:00:00.000Z');
    for (const bad of [
      '2025-02-29',
      '1900-02-29',
      '2025-02-30',
      '2025-04-31',
      '2025-13-01',
      '2025-00-10',
      '2025-01-00',
      '2025-1-01',
    ])
      assert.throws(() => on(bad), InvalidDataError, bad);
  });

  test('a contact is a supplier when Sage types it a vendor only; a customer otherwise', () => {
    const kind = (types: string) =>
      normalizeContact(
        wire(`{"id":"c1","displayed_as":"Acme (A1)","created_at":"2025-01-02T03:04:05Z"${types}}`),
      ).kind;
    const ref = (id: string) => `{"id":"${id}","displayed_as":"${id}"}`;
    assert.equal(kind(`,"contact_types":[${ref('VENDOR')}]`), 'supplier');
    assert.equal(kind(`,"contact_types":[${ref('CUSTOMER')}]`), 'customer');
    assert.equal(kind(`,"contact_types":[${ref('CUSTOMER')},${ref('VENDOR')}]`), 'customer');
    assert.equal(kind(''), 'customer');
  });

  test('the business base currency stands in for a payment without one', () => {
    const raw = wire(
      '{"id":"p2","transaction_type":{"id":"CUSTOMER_RECEIPT"},"date":"2025-03-04","total_amount":"9.99"}',
    );
    assert.deepEqual(
      {
        amount: normalizeContactPayment(raw, 'EUR').amount,
        currency: normalizeContactPayment(raw, 'EUR').currency,
      },
      { amount: 999, currency: 'EUR' },
    );
    assert.throws(() => normalizeContactPayment(raw), InvalidDataError);
  });

  test('transfers, deposits and invoices are records, not money movements; payments are', () => {
    const transfer = normalizeBankTransfer(
      wire(
        '{"id":"t1","from_bank_account":{"id":"b1","displayed_as":"Current"},"to_bank_account":{"id":"b2","displayed_as":"Savings"},"date":"2025-01-02","amount":250.00}',
      ),
      'GBP',
    );
    const deposit = normalizeBankDeposit(
      wire(
        '{"id":"d1","to_bank_account":{"id":"b1","displayed_as":"Current"},"date":"2025-01-02","total_amount":"35.00"}',
      ),
      'GBP',
    );
    const sale = normalizeSalesInvoice(
      wire(
        '{"id":"s1","invoice_number":"SI-9","date":"2025-01-02","total_amount":99.5,"status":{"id":"PART_PAID"}}',
      ),
      'GBP',
    );
    const purchase = normalizePurchaseInvoice(
      wire(
        '{"id":"i1","vendor_reference":"V-1","date":"2025-01-02","total_amount":"10.00","status":{"id":"UNPAID"},"void_reason":"typo"}',
      ),
      'GBP',
    );
    assert.deepEqual(
      [transfer, deposit, sale, purchase].map((r) => [
        r.id,
        r.kind,
        r.amount,
        r.moneyMovement,
        r.status,
        r.occurredAt,
      ]),
      [
        ['sage:bank_transfers:t1', 'transfer', 25_000, false, 'posted', '2025-01-02T00:00:00.000Z'],
        ['sage:bank_deposits:d1', 'deposit', 3_500, false, 'posted', '2025-01-02T00:00:00.000Z'],
        ['sage:sales_invoices:s1', 'invoice', 9_950, false, 'part_paid', '2025-01-02T00:00:00.000Z'],
        ['sage:purchase_invoices:i1', 'purchase', -1_000, false, 'void', '2025-01-02T00:00:00.000Z'],
      ],
    );
    assert.equal(normalizeContactPayment(payment('CUSTOMER_RECEIPT', '1')).moneyMovement, true);
  });
});

describe('the exact JSON reader', () => {
  test('numbers arrive as their source text; strings, escapes and literals are untouched', () => {
    assert.deepEqual(
      parseExactJson(
        '{"a":120.50,"b":"12.30","c":-0.005,"d":1E+2,"e":"say \\"7\\" 8","f":[1,2.0],"g":true,"h":null,"9":0}',
      ),
      {
        a: '120.50',
        b: '12.30',
        c: '-0.005',
        d: '1E+2',
        e: 'say "7" 8',
        f: ['1', '2.0'],
        g: true,
        h: null,
        '9': '0',
      },
    );
  });

  test('digits inside strings, after escaped quotes and backslashes, are never touched', () => {
    assert.deepEqual(
      parseExactJson('{"a":"x-1\\"2","b":-3,"c":"\\\\","d":5,"t":"12:30","n":[ -1.5e+3 , 0 ]}'),
      {
        a: 'x-1"2',
        b: '-3',
        c: '\\',
        d: '5',
        t: '12:30',
        n: ['-1.5e+3', '0'],
      },
    );
  });

  test('a number JSON does not allow is refused, not turned into a string', () => {
    for (const body of ['{"a":1-2}', '{"a":012}', '{"a":1.}', '{"a":-}', '{"a":"open 1}', '{"a":1']) {
      assert.throws(() => parseExactJson(body), /not JSON/, body);
    }
  });

  test('digits a double cannot hold survive', () => {
    assert.deepEqual(parseExactJson('[90071992547409.93, 0.30000000000000004]'), [
      '90071992547409.93',
      '0.30000000000000004',
    ]);
  });
});
