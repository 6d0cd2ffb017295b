import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { digestMessage } from '../../src/messages/digest.ts';
import { cleanUp, connection, digestOf, finishedRun, openStore, record, storeRecords } from './factories.ts';

after(cleanUp);

// The digest for Sunday 2026-03-08 in New York (23 hours: 05:00 UTC to 04:00 UTC the next day).
const ZONE = 'America/New_York';
const NOW = new Date('2026-03-09T13:00:00Z');

describe('computeDigest: verdict, problems, records synced', () => {
  test('problems come first with since when, failed runs and owner; healthy ones are collapsed', async () => {
    const store = await openStore();
    const names = ['stripe', 'bank', 'books', 'pay-1', 'pay-2', 'pay-3', 'pay-4'];
    for (const name of names) {
      await store.createConnection(
        connection(name, {
          createdBy: name === 'bank' ? 'UBANKOWNER' : 'UOWNER0001',
          schedule: 'daily 02:00',
          ...(name === 'books' ? { state: 'needs_reconnect', stateReason: 'token revoked' } : {}),
        }),
      );
      if (name !== 'bank' && name !== 'books') {
        await finishedRun(store, name, '2026-03-09T07:00:00.000Z', '2026-03-09T07:01:00.000Z');
      }
    }
    // bank: a success, then three failures; the streak started with the first of them.
    await finishedRun(store, 'bank', '2026-03-07T07:00:00.000Z', '2026-03-07T07:02:00.000Z');
    await finishedRun(store, 'bank', '2026-03-08T07:00:00.000Z', '2026-03-08T07:01:00.000Z', 'failed');
    await finishedRun(store, 'bank', '2026-03-08T19:00:00.000Z', '2026-03-08T19:01:00.000Z', 'failed');
    await finishedRun(store, 'bank', '2026-03-09T07:00:00.000Z', '2026-03-09T07:01:00.000Z', 'failed');
    // books: its credentials were revoked after a success; a failed run since.
    await finishedRun(store, 'books', '2026-03-08T07:00:00.000Z', '2026-03-08T07:03:00.000Z');
    await finishedRun(store, 'books', '2026-03-09T07:00:00.000Z', '2026-03-09T07:00:05.000Z', 'failed');

    const digest = await digestOf(store, NOW, ZONE);
    assert.equal(digest.verdict, '2 of 7 need attention');
    assert.deepEqual(
      digest.problems.map((p) => [p.name, p.health, p.since?.toISOString() ?? null, p.failedRuns, p.owner]),
      [
        ['books', 'needs_reconnect', '2026-03-09T07:00:00.000Z', 1, 'UOWNER0001'],
        ['bank', 'failing', '2026-03-08T07:00:00.000Z', 3, 'UBANKOWNER'],
      ],
    );
    assert.deepEqual(digest.healthy, { count: 5, names: ['pay-1', 'pay-2', 'pay-3', 'pay-4', 'stripe'] });
    assert.deepEqual(digest.stale, []);

    const message = digestMessage(digest, {
      alertLinks: new Map([['bank', 'https://acme.slack.com/archives/C1/p1700000000000100']]),
      ownerNames: new Map([['UBANKOWNER', 'Ann Lee']]),
    });
    const blocks = JSON.stringify(message.blocks);
    assert.match(
      message.text,
      /^finsync digest for Sunday, March 8, 2026: 2 of 7 need attention \(books, bank\)/,
    );
    assert.ok(blocks.indexOf('2 of 7 need attention') < blocks.indexOf('*books*'), 'verdict leads');
    assert.ok(blocks.indexOf('*bank*') < blocks.indexOf('5 healthy connections'), 'problems before healthy');
    assert.match(blocks, /<!date\^1772953200\^/, 'bank failing since, as a date token');
    assert.match(blocks, /owner Ann Lee/);
    assert.match(blocks, /<https:\/\/acme\.slack\.com\/archives\/C1\/p1700000000000100\|alert thread>/);
    assert.doesNotMatch(blocks, /<@U/, 'routine message: nobody is pinged');
  });

  test('all healthy says so; records synced count runs that ended in the local day, against the day before', async () => {
    const store = await openStore();
    for (const name of ['stripe', 'bank', 'books']) {
      await store.createConnection(connection(name, { schedule: 'daily 02:00' }));
    }
    const counts = (inserted: number, updated: number) => ({ balance_transactions: { inserted, updated } });
    // Started before the day, ended in it: counts for the day.
    await finishedRun(store, 'stripe', '2026-03-08T04:50:00.000Z', '2026-03-08T05:10:00.000Z', 'success', {
      ...counts(100, 5),
      charges: { inserted: 20, updated: 1, fetched: 999 },
    });
    // A failed run stored pages before failing: its records count too.
    await finishedRun(
      store,
      'bank',
      '2026-03-08T10:00:00.000Z',
      '2026-03-08T10:05:00.000Z',
      'failed',
      counts(7, 0),
    );
    // Ended at the next local midnight exactly: the next day's.
    await finishedRun(
      store,
      'books',
      '2026-03-09T03:50:00.000Z',
      '2026-03-09T04:00:00.000Z',
      'success',
      counts(1_000, 0),
    );
    // The day before (Saturday).
    await finishedRun(
      store,
      'stripe',
      '2026-03-07T19:00:00.000Z',
      '2026-03-07T19:10:00.000Z',
      'success',
      counts(90, 4),
    );
    // Ended a millisecond before the day: the day before's.
    await finishedRun(
      store,
      'bank',
      '2026-03-08T04:00:00.000Z',
      '2026-03-08T04:59:59.999Z',
      'success',
      counts(6, 0),
    );
    // Healthy now.
    for (const name of ['stripe', 'bank', 'books']) {
      await finishedRun(
        store,
        name,
        '2026-03-09T07:00:00.000Z',
        '2026-03-09T07:01:00.000Z',
        'success',
        counts(0, 0),
      );
    }
    await storeRecords(store, [record('2026-03-08T15:00:00.000Z', 12_345, 'USD')]);

    const digest = await digestOf(store, NOW, ZONE);
    assert.equal(digest.verdict, 'All 3 connections healthy');
    assert.deepEqual(digest.synced, { day: { runs: 2, records: 133 }, dayBefore: { runs: 2, records: 100 } });
    const text = JSON.stringify(digestMessage(digest).blocks);
    assert.match(
      text,
      /Records synced:\* 133 records in 2 runs · up 33 \(\+33%\) from 100 records on Sat, Mar 7/,
    );
    assert.match(text, /in 123\.45 USD · out 0\.00 USD · 1 movement/);
  });

  test('a day with no money movements and no finished syncs says "No data" in words, never zeros', async () => {
    const store = await openStore();
    await store.createConnection(connection('stripe', { schedule: 'daily 02:00' }));
    await finishedRun(store, 'stripe', '2026-03-09T07:00:00.000Z', '2026-03-09T07:01:00.000Z');
    await storeRecords(store, [
      record('2026-03-07T12:00:00.000Z', 500, 'USD'), // the day before
      record('2026-03-08T12:00:00.000Z', 700, 'USD', { moneyMovement: false }), // not a movement
    ]);
    const digest = await digestOf(store, NOW, ZONE);
    assert.equal(digest.hasData, false);
    assert.equal(digest.money, null);
    assert.deepEqual(digest.synced, { day: null, dayBefore: null });
    const message = digestMessage(digest);
    const text = JSON.stringify(message.blocks);
    assert.match(text, /No data for Sunday, March 8, 2026/);
    assert.match(message.text, /no data for Sunday, March 8, 2026/);
    assert.doesNotMatch(text, /0\.00|\b0 records|\b0 runs/);
  });

  test('money without finished syncs, and syncs without money, are each said in words', async () => {
    const store = await openStore();
    await store.createConnection(connection('stripe', { schedule: 'daily 02:00' }));
    await finishedRun(store, 'stripe', '2026-03-08T07:00:00.000Z', '2026-03-08T07:01:00.000Z');
    await finishedRun(store, 'stripe', '2026-03-09T07:00:00.000Z', '2026-03-09T07:01:00.000Z');
    const quiet = await digestOf(store, NOW, ZONE);
    assert.equal(quiet.hasData, true);
    assert.equal(quiet.money, null);
    const text = JSON.stringify(digestMessage(quiet).blocks);
    assert.match(text, /no money movements were recorded on Sun, Mar 8/);
    assert.match(text, /0 records in 1 run · no sync finished on Sat, Mar 7 to compare with/);
  });
});
