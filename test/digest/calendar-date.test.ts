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
  moneyIn,
  moneyRows,
  openStore,
  plaidTransaction,
  quickbooksPayment,
  recompute,
  record,
  seeded,
  statusOf,
  storeRecords,
} from './factories.ts';

after(cleanUp);

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const ZONES = ['America/New_York', 'Europe/Berlin', 'Asia/Tokyo', 'UTC'] as const;
const DATES = ['2026-03-06', '2026-03-07', '2026-03-08', '2026-03-09', '2026-03-10'] as const;

async function storeWith(records: readonly LedgerRecord[]): Promise<EmbeddedStore> {
  const store = await openStore();
  await store.createConnection(connection('stripe'));
  await store.createConnection(connection('bank', { provider: 'plaid' }));
  await store.createConnection(connection('books', { provider: 'quickbooks' }));
  await storeRecords(store, records);
  return store;
}

/**
 * The digest's money for `date` in `zone`, sent the morning after, through the SQL queries and through the
 * Store-interface ones, which must agree. Noon UTC lies on `date` in every zone from UTC−11 to UTC+11.
 */
async function moneyOn(store: EmbeddedStore, zone: string, date: string) {
  const day = dayContaining(new Date(`${date}T12:00:00Z`), zone);
  assert.equal(day.date, date);
  const now = new Date(day.end.getTime() + 9 * HOUR);
  const digest = await digestOf(store, now, zone);
  assert.equal(digest.day.date, date);
  const generic = await computeDigest({
    store,
    status: await statusOf(store, now),
    timezone: zone,
    now,
    queries: genericDigestQueries(store),
  });
  assert.deepEqual(generic.money, digest.money, `both query paths agree on ${date} in ${zone}`);
  return moneyRows(digest.money);
}

describe('digest money: a calendar date counts on that date in the team timezone', () => {
  const dated = [
    ['a Plaid transaction with only a date', () => plaidTransaction('2026-03-08', 12_345, 'USD'), 'bank'],
    ['a QuickBooks payment (TxnDate)', () => quickbooksPayment('2026-03-08', 12_345, 'USD'), 'books'],
  ] as const;
  for (const [what, make, system] of dated) {
    test(`${what} dated 2026-03-08 is in the March 8 digest in New York, Berlin, Tokyo and UTC, and no other`, async () => {
      const made = make();
      // As the normalizer stores it: the date at 00:00 UTC, which in New York is still March 7.
      assert.equal(made.occurredAt, '2026-03-08T00:00:00.000Z');
      assert.equal(made.moneyMovement, true);
      const store = await storeWith([made]);
      for (const zone of ZONES) {
        for (const date of DATES) {
          assert.deepEqual(
            await moneyOn(store, zone, date),
            date === '2026-03-08' ? moneyIn({ [`${system}/USD`]: 12_345 }) : null,
            `${zone} ${date}`,
          );
        }
      }
    });
  }

  test('instants count on their local date: 03:00 UTC on March 8 is March 7 in New York, March 8 elsewhere', async () => {
    const store = await storeWith([
      record('2026-03-08T03:00:00.000Z', 1, 'USD'), // Stripe
      plaidTransaction('2026-03-08', 10, 'EUR', { datetime: '2026-03-08T03:00:00Z' }), // Plaid with a time
      record('2026-03-08T00:00:00.000Z', 100, 'GBP'), // Stripe, at midnight UTC: still an instant
    ]);
    const all = moneyIn({ 'stripe/USD': 1, 'bank/EUR': 10, 'stripe/GBP': 100 });
    for (const zone of ZONES) {
      const local = zone === 'America/New_York' ? '2026-03-07' : '2026-03-08';
      for (const date of DATES) {
        assert.deepEqual(await moneyOn(store, zone, date), date === local ? all : null, `${zone} ${date}`);
      }
    }
  });

  test('New York on 2026-03-08 (23 hours, 05:00 to 04:00 UTC): instants by the edges, dates by the date', async () => {
    // Powers of ten, so each total shows exactly which records were counted.
    const store = await storeWith([
      record('2026-03-08T04:59:59.999Z', 1, 'USD'), // Saturday 23:59:59.999 local
      record('2026-03-08T05:00:00.000Z', 10, 'USD'), // local midnight: in
      record('2026-03-09T00:00:00.000Z', 100, 'USD'), // Stripe at midnight UTC, 20:00 local: in
      record('2026-03-09T03:59:59.999Z', 1_000, 'USD'), // last millisecond: in
      record('2026-03-09T04:00:00.000Z', 10_000, 'USD'), // next local midnight: out
      plaidTransaction('2026-03-07', 100_000, 'USD'),
      plaidTransaction('2026-03-08', 1_000_000, 'USD'), // an instant before the day: in by its date
      plaidTransaction('2026-03-09', 10_000_000, 'USD'), // an instant inside the day: out by its date
      quickbooksPayment('2026-03-08', 100_000_000, 'USD'),
      quickbooksPayment('2026-03-09', 1_000_000_000, 'USD'),
      plaidTransaction('2026-03-08', 10_000_000_000, 'USD', { datetime: '2026-03-08T05:30:00Z' }),
      plaidTransaction('2026-03-09', 100_000_000_000, 'USD', { datetime: '2026-03-09T03:00:00Z' }), // in
      plaidTransaction('2026-03-08', -5, 'USD'), // a purchase: money out
      record('2026-03-08T12:00:00.000Z', 1_000_000_000_000, 'USD', { moneyMovement: false }),
    ]);
    const zone = 'America/New_York';
    const digest = await digestOf(store, new Date('2026-03-09T13:00:00Z'), zone);
    assert.equal(digest.day.date, '2026-03-08');
    assert.equal(digest.day.hours, 23);
    // Per system: Plaid (bank) 1_000_000 + 10_000_000_000 + 100_000_000_000 in and 5 out; QuickBooks (books)
    // 100_000_000; Stripe 10 + 100 + 1_000.
    const expected = [
      { connection: 'bank', currency: 'USD', moneyIn: 110_001_000_000n, moneyOut: 5n, movements: 4 },
      { connection: 'books', currency: 'USD', moneyIn: 100_000_000n, moneyOut: 0n, movements: 1 },
      { connection: 'stripe', currency: 'USD', moneyIn: 1_110n, moneyOut: 0n, movements: 3 },
    ];
    assert.deepEqual(moneyRows(digest.money), expected);
    const start = Date.parse('2026-03-08T05:00:00.000Z');
    const end = Date.parse('2026-03-09T04:00:00.000Z');
    assert.deepEqual(await recompute(store, start, end, '2026-03-08'), expected);
    assert.deepEqual(await moneyOn(store, zone, '2026-03-08'), expected);
    assert.deepEqual(await moneyOn(store, zone, '2026-03-07'), [
      { connection: 'bank', currency: 'USD', moneyIn: 100_000n, moneyOut: 0n, movements: 1 },
      { connection: 'stripe', currency: 'USD', moneyIn: 1n, moneyOut: 0n, movements: 1 },
    ]);
    assert.deepEqual(await moneyOn(store, zone, '2026-03-09'), [
      { connection: 'bank', currency: 'USD', moneyIn: 10_000_000n, moneyOut: 0n, movements: 1 },
      { connection: 'books', currency: 'USD', moneyIn: 1_000_000_000n, moneyOut: 0n, movements: 1 },
      { connection: 'stripe', currency: 'USD', moneyIn: 10_000n, moneyOut: 0n, movements: 1 },
    ]);
  });

  test('a Plaid datetime of exactly 00:00:00 UTC (Plaid fills in default times) counts as its date', async () => {
    const store = await storeWith([
      plaidTransaction('2026-03-08', 7, 'USD', { datetime: '2026-03-08T00:00:00Z' }),
    ]);
    assert.deepEqual(await moneyOn(store, 'America/New_York', '2026-03-07'), null);
    assert.deepEqual(await moneyOn(store, 'America/New_York', '2026-03-08'), moneyIn({ 'bank/USD': 7 }));
  });

  test('random days in seven zones reconcile with a recomputation from what each record means', async () => {
    const zones = [...ZONES, 'Pacific/Pago_Pago', 'Asia/Kolkata', 'Australia/Lord_Howe'];
    const dates = ['2026-03-05', '2026-03-06', '2026-03-07', '2026-03-08', '2026-03-09', '2026-03-10'];
    const random = seeded(11);
    const currencies = ['USD', 'EUR', 'JPY', 'KWD'] as const;
    // Each record with what it means: a calendar date, or an instant; null when it is no money movement.
    const generated: { record: LedgerRecord; date: string | null; instant: number | null }[] = [];
    const from = Date.parse('2026-03-04T10:00:00Z');
    for (let i = 0; i < 2_400; i++) {
      const currency = currencies[i % currencies.length]!;
      const magnitude = 1 + Math.floor(random() * 10 ** (1 + Math.floor(random() * 8)));
      const amount = random() < 0.35 ? -magnitude : magnitude;
      const date = dates[Math.floor(random() * dates.length)]!;
      const at = from + Math.floor(random() * 7.5 * DAY);
      const atIso = new Date(at).toISOString();
      switch (i % 6) {
        case 0:
          generated.push({ record: plaidTransaction(date, amount, currency), date, instant: null });
          break;
        case 1:
          if (amount < 0) continue; // QuickBooks payments are money in
          generated.push({ record: quickbooksPayment(date, amount, currency), date, instant: null });
          break;
        case 2: {
          // Plaid with a time (a time of exactly 00:00:00 UTC would read as a date; see the test above).
          const midnight = atIso.endsWith('T00:00:00.000Z');
          const made = plaidTransaction(atIso.slice(0, 10), amount, currency, { datetime: atIso });
          generated.push({ record: made, date: midnight ? atIso.slice(0, 10) : null, instant: at });
          break;
        }
        case 3: // Stripe, sometimes exactly at midnight UTC (an instant all the same)
          generated.push({
            record: record(i % 4 === 3 ? `${date}T00:00:00.000Z` : atIso, amount, currency),
            date: null,
            instant: i % 4 === 3 ? Date.parse(`${date}T00:00:00Z`) : at,
          });
          break;
        case 4: // not a movement, though dated like one
          generated.push({
            record: { ...plaidTransaction(date, amount, currency), moneyMovement: false },
            date: null,
            instant: null,
          });
          break;
        default:
          generated.push({ record: record(atIso, amount, currency), date: null, instant: at });
      }
    }
    // Beyond 2^53 on one date, through both kinds of record.
    for (let i = 0; i < 3; i++) {
      generated.push({
        record: quickbooksPayment('2026-03-08', 2 ** 52 + 1, 'USD'),
        date: '2026-03-08',
        instant: null,
      });
      const at = Date.parse('2026-03-08T15:00:00Z') + i;
      generated.push({
        record: record(new Date(at).toISOString(), 2 ** 52 + 1, 'USD'),
        date: null,
        instant: at,
      });
    }
    const store = await storeWith(generated.map((g) => g.record));
    assert.equal(await store.countRecords(), generated.length, 'every record stored (ids are unique)');

    // One formatter per zone: building one per record made this test take seconds.
    const formats = new Map<string, Intl.DateTimeFormat>();
    const localDate = (ms: number, zone: string) => {
      let format = formats.get(zone);
      if (!format) {
        format = new Intl.DateTimeFormat('en-CA', {
          timeZone: zone,
          year: 'numeric',
          month: '2-digit',
          day: '2-digit',
        });
        formats.set(zone, format);
      }
      return format.format(ms);
    };
    let checked = 0;
    for (const zone of zones) {
      for (const date of dates.slice(1, -1)) {
        const sums = new Map<string, { moneyIn: bigint; moneyOut: bigint; movements: number }>();
        for (const g of generated) {
          const onDate =
            g.date !== null ? g.date === date : g.instant !== null && localDate(g.instant, zone) === date;
          if (!onDate) continue;
          // Connection names hold no space: "bank USD" sorts as (connection, currency).
          const key = `${g.record.connection} ${g.record.currency!}`;
          const entry = sums.get(key) ?? { moneyIn: 0n, moneyOut: 0n, movements: 0 };
          if (g.record.amount > 0) entry.moneyIn += BigInt(g.record.amount);
          else entry.moneyOut += BigInt(-g.record.amount);
          entry.movements++;
          sums.set(key, entry);
        }
        const expected = [...sums.entries()]
          .sort(([a], [b]) => (a < b ? -1 : 1))
          .map(([key, e]) => {
            const [connection = '', currency = ''] = key.split(' ');
            return { connection, currency, ...e };
          });
        assert.deepEqual(
          [...new Set(expected.map((e) => e.connection))],
          ['bank', 'books', 'stripe'],
          `${zone} ${date}: every system has money`,
        );
        assert.equal(new Set(expected.map((e) => e.currency)).size, 4, `${zone} ${date}: every currency too`);
        const money = await moneyOn(store, zone, date);
        assert.deepEqual(money, expected, `${zone} ${date}`);
        const day = dayContaining(new Date(`${date}T12:00:00Z`), zone);
        assert.deepEqual(await recompute(store, day.start.getTime(), day.end.getTime(), date), expected);
        checked++;
      }
    }
    assert.equal(checked, zones.length * 4);
  });

  test('a day whose dated total leaves 64 bits is summed exactly, dates and instants alike', async () => {
    const big = 9_000_000_000_000_000; // 1,100 of them overflow SQLite's 64-bit sum
    const records: LedgerRecord[] = [];
    for (let i = 0; i < 550; i++) {
      records.push(plaidTransaction('2026-01-15', big, 'USD'));
      records.push(record(new Date(Date.parse('2026-01-15T06:00:00Z') + i * 1000).toISOString(), big, 'USD'));
    }
    // Dated the 16th, at an instant inside New York's 15th: must stay out of the fallback's sum too.
    records.push(plaidTransaction('2026-01-16', 1, 'USD'));
    const store = await storeWith(records);
    assert.deepEqual(await moneyOn(store, 'America/New_York', '2026-01-15'), [
      {
        connection: 'bank',
        currency: 'USD',
        moneyIn: 4_950_000_000_000_000_000n,
        moneyOut: 0n,
        movements: 550,
      },
      {
        connection: 'stripe',
        currency: 'USD',
        moneyIn: 4_950_000_000_000_000_000n,
        moneyOut: 0n,
        movements: 550,
      },
    ]);
  });
});
