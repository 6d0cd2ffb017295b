import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { latestDueDigest, localTimeOn, nextDigestAt, parseDigestTime } from '../../src/digest/due.ts';

const at = (iso: string) => new Date(iso);
const msBefore = (iso: string, ms = 1) => new Date(Date.parse(iso) - ms);
const LONG_AGO = at('2026-01-01T00:00:00Z');
const NY = 'America/New_York';
const BERLIN = 'Europe/Berlin';

describe('the digest time is a 24-hour HH:MM', () => {
  test('valid times parse to hour and minute', () => {
    assert.deepEqual(parseDigestTime('00:00'), { hour: 0, minute: 0 });
    assert.deepEqual(parseDigestTime('08:05'), { hour: 8, minute: 5 });
    assert.deepEqual(parseDigestTime('23:59'), { hour: 23, minute: 59 });
  });

  for (const text of ['8:00', '24:00', '12:60', '', ' 08:00', '08:00:00', '0800', '08:0a', '٠٨:٠٠']) {
    test(`"${text}" is refused with a RangeError that says HH:MM`, () => {
      assert.throws(
        () => parseDigestTime(text),
        (error: unknown) => {
          return error instanceof RangeError && /HH:MM/.test(error.message);
        },
      );
      assert.throws(() => localTimeOn('2026-03-09', text, NY), RangeError);
      assert.throws(() => latestDueDigest(at('2026-03-09T12:00:00Z'), text, NY, LONG_AGO), RangeError);
      assert.throws(() => nextDigestAt(at('2026-03-09T12:00:00Z'), text, NY), RangeError);
    });
  }
});

describe('local HH:MM on a date, across daylight-saving changes and odd offsets', () => {
  const cases: [zone: string, date: string, time: string, expected: string, why: string][] = [
    [NY, '2026-03-07', '08:00', '2026-03-07T13:00:00.000Z', 'EST the day before spring forward'],
    [NY, '2026-03-08', '08:00', '2026-03-08T12:00:00.000Z', 'EDT on the spring-forward day'],
    [NY, '2026-03-08', '01:30', '2026-03-08T06:30:00.000Z', 'still EST just before the gap'],
    [NY, '2026-03-08', '02:30', '2026-03-08T07:00:00.000Z', 'in the gap: 03:00 EDT, not 03:30'],
    [NY, '2026-11-01', '01:30', '2026-11-01T05:30:00.000Z', 'twice on fall back: the first (EDT)'],
    [NY, '2026-11-01', '02:30', '2026-11-01T07:30:00.000Z', 'once on fall back, in EST'],
    [NY, '2026-11-01', '08:00', '2026-11-01T13:00:00.000Z', 'EST after fall back'],
    [BERLIN, '2026-03-28', '08:00', '2026-03-28T07:00:00.000Z', 'CET'],
    [BERLIN, '2026-03-29', '02:30', '2026-03-29T01:00:00.000Z', 'in the gap: 03:00 CEST'],
    [BERLIN, '2026-03-29', '08:00', '2026-03-29T06:00:00.000Z', 'CEST'],
    [BERLIN, '2026-10-25', '02:30', '2026-10-25T00:30:00.000Z', 'twice on fall back: the first (CEST)'],
    [BERLIN, '2026-10-25', '08:00', '2026-10-25T07:00:00.000Z', 'CET after fall back'],
    ['Asia/Kolkata', '2026-03-09', '08:00', '2026-03-09T02:30:00.000Z', '+05:30'],
    ['Asia/Kolkata', '2026-03-09', '00:00', '2026-03-08T18:30:00.000Z', 'the previous UTC date'],
    ['Pacific/Chatham', '2026-03-08', '08:00', '2026-03-07T18:15:00.000Z', '+13:45 in summer'],
    ['Pacific/Chatham', '2026-07-01', '08:00', '2026-06-30T19:15:00.000Z', '+12:45 in winter'],
    ['Pacific/Chatham', '2026-09-27', '03:00', '2026-09-26T14:00:00.000Z', 'in the 02:45 gap: 03:45'],
    ['Pacific/Chatham', '2026-04-05', '03:00', '2026-04-04T13:15:00.000Z', 'twice: the first (+13:45)'],
    ['Australia/Lord_Howe', '2026-10-04', '02:15', '2026-10-03T15:30:00.000Z', 'a 30-minute gap: 02:30'],
    ['UTC', '2026-03-08', '08:00', '2026-03-08T08:00:00.000Z', 'UTC'],
  ];
  for (const [zone, date, time, expected, why] of cases) {
    test(`${time} on ${date} in ${zone} (${why})`, () => {
      assert.equal(localTimeOn(date, time, zone).toISOString(), expected);
    });
  }

  test('a date that is not on the calendar, or not YYYY-MM-DD, is refused', () => {
    for (const date of ['2026-02-30', '2026-13-01', '2026-3-8', '']) {
      assert.throws(() => localTimeOn(date, '08:00', NY), RangeError, date);
    }
  });
});

describe('the latest due digest', () => {
  // Due at `now` exactly: [zone, time, now (= dueAt), sendDate, day covered, its hours].
  type DueCase = [zone: string, time: string, now: string, sendDate: string, covers: string, hours: number];
  const cases: DueCase[] = [
    [NY, '08:00', '2026-03-09T12:00:00.000Z', '2026-03-09', '2026-03-08', 23],
    [NY, '08:00', '2026-11-02T13:00:00.000Z', '2026-11-02', '2026-11-01', 25],
    [NY, '08:00', '2026-03-08T12:00:00.000Z', '2026-03-08', '2026-03-07', 24],
    [BERLIN, '08:00', '2026-03-30T06:00:00.000Z', '2026-03-30', '2026-03-29', 23],
    [BERLIN, '08:00', '2026-10-26T07:00:00.000Z', '2026-10-26', '2026-10-25', 25],
    [NY, '02:30', '2026-03-08T07:00:00.000Z', '2026-03-08', '2026-03-07', 24],
    [NY, '01:30', '2026-11-01T05:30:00.000Z', '2026-11-01', '2026-10-31', 24],
    [BERLIN, '02:30', '2026-03-29T01:00:00.000Z', '2026-03-29', '2026-03-28', 24],
    [BERLIN, '02:30', '2026-10-25T00:30:00.000Z', '2026-10-25', '2026-10-24', 24],
    ['Asia/Kolkata', '08:00', '2026-03-09T02:30:00.000Z', '2026-03-09', '2026-03-08', 24],
    ['Pacific/Chatham', '08:00', '2026-03-08T18:15:00.000Z', '2026-03-09', '2026-03-08', 24],
    ['UTC', '08:00', '2026-03-09T08:00:00.000Z', '2026-03-09', '2026-03-08', 24],
  ];
  for (const [zone, time, now, sendDate, covers, hours] of cases) {
    test(`${time} in ${zone} is due at ${now} exactly, covering ${covers} (${hours} h)`, () => {
      const due = latestDueDigest(at(now), time, zone, LONG_AGO);
      assert.ok(due);
      assert.equal(due.sendDate, sendDate);
      assert.equal(due.dueAt.toISOString(), now);
      assert.equal(due.late, false);
      assert.equal(due.day.date, covers);
      assert.equal(due.day.timezone, zone);
      assert.equal(due.day.hours, hours);
      assert.equal(due.day.end.toISOString(), localTimeOn(sendDate, '00:00', zone).toISOString());
    });
  }

  test('the repeated 01:30 on fall back is the same digest, not a second one', () => {
    const due = latestDueDigest(at('2026-11-01T06:30:00Z'), '01:30', NY, LONG_AGO); // 01:30 EST
    assert.equal(due?.sendDate, '2026-11-01');
    assert.equal(due?.dueAt.toISOString(), '2026-11-01T05:30:00.000Z'); // 01:30 EDT
    assert.equal(due?.late, true);
  });

  type JustBefore = [zone: string, time: string, dueAt: string, previousDate: string, previousDueAt: string];
  const justBefore: JustBefore[] = [
    [NY, '08:00', '2026-03-09T12:00:00Z', '2026-03-08', '2026-03-08T12:00:00.000Z'],
    [NY, '08:00', '2026-03-08T12:00:00Z', '2026-03-07', '2026-03-07T13:00:00.000Z'],
    [NY, '02:30', '2026-03-08T07:00:00Z', '2026-03-07', '2026-03-07T07:30:00.000Z'],
    [NY, '01:30', '2026-11-01T05:30:00Z', '2026-10-31', '2026-10-31T05:30:00.000Z'],
    [BERLIN, '02:30', '2026-10-25T00:30:00Z', '2026-10-24', '2026-10-24T00:30:00.000Z'],
    ['Pacific/Chatham', '08:00', '2026-03-08T18:15:00Z', '2026-03-08', '2026-03-07T18:15:00.000Z'],
  ];
  for (const [zone, time, dueAt, previousDate, previousDueAt] of justBefore) {
    test(`1 ms before ${dueAt} (${time} ${zone}) the previous date's digest is the latest, sent late`, () => {
      const due = latestDueDigest(msBefore(dueAt), time, zone, LONG_AGO);
      assert.ok(due);
      assert.equal(due.sendDate, previousDate);
      assert.equal(due.dueAt.toISOString(), previousDueAt);
      assert.equal(due.late, true);
      assert.equal(latestDueDigest(msBefore(dueAt), time, zone, at(dueAt)), null);
    });
  }

  test('configured after today’s time: nothing is due until tomorrow’s time', () => {
    const configured = at('2026-03-09T14:00:00Z'); // 10:00 EDT, digest at 08:00
    assert.equal(latestDueDigest(configured, '08:00', NY, configured), null);
    assert.equal(latestDueDigest(msBefore('2026-03-10T12:00:00Z'), '08:00', NY, configured), null);
    const due = latestDueDigest(at('2026-03-10T12:00:00Z'), '08:00', NY, configured);
    assert.equal(due?.sendDate, '2026-03-10');
    assert.equal(due?.late, false);
  });

  test('configured exactly at the due instant still sends that digest', () => {
    const dueAt = at('2026-03-09T12:00:00Z');
    assert.equal(latestDueDigest(dueAt, '08:00', NY, dueAt)?.sendDate, '2026-03-09');
    assert.equal(latestDueDigest(dueAt, '08:00', NY, new Date(dueAt.getTime() + 1)), null);
  });

  test('late only once now is past the due instant plus the grace (15 minutes unless given)', () => {
    const cases: [now: string, graceMs: number | undefined, late: boolean][] = [
      ['2026-03-09T12:00:00.000Z', undefined, false],
      ['2026-03-09T12:15:00.000Z', undefined, false],
      ['2026-03-09T12:15:00.001Z', undefined, true],
      ['2026-03-09T12:00:00.000Z', 0, false],
      ['2026-03-09T12:00:00.001Z', 0, true],
      ['2026-03-09T12:59:59.999Z', 3_600_000, false],
      ['2026-03-09T13:00:00.001Z', 3_600_000, true],
    ];
    for (const [now, graceMs, late] of cases) {
      const due = latestDueDigest(at(now), '08:00', NY, LONG_AGO, graceMs);
      assert.equal(due?.late, late, `${now} with grace ${graceMs}`);
    }
  });

  test('a digest missed for days is sent once, for the latest date only', () => {
    const afterTime = latestDueDigest(at('2026-03-12T15:00:00Z'), '08:00', NY, at('2026-03-01T00:00:00Z'));
    assert.equal(afterTime?.sendDate, '2026-03-12');
    assert.equal(afterTime?.day.date, '2026-03-11');
    assert.equal(afterTime?.late, true);
    const beforeTime = latestDueDigest(at('2026-03-12T11:00:00Z'), '08:00', NY, at('2026-03-01T00:00:00Z'));
    assert.equal(beforeTime?.sendDate, '2026-03-11');
  });

  test('an unknown zone, an invalid clock or a negative grace is refused', () => {
    const now = at('2026-03-09T12:00:00Z');
    assert.throws(() => latestDueDigest(now, '08:00', 'Mars/Olympus', LONG_AGO), /unknown timezone.*IANA/);
    assert.throws(() => localTimeOn('2026-03-09', '08:00', 'Mars/Olympus'), /unknown timezone.*IANA/);
    assert.throws(() => nextDigestAt(now, '08:00', 'Mars/Olympus'), /unknown timezone.*IANA/);
    assert.throws(() => latestDueDigest(at('nonsense'), '08:00', NY, LONG_AGO), RangeError);
    assert.throws(() => latestDueDigest(now, '08:00', NY, at('nonsense')), RangeError);
    assert.throws(() => latestDueDigest(now, '08:00', NY, LONG_AGO, -1), RangeError);
  });
});

describe('the next digest, strictly after now', () => {
  const cases: [zone: string, time: string, now: string, next: string, why: string][] = [
    [NY, '08:00', '2026-03-07T12:59:59.999Z', '2026-03-07T13:00:00.000Z', 'later today'],
    [NY, '08:00', '2026-03-07T13:00:00.000Z', '2026-03-08T12:00:00.000Z', 'at due: tomorrow, 23 h on'],
    [NY, '02:30', '2026-03-07T07:30:00.000Z', '2026-03-08T07:00:00.000Z', 'into the gap: 03:00 EDT'],
    [NY, '01:30', '2026-11-01T05:30:00.000Z', '2026-11-02T06:30:00.000Z', 'not the repeated 01:30 EST'],
    [NY, '01:30', '2026-11-01T06:00:00.000Z', '2026-11-02T06:30:00.000Z', 'between the two 01:30s'],
    [BERLIN, '02:30', '2026-10-24T00:30:00.000Z', '2026-10-25T00:30:00.000Z', 'the first 02:30 (CEST)'],
    [BERLIN, '02:30', '2026-03-28T01:30:00.000Z', '2026-03-29T01:00:00.000Z', 'into the gap: 03:00 CEST'],
    ['Pacific/Chatham', '08:00', '2026-03-07T18:15:00.000Z', '2026-03-08T18:15:00.000Z', '+13:45'],
    ['Asia/Kolkata', '08:00', '2026-03-09T03:00:00.000Z', '2026-03-10T02:30:00.000Z', '+05:30'],
    ['UTC', '08:00', '2026-03-09T07:00:00.000Z', '2026-03-09T08:00:00.000Z', 'UTC'],
  ];
  for (const [zone, time, now, next, why] of cases) {
    test(`${time} in ${zone} after ${now} (${why})`, () => {
      assert.equal(nextDigestAt(at(now), time, zone).toISOString(), next);
    });
  }
});
