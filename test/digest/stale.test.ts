import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { freshness, isStale, mayBeStale } from '../../src/digest/stale.ts';
import { digestMessage } from '../../src/messages/digest.ts';
import { cleanUp, connection, digestOf, finishedRun, openStore } from './factories.ts';

after(cleanUp);

const at = (iso: string) => new Date(iso);
const success = (startedAt: string, endedAt: string) => ({ startedAt: at(startedAt), endedAt: at(endedAt) });
const staleAfter = (schedule: string | null, s: { startedAt: Date; endedAt: Date }, timezone = 'UTC') =>
  freshness(schedule, timezone, s).staleAfter.toISOString();

describe('stale: no success in more than twice the interval, or 24 h when manual', () => {
  test('every N minutes: twice the interval after the success ended', () => {
    const s = success('2026-03-09T09:59:00Z', '2026-03-09T10:00:00Z');
    assert.equal(staleAfter('every 15 minutes', s), '2026-03-09T10:30:00.000Z');
    assert.equal(staleAfter('every 2 hours', s), '2026-03-09T14:00:00.000Z');
  });

  test('hourly and daily: two scheduled runs missed, with the time the last success took to run', () => {
    assert.equal(
      staleAfter('hourly', success('2026-03-09T10:00:00Z', '2026-03-09T10:02:00Z')),
      '2026-03-09T12:02:00.000Z',
    );
    assert.equal(
      staleAfter('daily 02:00', success('2026-03-05T01:00:00Z', '2026-03-05T01:05:00Z'), 'Europe/Berlin'),
      '2026-03-07T01:05:00.000Z',
    );
  });

  test('a weekday cron is not stale over the weekend, and is once Monday and Tuesday passed without success', () => {
    const friday = success('2026-03-06T06:00:00Z', '2026-03-06T06:05:00Z');
    const fresh = freshness('cron "0 6 * * 1-5"', 'UTC', friday);
    assert.equal(fresh.staleAfter.toISOString(), '2026-03-10T06:05:00.000Z');
    assert.equal(isStale(at('2026-03-09T10:00:00Z'), fresh), false, 'Monday morning');
    assert.equal(isStale(at('2026-03-10T06:06:00Z'), fresh), true, 'Tuesday after the run');
  });

  test('manual connections (no schedule, off, or unreadable) go stale after 24 hours', () => {
    const s = success('2026-03-09T09:00:00Z', '2026-03-09T10:00:00Z');
    for (const schedule of [null, 'off', 'whenever']) {
      const fresh = freshness(schedule, 'UTC', s);
      assert.equal(fresh.basis, 'manual');
      assert.equal(fresh.staleAfter.toISOString(), '2026-03-10T10:00:00.000Z');
    }
    assert.equal(
      freshness(null, 'UTC', s, { factor: 2, manualMs: 3_600_000 }).staleAfter.toISOString(),
      '2026-03-09T11:00:00.000Z',
    );
  });

  test('the digest lists stale connections apart from problems, never-synced ones from their creation', async () => {
    const store = await openStore();
    const now = at('2026-03-09T13:00:00Z');
    await store.createConnection(connection('fresh-hourly', { schedule: 'hourly' }));
    await finishedRun(store, 'fresh-hourly', '2026-03-09T12:00:00.000Z', '2026-03-09T12:01:00.000Z');
    // Its last run succeeded, three hours ago: healthy by its last run, stale by its schedule.
    await store.createConnection(connection('quiet-hourly', { schedule: 'hourly', createdBy: 'UQUIET' }));
    await finishedRun(store, 'quiet-hourly', '2026-03-09T10:00:00.000Z', '2026-03-09T10:01:00.000Z');
    // Manual, last success 30 hours ago.
    await store.createConnection(connection('manual-old'));
    await finishedRun(store, 'manual-old', '2026-03-08T07:00:00.000Z', '2026-03-08T07:01:00.000Z');
    // Manual, last success 20 hours ago.
    await store.createConnection(connection('manual-recent'));
    await finishedRun(store, 'manual-recent', '2026-03-08T17:00:00.000Z', '2026-03-08T17:01:00.000Z');
    // Hourly, created at 09:30 and never synced: two scheduled runs (10:00, 11:00) came and went.
    await store.createConnection(
      connection('never-synced', { schedule: 'hourly', createdAt: '2026-03-09T09:30:00.000Z' }),
    );
    // Hourly, created at 12:30, never synced yet: not stale, just waiting.
    await store.createConnection(
      connection('brand-new', { schedule: 'hourly', createdAt: '2026-03-09T12:30:00.000Z' }),
    );

    const digest = await digestOf(store, now, 'UTC');
    assert.deepEqual(
      digest.stale.map((s) => [s.name, s.staleSince.toISOString(), s.lastSuccessAt?.toISOString() ?? null]),
      [
        ['never-synced', '2026-03-09T11:00:00.000Z', null],
        ['quiet-hourly', '2026-03-09T12:01:00.000Z', '2026-03-09T10:01:00.000Z'],
        ['manual-old', '2026-03-09T07:01:00.000Z', '2026-03-08T07:01:00.000Z'],
      ].sort((a, b) => (a[1]! < b[1]! ? -1 : 1)),
    );
    assert.deepEqual(digest.healthy.names, ['fresh-hourly', 'manual-recent']);
    assert.deepEqual(digest.pending.names, ['brand-new']);
    assert.equal(digest.verdict, '3 of 6 need attention');
    const text = JSON.stringify(digestMessage(digest).blocks);
    assert.match(
      text,
      /\*quiet-hourly\* \(Stripe\) · last success <!date\^\d+\^[^>]+> · expected hourly, on the hour/,
    );
    assert.match(text, /\*never-synced\* \(Stripe\) · never synced successfully/);
    assert.match(text, /owner UQUIET/);
  });
});

describe('the quick first look never misses a stale connection', () => {
  test('mayBeStale is true whenever freshness says stale, across schedules, zones and times', () => {
    const schedules = [
      null,
      'off',
      'hourly',
      'daily 02:00',
      'daily 23:59',
      'every 5 minutes',
      'every 3 hours',
      'cron "0 6 * * 1-5"',
    ];
    const zones = ['UTC', 'America/New_York', 'Europe/Berlin', 'Australia/Lord_Howe'];
    // Around both 2026 DST changes in New York and Berlin.
    const bases = [
      '2026-03-07T00:00:00Z',
      '2026-03-28T00:00:00Z',
      '2026-10-24T00:00:00Z',
      '2026-10-31T00:00:00Z',
    ];
    let checked = 0;
    let stale = 0;
    for (const schedule of schedules) {
      for (const zone of zones) {
        for (const base of bases) {
          for (let step = 0; step < 12; step++) {
            const startedAt = new Date(Date.parse(base) + step * 4_321_000);
            const s = { startedAt, endedAt: new Date(startedAt.getTime() + (step % 4) * 60_000) };
            const fresh = freshness(schedule, zone, s);
            for (const hours of [0.5, 1, 1.5, 2, 2.2, 6, 23, 24.5, 47, 50, 80, 100]) {
              const now = new Date(s.endedAt.getTime() + hours * 3_600_000);
              if (isStale(now, fresh)) {
                stale++;
                assert.ok(
                  mayBeStale(now, schedule, s),
                  `${schedule} ${zone} ${startedAt.toISOString()} +${hours} h`,
                );
              }
              checked++;
            }
          }
        }
      }
    }
    assert.ok(stale > checked / 4 && stale < checked, `${stale} stale of ${checked}`);
  });
});
