import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isSnoozeChoice, snoozeUntil } from '../../src/incidents/snooze.ts';
import { SNOOZE_CHOICES } from '../../src/incidents/types.ts';

const HOUR = 3_600_000;
const at = (iso: string) => new Date(iso);
const iso = (date: Date | null) => date?.toISOString() ?? null;

describe('snoozeUntil', () => {
  test('1h and 4h add exactly 1 and 4 hours of elapsed time, even across a clock change', () => {
    for (const now of [
      at('2026-01-15T10:17:23.456Z'),
      at('2026-03-08T06:30:00.000Z'), // 01:30 EST in New York, the night clocks spring forward
      at('2026-11-01T05:30:00.000Z'), // 01:30 EDT in New York, the night clocks fall back
    ]) {
      for (const zone of ['UTC', 'America/New_York', 'Asia/Kolkata']) {
        assert.equal(snoozeUntil('1h', now, zone)?.getTime(), now.getTime() + HOUR);
        assert.equal(snoozeUntil('4h', now, zone)?.getTime(), now.getTime() + 4 * HOUR);
      }
    }
  });

  test('until_resolved has no end time', () => {
    assert.equal(snoozeUntil('until_resolved', at('2026-03-08T12:00:00Z'), 'Europe/Berlin'), null);
  });

  // Expected instants are written out by hand, not computed with the code under test.
  const tomorrowCases: { name: string; zone: string; now: string; expected: string }[] = [
    {
      name: 'New York late evening before clocks spring forward → 09:00 EDT',
      zone: 'America/New_York',
      now: '2026-03-08T04:30:00.000Z', // 2026-03-07 23:30 EST
      expected: '2026-03-08T13:00:00.000Z', // 2026-03-08 09:00 EDT
    },
    {
      name: 'New York just after local midnight means the next date, not today',
      zone: 'America/New_York',
      now: '2026-03-08T05:05:00.000Z', // 2026-03-08 00:05 EST
      expected: '2026-03-09T13:00:00.000Z', // 2026-03-09 09:00 EDT
    },
    {
      name: 'New York before 09:00 still means tomorrow',
      zone: 'America/New_York',
      now: '2026-03-09T12:59:00.000Z', // 2026-03-09 08:59 EDT
      expected: '2026-03-10T13:00:00.000Z',
    },
    {
      name: 'New York evening before clocks fall back → 09:00 EST',
      zone: 'America/New_York',
      now: '2026-11-01T03:30:00.000Z', // 2026-10-31 23:30 EDT
      expected: '2026-11-01T14:00:00.000Z', // 2026-11-01 09:00 EST
    },
    {
      name: 'Berlin evening before clocks fall back on 2026-10-25 → 09:00 CET',
      zone: 'Europe/Berlin',
      now: '2026-10-24T20:00:00.000Z', // 2026-10-24 22:00 CEST
      expected: '2026-10-25T08:00:00.000Z', // 2026-10-25 09:00 CET
    },
    {
      name: 'Berlin just after midnight on 2026-10-25 (still CEST) → 2026-10-26 09:00 CET',
      zone: 'Europe/Berlin',
      now: '2026-10-24T22:30:00.000Z', // 2026-10-25 00:30 CEST
      expected: '2026-10-26T08:00:00.000Z',
    },
    {
      name: 'Kolkata (UTC+05:30) afternoon',
      zone: 'Asia/Kolkata',
      now: '2026-03-07T10:00:00.000Z', // 2026-03-07 15:30 IST
      expected: '2026-03-08T03:30:00.000Z', // 2026-03-08 09:00 IST
    },
    {
      name: 'Kolkata just after local midnight, while UTC is still on the previous date',
      zone: 'Asia/Kolkata',
      now: '2026-03-07T18:35:00.000Z', // 2026-03-08 00:05 IST
      expected: '2026-03-09T03:30:00.000Z', // 2026-03-09 09:00 IST
    },
    {
      name: 'UTC across a year end',
      zone: 'UTC',
      now: '2026-12-31T23:59:00.000Z',
      expected: '2027-01-01T09:00:00.000Z',
    },
  ];

  for (const { name, zone, now, expected } of tomorrowCases) {
    test(`tomorrow_9 is 09:00 on the next local date: ${name}`, () => {
      assert.equal(iso(snoozeUntil('tomorrow_9', at(now), zone)), expected);
    });
  }

  test('tomorrow_9 depends on the zone, not on the server clock', () => {
    const now = at('2026-03-07T18:35:00.000Z');
    assert.equal(iso(snoozeUntil('tomorrow_9', now, 'UTC')), '2026-03-08T09:00:00.000Z');
    assert.equal(iso(snoozeUntil('tomorrow_9', now, 'Asia/Kolkata')), '2026-03-09T03:30:00.000Z');
    assert.equal(iso(snoozeUntil('tomorrow_9', now, 'America/New_York')), '2026-03-08T13:00:00.000Z');
  });

  test('tomorrow_9 in an unknown zone is refused with a RangeError', () => {
    assert.throws(() => snoozeUntil('tomorrow_9', at('2026-03-08T12:00:00Z'), 'Mars/Olympus'), RangeError);
  });
});

describe('isSnoozeChoice', () => {
  test('accepts each of the four choices', () => {
    assert.deepEqual([...SNOOZE_CHOICES], ['1h', '4h', 'tomorrow_9', 'until_resolved']);
    for (const choice of SNOOZE_CHOICES) assert.equal(isSnoozeChoice(choice), true, choice);
  });

  test('rejects anything else', () => {
    for (const value of [
      '',
      '2h',
      '1H',
      ' 1h',
      '1h ',
      'tomorrow',
      'TOMORROW_9',
      'forever',
      'until resolved',
    ]) {
      assert.equal(isSnoozeChoice(value), false, JSON.stringify(value));
    }
    for (const value of [undefined, null, 1, ['1h'], { choice: '1h' }]) {
      assert.equal(isSnoozeChoice(value), false, String(value));
    }
  });
});
