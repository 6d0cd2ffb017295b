import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { paypalInstantMs } from '../../../connectors/paypal/dates.ts';
import { kindOfEventCode, normalizeRow } from '../../../connectors/paypal/normalize.ts';
import { classifyRows } from '../../../connectors/paypal/streams.ts';
import {
  planRead,
  splitWindow,
  TARGET_WINDOW_ROWS,
  type Window,
  WindowPlanner,
} from '../../../connectors/paypal/windows.ts';
import type { PayPalTransactionDetail } from '../../../connectors/paypal/wire.ts';
import { InvalidDataError } from '../../../src/errors.ts';

function detail(info: Record<string, unknown>): PayPalTransactionDetail {
  return {
    transaction_info: {
      transaction_id: '1AB23456CD7890123',
      transaction_event_code: 'T0006',
      transaction_initiation_date: '2026-06-01T10:00:00+0000',
      transaction_updated_date: '2026-06-01T10:00:00+0000',
      transaction_amount: { currency_code: 'USD', value: '10.00' },
      transaction_status: 'S',
      ...info,
    },
  };
}

describe('paypal normalization', () => {
  test('dates with +0000, +00:00, Z and other offsets are the same instants in UTC', () => {
    const utc = Date.UTC(2026, 5, 1, 10);
    assert.equal(paypalInstantMs('2026-06-01T10:00:00+0000'), utc);
    assert.equal(paypalInstantMs('2026-06-01T10:00:00+00:00'), utc);
    assert.equal(paypalInstantMs('2026-06-01T10:00:00Z'), utc);
    assert.equal(paypalInstantMs('2026-06-01T03:00:00-0700'), utc);
    assert.equal(paypalInstantMs('2026-06-01T10:00:00.250+0000'), utc + 250);
    assert.equal(paypalInstantMs('2026-06-01 10:00:00'), undefined);
    const [record] = normalizeRow({
      detail: detail({ transaction_initiation_date: '2026-06-01T12:00:00+02:00' }),
      balanceAffecting: true,
    });
    assert.equal(record!.occurredAt, '2026-06-01T10:00:00.000Z');
  });

  test('signed decimal strings become exact minor units; no floats (0.1 + 0.2 stays 30 cents)', () => {
    const cases: [string, string, number][] = [
      ['USD', '-78.00', -7800],
      ['USD', '0.30', 30],
      ['USD', '.5', 50],
      ['JPY', '1234', 1234],
      ['TND', '-1.005', -1005],
      ['USD', '90071992547409.91', 9007199254740991],
    ];
    for (const [currency, value, minor] of cases) {
      const [record] = normalizeRow({
        detail: detail({ transaction_amount: { currency_code: currency, value } }),
        balanceAffecting: true,
      });
      assert.equal(record!.amount, minor, `${currency} ${value}`);
    }
    for (const [currency, value] of [
      ['JPY', '12.5'],
      ['USD', '1e3'],
      ['USD', '10.001'],
      ['XXQ', '1.00'],
    ]) {
      assert.throws(
        () =>
          normalizeRow({
            detail: detail({ transaction_amount: { currency_code: currency, value } }),
            balanceAffecting: true,
          }),
        (error: unknown) => error instanceof InvalidDataError && error.objectId === '1AB23456CD7890123',
      );
    }
  });

  test('a refund gives part of the fee back: gross out, fee in, both money', () => {
    const records = normalizeRow({
      detail: detail({
        transaction_event_code: 'T1107',
        transaction_amount: { currency_code: 'EUR', value: '-20.00' },
        fee_amount: { currency_code: 'EUR', value: '0.40' },
      }),
      balanceAffecting: true,
    });
    assert.deepEqual(
      records.map((r) => [r.id, r.kind, r.amount, r.moneyMovement]),
      [
        ['paypal:transactions:1AB23456CD7890123:T1107:B', 'refund', -2000, true],
        ['paypal:transactions:1AB23456CD7890123:T1107:B:fee', 'fee', 40, true],
      ],
    );
  });

  test('a non-balance-affecting row is a record, never money, and has no fee record', () => {
    const records = normalizeRow({
      detail: detail({ fee_amount: { currency_code: 'USD', value: '-0.59' } }),
      balanceAffecting: false,
    });
    assert.deepEqual(
      records.map((r) => [r.id, r.amount, r.moneyMovement]),
      [['paypal:transactions:1AB23456CD7890123:T0006:N', 1000, false]],
    );
  });

  test('a denied row moved no money: not a money movement, no fee record', () => {
    const records = normalizeRow({
      detail: detail({ transaction_status: 'D', fee_amount: { currency_code: 'USD', value: '-0.59' } }),
      balanceAffecting: true,
    });
    assert.deepEqual(
      records.map((r) => [r.id, r.status, r.moneyMovement]),
      [['paypal:transactions:1AB23456CD7890123:T0006:B', 'denied', false]],
    );
  });

  test('event code groups map to kinds', () => {
    assert.deepEqual(['T0006', 'T0400', 'T1107', 'T0108', 'T9999'].map(kindOfEventCode), [
      'payment',
      'payout',
      'refund',
      'fee',
      'adjustment',
    ]);
  });

  test('the newest version of a row wins within a read (transaction_updated_date)', () => {
    const older = detail({ transaction_status: 'P', transaction_updated_date: '2026-06-01T10:00:00+0000' });
    const newer = detail({ transaction_status: 'S', transaction_updated_date: '2026-06-01T11:00:00+00:00' });
    const rows = classifyRows([newer, older], [newer, older]);
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.detail.transaction_info.transaction_status, 'S');
  });

  test('windows after the first are sized from the rows the last one held, contiguous, whole seconds', () => {
    const day = 86_400_000;
    const planner = new WindowPlanner(0, 60 * day);
    const first = planner.next()!;
    assert.deepEqual(first, { start: 0, end: 31 * day });
    planner.held(first, 7_750); // 250 rows a day
    const second = planner.next()!;
    assert.equal(second.start, first.end);
    assert.equal(second.end - second.start, Math.floor(((TARGET_WINDOW_ROWS / 250) * day) / 1000) * 1000);
    assert.equal((second.end - second.start) % 1000, 0);
    planner.held(second, 0); // a quiet stretch: back to the longest window PayPal allows
    const third = planner.next()!;
    assert.deepEqual(third, { start: second.end, end: Math.min(second.end + 31 * day, 60 * day) });
    // A refused window's halves come next, then the windows go on from where it ended.
    const busy = new WindowPlanner(0, 10 * day);
    const whole = busy.next()!;
    assert.equal(busy.refused(whole), true);
    assert.deepEqual(busy.next(), { start: 0, end: 5 * day });
    assert.deepEqual(busy.next(), { start: 5 * day, end: 10 * day });
    assert.equal(busy.next(), undefined);
    assert.equal(busy.refused({ start: 0, end: 1000 }), false, 'one second cannot be halved');
    // However dense, a window is at least a second.
    const dense = new WindowPlanner(0, 40 * day);
    const split = dense.next()!;
    dense.held({ start: split.start, end: split.start + 1000 }, 5_000); // 5,000 rows in one second
    const tiny = dense.next()!;
    assert.equal(tiny.end - tiny.start, 1000);
  });

  test('windows: at most 31 days, contiguous; a first read starts at history_from; later ones re-read 4 hours', () => {
    const day = 86_400_000;
    const sparse = new WindowPlanner(0, 70 * day);
    const windows: Window[] = [];
    for (let w = sparse.next(); w; w = sparse.next()) {
      windows.push(w);
      sparse.held(w, 10); // a quiet account: windows stay as long as PayPal allows
    }
    assert.deepEqual(
      windows.map((w) => [w.start / day, w.end / day]),
      [
        [0, 31],
        [31, 62],
        [62, 70],
      ],
    );
    const empty = new WindowPlanner(5 * day, 5 * day);
    assert.deepEqual(empty.next(), { start: 5 * day, end: 5 * day }, 'an empty span is read once');
    assert.equal(empty.next(), undefined);
    assert.deepEqual(splitWindow({ start: 0, end: 10_000 }), [
      { start: 0, end: 5000 },
      { start: 5000, end: 10_000 },
    ]);
    assert.equal(splitWindow({ start: 0, end: 1000 }), null);
    const now = Date.UTC(2026, 5, 15);
    assert.equal(planRead(null, now, { historyFrom: now - 10 * day }).startMs, now - 10 * day);
    assert.equal(planRead({ until: now - day }, now, {}).startMs, now - day - 4 * 3_600_000);
    assert.equal(planRead({ until: now - day, pendingFrom: now - 5 * day }, now, {}).startMs, now - 5 * day);
    const old = planRead({ until: now - day, pendingFrom: now - 60 * day }, now, {});
    assert.equal(old.pendingGivenUp, true);
  });
});

describe('paypal decimal text', () => {
  test('matches the ledger formatter for every exponent and sign', async () => {
    const { minorToDecimal } = await import('../../../src/money.ts');
    const { decimalText } = await import('../../../connectors/paypal/normalize.ts');
    for (const currency of ['USD', 'JPY', 'TND'])
      for (const minor of [0, 5, -5, 320, -320, 1005, -1_234_567, 9_007_199_254_740_991])
        assert.equal(decimalText(minor, currency), minorToDecimal(minor, currency), `${minor} ${currency}`);
  });
});

describe('paypal listing changes while paged', () => {
  test('a listing whose total changes between pages is read again: no row twice, no spurious non-money copy', async () => {
    const { readWindow } = await import('../../../connectors/paypal/streams.ts');
    const row = (id: string, day: number) =>
      detail({ transaction_id: id, transaction_initiation_date: `2026-06-0${day}T10:00:00+0000` });
    let calls = 0;
    // Two rows per page; on the first N read a late row appears before page 2, shifting B to page 2 again.
    const api = {
      async search(params: { balanceAffectingOnly: boolean; page: number }) {
        calls++;
        const before = [
          row('A0000000000000001', 1),
          row('B0000000000000001', 2),
          row('C0000000000000001', 3),
        ];
        const after = [row('L0000000000000001', 1), ...before];
        const list = params.balanceAffectingOnly || calls > 2 ? after : params.page === 1 ? before : after;
        const slice = list.slice((params.page - 1) * 2, params.page * 2);
        return {
          transaction_details: slice,
          total_items: list.length,
          total_pages: Math.ceil(list.length / 2),
        };
      },
    };
    const rows = await readWindow(api as never, { start: 0, end: 1 }, 2);
    assert.deepEqual(
      rows.map((r) => `${r.detail.transaction_info.transaction_id} ${r.balanceAffecting ? 'B' : 'N'}`).sort(),
      ['A0000000000000001 B', 'B0000000000000001 B', 'C0000000000000001 B', 'L0000000000000001 B'],
    );
  });
});
