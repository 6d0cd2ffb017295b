/** The schedule grammar: what people type after `schedule <connection>`, and what Agenda gets from it. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  describeSchedule,
  formatSchedule,
  nextRunAfter,
  parseSchedule,
  SCHEDULE_USAGE,
  type ScheduleSpec,
  toAgendaRepeat,
} from '../../src/scheduler/schedule-spec.ts';

function specOf(text: string): ScheduleSpec {
  const result = parseSchedule(text);
  assert.ok(result.ok, `"${text}" should parse: ${result.ok ? '' : result.message}`);
  return result.spec;
}

function errorOf(text: string): string {
  const result = parseSchedule(text);
  assert.ok(!result.ok, `"${text}" should be refused`);
  assert.equal(result.usage, SCHEDULE_USAGE, 'every refusal shows the usage');
  return result.message;
}

describe('parseSchedule accepts the grammar', () => {
  const cases: [string, ScheduleSpec][] = [
    ['hourly', { kind: 'hourly' }],
    ['HOURLY', { kind: 'hourly' }],
    ['off', { kind: 'off' }],
    ['daily 02:00', { kind: 'daily', hour: 2, minute: 0 }],
    ['  daily   2:05 ', { kind: 'daily', hour: 2, minute: 5 }],
    ['daily at 23:59', { kind: 'daily', hour: 23, minute: 59 }],
    ['daily 00:00', { kind: 'daily', hour: 0, minute: 0 }],
    ['every 5 minutes', { kind: 'every', amount: 5, unit: 'minutes' }],
    ['every 15 min', { kind: 'every', amount: 15, unit: 'minutes' }],
    ['every 2 hours', { kind: 'every', amount: 2, unit: 'hours' }],
    ['every 1 hour', { kind: 'every', amount: 1, unit: 'hours' }],
    ['every hour', { kind: 'every', amount: 1, unit: 'hours' }],
    ['every 168 hours', { kind: 'every', amount: 168, unit: 'hours' }],
    ['cron "0 6 * * 1-5"', { kind: 'cron', expression: '0 6 * * 1-5' }],
    ['cron “0 6 * * MON-FRI”', { kind: 'cron', expression: '0 6 * * MON-FRI' }],
    ["cron '*/5  * * * *'", { kind: 'cron', expression: '*/5 * * * *' }],
    ['cron 30 2 * * *', { kind: 'cron', expression: '30 2 * * *' }],
  ];
  for (const [text, spec] of cases) {
    it(`reads ${JSON.stringify(text)}`, () => assert.deepEqual(specOf(text), spec));
  }

  it('formats every spec back to text that parses to the same spec', () => {
    for (const [, spec] of cases) assert.deepEqual(specOf(formatSchedule(spec)), spec);
  });
});

describe('parseSchedule refuses with a message that says what to do', () => {
  it('explains the shortest and longest intervals', () => {
    assert.match(errorOf('every 3 minutes'), /the shortest interval is 5 minutes/i);
    assert.match(errorOf('every 0 hours'), /the shortest interval is 5 minutes/i);
    assert.match(errorOf('every minute'), /the shortest interval is 5 minutes/i);
    assert.match(errorOf('every 169 hours'), /longest interval is 168 hours/);
  });

  it('rejects impossible times of day', () => {
    assert.match(errorOf('daily 25:00'), /"25:00" is not a valid time: use HH:MM on a 24-hour clock/);
    assert.match(errorOf('daily 12:60'), /"12:60" is not a valid time/);
    assert.match(errorOf('daily 2pm'), /"2pm" is not a valid time/);
    assert.match(errorOf('daily'), /needs a time/);
  });

  it("passes on cron-parser's reason for a bad expression", () => {
    assert.match(
      errorOf('cron "61 * * * *"'),
      /not a valid cron expression: Constraint error, got value 61 expected/,
    );
    assert.match(errorOf('cron "0 25 * * *"'), /expected range 0-23/);
    assert.match(errorOf('cron "0 6 31 2 *"'), /Invalid explicit day of month/);
  });

  it('wants five cron fields, explicit values and at least 5 minutes between runs', () => {
    assert.match(errorOf('cron "0 6 * *"'), /has 4 fields; a cron expression has 5/);
    assert.match(errorOf('cron "0 0 6 * * *"'), /has 6 fields/);
    assert.match(errorOf('cron ""'), /needs an expression/);
    assert.match(errorOf('cron "H 6 * * *"'), /H \(hashed\)/);
    assert.match(errorOf('cron "* * * * *"'), /runs 1 minute apart; the shortest interval is 5 minutes/);
    assert.match(errorOf('cron "0,2 6 * * *"'), /runs 2 minutes apart/);
  });

  it('rejects other words and malformed intervals', () => {
    assert.match(errorOf(''), /Say when to sync/);
    assert.match(errorOf('weekly'), /"weekly" is not a schedule/);
    assert.match(errorOf('every 2.5 hours'), /"2.5" is not a whole number/);
    assert.match(errorOf('every fortnight'), /every N minutes/);
  });
});

describe('describeSchedule and toAgendaRepeat', () => {
  it('describes schedules in words with the team timezone where it matters', () => {
    const tz = 'Europe/Berlin';
    assert.equal(describeSchedule(specOf('daily 02:00'), tz), 'daily at 02:00 Europe/Berlin');
    assert.equal(describeSchedule(specOf('hourly'), tz), 'hourly, on the hour');
    assert.equal(describeSchedule(specOf('every 15 minutes'), tz), 'every 15 minutes');
    assert.equal(describeSchedule(specOf('every 1 hours'), tz), 'every hour');
    assert.equal(
      describeSchedule(specOf('cron "0 6 * * 1-5"'), tz),
      'on cron "0 6 * * 1-5" in Europe/Berlin',
    );
    assert.equal(describeSchedule(specOf('off'), tz), 'off (sync on demand only)');
  });

  it('gives Agenda cron in the team timezone for hourly and daily, milliseconds for every N', () => {
    const options = { timezone: 'America/New_York', skipImmediate: true };
    assert.deepEqual(toAgendaRepeat({ kind: 'hourly' }, 'America/New_York'), {
      interval: '0 * * * *',
      options,
    });
    assert.deepEqual(toAgendaRepeat({ kind: 'daily', hour: 2, minute: 30 }, 'America/New_York'), {
      interval: '30 2 * * *',
      options,
    });
    assert.deepEqual(toAgendaRepeat({ kind: 'cron', expression: '0 6 * * 1-5' }, 'America/New_York'), {
      interval: '0 6 * * 1-5',
      options,
    });
    assert.deepEqual(toAgendaRepeat({ kind: 'every', amount: 15, unit: 'minutes' }, 'America/New_York'), {
      interval: 900_000,
      options: { skipImmediate: true },
    });
  });

  it('refuses an unknown timezone with a clear message', () => {
    assert.throws(
      () => toAgendaRepeat({ kind: 'hourly' }, 'Mars/Olympus'),
      /unknown timezone "Mars\/Olympus"/,
    );
  });

  it('computes the next run from the last one', () => {
    const from = new Date('2026-01-15T10:07:00Z');
    assert.deepEqual(
      nextRunAfter({ kind: 'every', amount: 2, unit: 'hours' }, 'UTC', from),
      new Date('2026-01-15T12:07:00Z'),
    );
    assert.deepEqual(
      nextRunAfter({ kind: 'hourly' }, 'Asia/Kolkata', from),
      new Date('2026-01-15T10:30:00Z'),
    );
    assert.deepEqual(
      nextRunAfter({ kind: 'daily', hour: 2, minute: 0 }, 'UTC', new Date('2026-01-15T02:00:00Z')),
      new Date('2026-01-16T02:00:00Z'),
      'a run exactly at the scheduled instant counts as done',
    );
  });
});
