import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { computeDigest } from '../../src/digest/compute.ts';
import { CALENDAR_DATE_PROVIDERS } from '../../src/digest/queries.ts';
import { digestMessage } from '../../src/messages/digest.ts';
import { formatMoney } from '../../src/money.ts';
import type { LedgerRecord } from '../../src/records.ts';
import { moneyByConnectionSql } from '../../src/store/embedded/digest-queries.ts';
import { genericDigestQueries } from '../../src/store/generic/digest-queries.ts';
import {
  cleanUp,
  connection,
  digestOf,
  moneyRows,
  openStore,
  recompute,
  record,
  seeded,
  statusOf,
  storeRecords,
} from './factories.ts';

after(cleanUp);

const iso = (ms: number) => new Date(ms).toISOString();
const HOUR = 3_600_000;

/** DST days with their bounds written out by hand (not computed by day.ts). */
const DST_DAYS = [
  {
    zone: 'America/New_York',
    date: '2026-03-08',
    start: '2026-03-08T05:00:00.000Z',
    end: '2026-03-09T04:00:00.000Z',
    hours: 23,
  },
  {
    zone: 'America/New_York',
    date: '2026-11-01',
    start: '2026-11-01T04:00:00.000Z',
    end: '2026-11-02T05:00:00.000Z',
    hours: 25,
  },
  {
    zone: 'Europe/Berlin',
    date: '2026-03-29',
    start: '2026-03-28T23:00:00.000Z',
    end: '2026-03-29T22:00:00.000Z',
    hours: 23,
  },
  {
    zone: 'Europe/Berlin',
    date: '2026-10-25',
    start: '2026-10-24T22:00:00.000Z',
    end: '2026-10-25T23:00:00.000Z',
    hours: 25,
  },
] as const;

describe('digest money: exact, per currency, over the local day', () => {
  for (const d of DST_DAYS) {
    test(`${d.zone} ${d.date} (${d.hours} h): records at the edges are in or out exactly`, async () => {
      const store = await openStore();
      await store.createConnection(connection('stripe'));
      const start = Date.parse(d.start);
      const end = Date.parse(d.end);
      // Amounts are powers of ten, so the total shows exactly which records were counted.
      await storeRecords(store, [
        record(iso(start - 1), 1, 'USD'), // last millisecond of the day before: out
        record(iso(start), 10, 'USD'), // local midnight: in
        record(iso(start + 23 * HOUR - 1), 100, 'USD'), // in on every day
        record(iso(start + 24 * HOUR - 1), 1_000, 'USD'), // in only on a 25-hour day
        record(iso(end - 1), 10_000, 'USD'), // last millisecond of the day: in
        record(iso(end), 100_000, 'USD'), // next local midnight: out
        record(iso(start + HOUR), 1_000_000, 'USD', { moneyMovement: false }), // not a movement: out
      ]);
      const digest = await digestOf(store, new Date(end + 8 * HOUR), d.zone);
      assert.equal(digest.day.date, d.date);
      assert.equal(digest.day.start.toISOString(), d.start);
      assert.equal(digest.day.end.toISOString(), d.end);
      const expectedIn = d.hours === 25 ? 11_110n : 10_110n;
      assert.deepEqual(digest.money, [
        {
          connection: 'stripe',
          providerName: 'Stripe',
          connected: true,
          currency: 'USD',
          moneyIn: expectedIn,
          moneyOut: 0n,
          movements: d.hours === 25 ? 4 : 3,
        },
      ]);
      assert.deepEqual(moneyRows(digest.money), await recompute(store, start, end, d.date));
    });
  }

  test('USD, EUR, JPY and KWD totals reconcile with the stored records to the last minor unit', async () => {
    const store = await openStore();
    for (const name of ['stripe', 'bank', 'books']) await store.createConnection(connection(name));
    const { start, end, zone, date } = {
      ...DST_DAYS[3],
      start: Date.parse(DST_DAYS[3].start),
      end: Date.parse(DST_DAYS[3].end),
    };
    const random = seeded(5);
    const currencies = ['USD', 'EUR', 'JPY', 'KWD'] as const;
    const records: LedgerRecord[] = [];
    for (let i = 0; i < 3_000; i++) {
      const currency = currencies[i % currencies.length]!;
      const connectionName = ['stripe', 'bank', 'books'][i % 3]!;
      // From two days before to a day after, so neighbours of the day are stored too.
      const at = start - 2 * 24 * HOUR + Math.floor(random() * 4 * 24 * HOUR);
      const magnitude = Math.floor(random() * 10 ** (1 + Math.floor(random() * 9)));
      const amount = random() < 0.4 ? -magnitude : magnitude;
      const base = record(iso(at), amount, currency, { connection: connectionName });
      records.push(base);
      // The same money seen through a second stream (as a charge), which must not count twice.
      if (i % 2 === 0) {
        records.push(
          record(iso(at), amount, currency, {
            connection: connectionName,
            stream: 'charges',
            kind: 'charge',
            moneyMovement: false,
          }),
        );
      }
    }
    // Beyond 2^53: a Number sum of these would round; the digest must not.
    for (let i = 0; i < 3; i++) records.push(record(iso(start + HOUR * (i + 1)), 2 ** 52 + 1, 'USD'));
    await storeRecords(store, records);

    const digest = await digestOf(store, new Date(end + 7 * HOUR), zone);
    const expected = await recompute(store, start, end, date);
    assert.deepEqual(
      expected.map((t) => `${t.connection} ${t.currency}`),
      ['bank', 'books', 'stripe'].flatMap((c) => ['EUR', 'JPY', 'KWD', 'USD'].map((cur) => `${c} ${cur}`)),
    );
    assert.ok(expected.every((t) => t.moneyIn > 0n && t.moneyOut > 0n));
    assert.ok(
      expected.find((t) => t.connection === 'stripe' && t.currency === 'USD')!.moneyIn >
        BigInt(Number.MAX_SAFE_INTEGER),
    );
    assert.deepEqual(moneyRows(digest.money), expected);

    // Formatted in each currency's own decimals.
    const { blocks } = digestMessage(digest);
    const text = JSON.stringify(blocks);
    for (const t of expected) {
      assert.ok(text.includes(formatMoney(t.moneyIn, t.currency)), `${t.currency} in`);
      assert.ok(text.includes(formatMoney(t.moneyOut, t.currency)), `${t.currency} out`);
    }
    assert.match(formatMoney(expected.find((t) => t.currency === 'KWD')!.moneyIn, 'KWD'), /\.\d{3} KWD$/);
    assert.match(formatMoney(expected.find((t) => t.currency === 'JPY')!.moneyIn, 'JPY'), /^[\d,]+ JPY$/);

    // The Store-interface queries (for stores without SQL) give the same digest.
    const generic = await computeDigest({
      store,
      status: await statusOf(store, new Date(end + 7 * HOUR)),
      timezone: zone,
      now: new Date(end + 7 * HOUR),
      queries: genericDigestQueries(store),
    });
    assert.deepEqual(generic, digest);
  });

  test('a total beyond 64 bits is still exact', async () => {
    const store = await openStore();
    await store.createConnection(connection('stripe'));
    const start = Date.parse('2026-01-15T00:00:00.000Z');
    const big = 9_000_000_000_000_000; // a safe integer; 1,100 of them overflow SQLite's 64-bit sum
    await storeRecords(
      store,
      Array.from({ length: 1_100 }, (_, i) => record(iso(start + i * 1000), big, 'USD')),
    );
    const digest = await digestOf(store, new Date('2026-01-16T09:00:00Z'), 'UTC');
    assert.deepEqual(moneyRows(digest.money), [
      {
        connection: 'stripe',
        currency: 'USD',
        moneyIn: 9_900_000_000_000_000_000n,
        moneyOut: 0n,
        movements: 1_100,
      },
    ]);
    assert.deepEqual(moneyRows(digest.money), await recompute(store, start, start + 24 * HOUR, '2026-01-15'));
  });

  test('the money query reads one covering index: a range scan of the instants and a seek to the dates', async () => {
    const store = await openStore();
    const plan = store.database
      .prepare<[Record<string, string>], { detail: string }>(
        `EXPLAIN QUERY PLAN ${moneyByConnectionSql(CALENDAR_DATE_PROVIDERS)}`,
      )
      .all({
        start: '2026-01-15T05:00:00.000Z',
        end: '2026-01-16T05:00:00.000Z',
        date: '2026-01-15T00:00:00.000Z',
      })
      .map((row) => row.detail);
    const searches = plan.filter((d) => /^SEARCH records/.test(d));
    assert.equal(searches.length, 2, plan.join('; '));
    // The day's instants: a range of occurred_at.
    assert.ok(
      searches.some((d) =>
        /^SEARCH records USING COVERING INDEX \w+ \(occurred_at>\? AND occurred_at<\?\)$/.test(d),
      ),
      plan.join('; '),
    );
    // The day's calendar dates: one occurred_at, Plaid's and QuickBooks' entries of it.
    assert.ok(
      searches.some((d) =>
        /^SEARCH records USING COVERING INDEX \w+ \(occurred_at=\? AND provider=\?/.test(d),
      ),
      plan.join('; '),
    );
    assert.ok(!plan.some((d) => /^SCAN records/.test(d)), plan.join('; '));
  });
});
