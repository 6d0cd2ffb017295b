import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { dayBefore, dayLabel, lastCompleteDay } from '../../src/digest/day.ts';

const at = (iso: string) => new Date(iso);
const range = (day: { start: Date; end: Date }) => [day.start.toISOString(), day.end.toISOString()];

describe('the digest day: midnight to midnight in the team timezone', () => {
  test('New York spring forward (2026-03-08) is a 23-hour day', () => {
    const day = lastCompleteDay(at('2026-03-09T13:00:00Z'), 'America/New_York');
    assert.equal(day.date, '2026-03-08');
    assert.deepEqual(range(day), ['2026-03-08T05:00:00.000Z', '2026-03-09T04:00:00.000Z']);
    assert.equal(day.hours, 23);
    const before = dayBefore(day);
    assert.equal(before.date, '2026-03-07');
    assert.deepEqual(range(before), ['2026-03-07T05:00:00.000Z', '2026-03-08T05:00:00.000Z']);
    assert.equal(before.hours, 24);
  });

  test('New York fall back (2026-11-01) is a 25-hour day', () => {
    const day = lastCompleteDay(at('2026-11-02T13:00:00Z'), 'America/New_York');
    assert.equal(day.date, '2026-11-01');
    assert.deepEqual(range(day), ['2026-11-01T04:00:00.000Z', '2026-11-02T05:00:00.000Z']);
    assert.equal(day.hours, 25);
  });

  test('Berlin spring forward (2026-03-29) is 23 hours and fall back (2026-10-25) is 25', () => {
    const spring = lastCompleteDay(at('2026-03-30T06:00:00Z'), 'Europe/Berlin');
    assert.equal(spring.date, '2026-03-29');
    assert.deepEqual(range(spring), ['2026-03-28T23:00:00.000Z', '2026-03-29T22:00:00.000Z']);
    assert.equal(spring.hours, 23);
    const autumn = lastCompleteDay(at('2026-10-26T06:00:00Z'), 'Europe/Berlin');
    assert.equal(autumn.date, '2026-10-25');
    assert.deepEqual(range(autumn), ['2026-10-24T22:00:00.000Z', '2026-10-25T23:00:00.000Z']);
    assert.equal(autumn.hours, 25);
  });

  test('at local midnight exactly, the day that just ended is complete; a millisecond earlier it is not', () => {
    const midnight = at('2026-03-09T04:00:00.000Z'); // 00:00 EDT on March 9
    assert.equal(lastCompleteDay(midnight, 'America/New_York').date, '2026-03-08');
    const justBefore = new Date(midnight.getTime() - 1);
    assert.equal(lastCompleteDay(justBefore, 'America/New_York').date, '2026-03-07');
  });

  test('the local date decides, not the UTC date', () => {
    // 02:00 UTC on March 10 is still March 9 in New York: the last complete day there is March 8.
    assert.equal(lastCompleteDay(at('2026-03-10T02:00:00Z'), 'America/New_York').date, '2026-03-08');
    // 23:30 UTC on March 9 is already March 10 in Tokyo.
    assert.equal(lastCompleteDay(at('2026-03-09T23:30:00Z'), 'Asia/Tokyo').date, '2026-03-09');
    assert.deepEqual(range(lastCompleteDay(at('2026-03-09T12:00:00Z'), 'UTC')), [
      '2026-03-08T00:00:00.000Z',
      '2026-03-09T00:00:00.000Z',
    ]);
  });

  test('a zone that skips midnight starts the day at its first instant; a skipped date is stepped over', () => {
    // Santiago jumped from 00:00 to 01:00 on 2024-09-08: that day has 23 hours from 01:00 local.
    const santiago = lastCompleteDay(at('2024-09-09T12:00:00Z'), 'America/Santiago');
    assert.deepEqual(range(santiago), ['2024-09-08T04:00:00.000Z', '2024-09-09T03:00:00.000Z']);
    assert.equal(santiago.hours, 23);
    // Samoa skipped 2011-12-30 entirely: the day before the 31st is the 29th.
    const newYearsEve = lastCompleteDay(at('2011-12-31T12:00:00Z'), 'Pacific/Apia');
    assert.equal(newYearsEve.date, '2011-12-31');
    const samoa = dayBefore(newYearsEve);
    assert.equal(samoa.date, '2011-12-29');
    assert.equal(samoa.hours, 24);
    // Lord Howe Island moves its clocks by 30 minutes.
    assert.equal(lastCompleteDay(at('2026-04-06T12:00:00Z'), 'Australia/Lord_Howe').hours, 24.5);
  });

  test('an unknown zone is refused with a message that says what to use', () => {
    assert.throws(
      () => lastCompleteDay(at('2026-03-09T12:00:00Z'), 'Mars/Olympus'),
      /unknown timezone.*IANA/,
    );
  });

  test('the day reads as a calendar date in words', () => {
    const day = lastCompleteDay(at('2026-03-09T13:00:00Z'), 'America/New_York');
    assert.equal(dayLabel(day), 'Sunday, March 8, 2026');
    assert.equal(dayLabel(day, 'short'), 'Sun, Mar 8');
  });
});
