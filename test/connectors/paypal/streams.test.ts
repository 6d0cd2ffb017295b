import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { DAY, HOUR, Ledger, readStream, summary, T0, type World, world } from './helpers.ts';

const worlds: World[] = [];
after(async () => {
  for (const w of worlds) await w.close();
});

async function open(options: Parameters<typeof world>[0] = {}): Promise<World> {
  const w = await world(options);
  worlds.push(w);
  return w;
}

function stream(w: World) {
  return w.connector.streams(w.credentials)[0]!;
}

describe('paypal transactions stream', () => {
  test('a received payment with a fee is its gross and its fee, each once, as money', async () => {
    const w = await open({
      rows: [
        {
          transactionId: '1AB23456CD7890123',
          eventCode: 'T0006',
          amount: 10_000,
          fee: -320,
          initiatedAt: T0 - 5 * DAY,
        },
      ],
    });
    const read = await readStream(stream(w), null, w.ctx);
    assert.deepEqual(summary(read.records), [
      'paypal:transactions:1AB23456CD7890123:T0006:B 10000 USD success money',
      'paypal:transactions:1AB23456CD7890123:T0006:B:fee -320 USD success money',
    ]);
  });

  test('JPY has no fraction and TND three decimals, converted exactly', async () => {
    const w = await open({
      rows: [
        {
          transactionId: 'JPY00000000000001',
          currency: 'JPY',
          amount: 12_345,
          fee: -420,
          initiatedAt: T0 - 3 * DAY,
        },
        {
          transactionId: 'TND00000000000001',
          currency: 'TND',
          amount: 1_234_567,
          fee: -1_005,
          initiatedAt: T0 - 2 * DAY,
        },
        {
          transactionId: 'USD00000000000001',
          currency: 'USD',
          amount: -7_800,
          initiatedAt: T0 - DAY,
          eventCode: 'T1107',
        },
      ],
    });
    const rows = w.emulator.control.ledger.query(0, T0, false, T0);
    assert.equal(rows.length, 3);
    const read = await readStream(stream(w), null, w.ctx);
    assert.deepEqual(summary(read.records), [
      'paypal:transactions:JPY00000000000001:T0006:B 12345 JPY success money',
      'paypal:transactions:JPY00000000000001:T0006:B:fee -420 JPY success money',
      'paypal:transactions:TND00000000000001:T0006:B 1234567 TND success money',
      'paypal:transactions:TND00000000000001:T0006:B:fee -1005 TND success money',
      'paypal:transactions:USD00000000000001:T1107:B -7800 USD success money',
    ]);
  });

  test('a transaction id shared by a balance-affecting and a non-balance-affecting row is two records, one of them money', async () => {
    const shared = '5TY05013RG002845M';
    const w = await open({
      rows: [
        { transactionId: shared, eventCode: 'T0006', amount: 5_000, fee: -175, initiatedAt: T0 - DAY },
        {
          transactionId: shared,
          eventCode: 'T0006',
          amount: 5_000,
          initiatedAt: T0 - DAY,
          balanceAffecting: false,
        },
        {
          transactionId: '9XY05013RG002845N',
          eventCode: 'T1105',
          amount: 2_500,
          initiatedAt: T0 - DAY,
          balanceAffecting: false,
        },
      ],
    });
    const read = await readStream(stream(w), null, w.ctx);
    assert.deepEqual(summary(read.records), [
      'paypal:transactions:5TY05013RG002845M:T0006:B 5000 USD success money',
      'paypal:transactions:5TY05013RG002845M:T0006:B:fee -175 USD success money',
      'paypal:transactions:5TY05013RG002845M:T0006:N 5000 USD success',
      'paypal:transactions:9XY05013RG002845N:T1105:N 2500 USD success',
    ]);
    // Both queries were made deliberately, every time.
    const flags = w.emulator.control.requests
      .filter((r) => r.path === '/v1/reporting/transactions')
      .map(
        (r) =>
          `${r.query.balance_affecting_records_only} ${r.query.fields} ${r.query.page_size} ${r.query.page}`,
      );
    assert.ok(flags.includes('N all 500 1') && flags.includes('Y all 500 1'), flags.join(','));
  });

  test('windows never exceed 31 days and a window PayPal finds too large is split, with the exact set read', async () => {
    const rows = Array.from({ length: 40 }, (_, i) => ({
      transactionId: `SPLIT${String(i).padStart(12, '0')}`,
      amount: 100 + i,
      initiatedAt: T0 - 40 * DAY + i * DAY,
    }));
    const w = await open({ rows, resultSetLimit: 8 });
    const read = await readStream(stream(w), null, w.ctx);
    const expected = rows
      .map((r) => `paypal:transactions:${r.transactionId}:T0006:B ${r.amount} USD success money`)
      .sort();
    assert.deepEqual(summary(read.records), expected);
    const searches = w.emulator.control.requests.filter((r) => r.path === '/v1/reporting/transactions');
    assert.ok(
      searches.some((r) => r.status === 400),
      'RESULTSET_TOO_LARGE was answered at least once',
    );
    for (const r of searches) {
      const span = Date.parse(r.query.end_date!) - Date.parse(r.query.start_date!);
      assert.ok(span <= 31 * DAY, `window of ${span / DAY} days`);
    }
    assert.ok(searches.every((r) => r.status === 200 || r.status === 400));
  });

  test("a row that appears late inside PayPal's three hours is read by the next run, without duplicates", async () => {
    const w = await open({
      rows: [{ transactionId: 'EARLY000000000001', amount: 1_000, initiatedAt: T0 - 2 * HOUR }],
    });
    const ledger = new Ledger();
    const first = await readStream(stream(w), null, w.ctx);
    ledger.apply(first.records);
    // Happened an hour ago, but PayPal shows it only now + 1 h.
    w.emulator.control.addRow({
      transactionId: 'LATE0000000000001',
      amount: 2_000,
      initiatedAt: T0 - HOUR,
      visibleAt: T0 + HOUR,
    });
    w.clock.now = T0 + 2 * HOUR;
    const second = await readStream(stream(w), first.cursor, w.ctx);
    ledger.apply(second.records);
    assert.deepEqual(ledger.lines(), [
      'paypal:transactions:EARLY000000000001:T0006:B 1000 USD success money',
      'paypal:transactions:LATE0000000000001:T0006:B 2000 USD success money',
    ]);
    const starts = w.emulator.control.requests.map((r) => r.query.start_date).filter(Boolean);
    assert.ok(starts.at(-1)! <= new Date(T0 - 2 * HOUR).toISOString(), 'the second run re-read the overlap');
  });

  test('a pending payment that succeeds (P → S) replaces its pending version: no duplicate, fee once', async () => {
    const w = await open({
      rows: [
        {
          transactionId: 'PEND0000000000001',
          amount: 9_900,
          fee: -300,
          status: 'P',
          initiatedAt: T0 - 2 * HOUR,
        },
      ],
    });
    const ledger = new Ledger();
    const first = await readStream(stream(w), null, w.ctx);
    ledger.apply(first.records);
    assert.deepEqual(ledger.lines(), [
      'paypal:transactions:PEND0000000000001:T0006:B 9900 USD pending money',
      'paypal:transactions:PEND0000000000001:T0006:B:fee -300 USD pending money',
    ]);
    w.clock.now = T0 + HOUR;
    w.emulator.control.setStatus('PEND0000000000001', 'S');
    ledger.apply((await readStream(stream(w), first.cursor, w.ctx)).records);
    assert.deepEqual(ledger.lines(), [
      'paypal:transactions:PEND0000000000001:T0006:B 9900 USD success money',
      'paypal:transactions:PEND0000000000001:T0006:B:fee -300 USD success money',
    ]);
  });

  test('a later version without a fee (a pending payment denied) leaves no fee counted', async () => {
    const w = await open({
      rows: [
        {
          transactionId: 'DENY0000000000001',
          amount: 9_900,
          fee: -300,
          status: 'P',
          initiatedAt: T0 - 2 * HOUR,
        },
        {
          transactionId: 'KEEP0000000000001',
          amount: 1_000,
          fee: -59,
          status: 'S',
          initiatedAt: T0 - 2 * HOUR,
        },
      ],
    });
    const ledger = new Ledger();
    const first = await readStream(stream(w), null, w.ctx);
    ledger.applyRead(first);
    assert.equal(ledger.lines().length, 4);
    w.clock.now = T0 + HOUR;
    w.emulator.control.setStatus('DENY0000000000001', 'D');
    ledger.applyRead(await readStream(stream(w), first.cursor, w.ctx));
    assert.deepEqual(ledger.lines(), [
      'paypal:transactions:DENY0000000000001:T0006:B 9900 USD denied',
      'paypal:transactions:KEEP0000000000001:T0006:B 1000 USD success money',
      'paypal:transactions:KEEP0000000000001:T0006:B:fee -59 USD success money',
    ]);
  });

  test('a row pending longer than the overlap is still re-read until it settles (P → V days later)', async () => {
    const w = await open({
      rows: [{ transactionId: 'ECHK0000000000001', amount: 50_000, status: 'P', initiatedAt: T0 - HOUR }],
    });
    const ledger = new Ledger();
    let read = await readStream(stream(w), null, w.ctx);
    ledger.apply(read.records);
    for (const day of [1, 2, 3]) {
      w.clock.now = T0 + day * DAY;
      if (day === 3) w.emulator.control.setStatus('ECHK0000000000001', 'V');
      read = await readStream(stream(w), read.cursor, w.ctx);
      ledger.apply(read.records);
    }
    assert.deepEqual(ledger.lines(), [
      'paypal:transactions:ECHK0000000000001:T0006:B 50000 USD reversed money',
    ]);
    // Settled: the next run goes back only the overlap.
    assert.equal(read.cursor?.pendingFrom, undefined);
  });
});
