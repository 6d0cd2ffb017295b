/**
 * The DST requirement: "daily 02:00 in a timezone across a DST change fires once per day at the
 * right instant". Driven two ways with a controllable clock:
 *  1. nextRunAfter, stepped fire by fire across 14 days around each change (as Agenda steps a job: each run
 *     starts a little after its nextRunAt and the next one is computed from that start);
 *  2. a real Agenda on the SQLite backend under node:test's mocked Date and timers, proving that the
 *     nextRunAt Agenda stores after each run is exactly nextRunAfter(spec, tz, lastRunAt).
 *
 * Found (cron-parser 5.10, which Agenda 6.2 uses): on a spring-forward day 02:00 does not exist and the job
 * fires once, at 03:00 local (the instant the clocks jump to); on a fall-back day where 02:00 happens twice
 * (Europe/Berlin), it fires once, at the first 02:00 (summer time).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Agenda } from 'agenda';
import { type ActiveScheduleSpec, nextRunAfter, toAgendaRepeat } from '../../src/scheduler/schedule-spec.ts';
import { SqliteAgendaBackend } from '../../src/store/embedded/jobs/sqlite-backend.ts';
import { openSqlite } from '../../src/store/sqlite.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const daily = (hour: number, minute = 0): ActiveScheduleSpec => ({ kind: 'daily', hour, minute });

/** Local calendar date and wall-clock time of an instant, e.g. ['2026-03-08', '03:00']. */
function local(instant: Date, timezone: string): [string, string] {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: timezone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  }).formatToParts(instant);
  const get = (type: string) => parts.find((part) => part.type === type)?.value ?? '';
  return [`${get('year')}-${get('month')}-${get('day')}`, `${get('hour')}:${get('minute')}`];
}

/** Fires of `spec` from `start`, each next one computed from a run that began `lagMs` after the previous. */
function fires(
  spec: ActiveScheduleSpec,
  timezone: string,
  start: Date,
  count: number,
  lagMs: number,
): Date[] {
  const out: Date[] = [];
  let from = start;
  for (let i = 0; i < count; i++) {
    const next = nextRunAfter(spec, timezone, from);
    out.push(next);
    from = new Date(next.getTime() + lagMs);
  }
  return out;
}

/** 14 daily fires at 02:00 local, starting 7 days before `change`, with the offsets before and after it. */
function expectedDaily(
  change: string,
  offsetBefore: number,
  offsetAfter: number,
  changeDayFire: string,
): Date[] {
  const changeDay = Date.parse(`${change}T00:00:00Z`);
  return Array.from({ length: 14 }, (_, i) => {
    const day = changeDay + (i - 7) * DAY;
    if (i === 7) return new Date(changeDayFire);
    return new Date(day + (2 - (i < 7 ? offsetBefore : offsetAfter)) * HOUR);
  });
}

describe('daily 02:00 across DST changes (nextRunAfter, stepped like Agenda)', () => {
  const cases = [
    // timezone, change date, UTC offset before/after, the one fire on the change day, what happens locally
    ['America/New_York', '2026-03-08', -5, -4, '2026-03-08T07:00:00Z', '03:00'],
    ['America/New_York', '2026-11-01', -4, -5, '2026-11-01T07:00:00Z', '02:00'],
    ['Europe/Berlin', '2026-03-29', 1, 2, '2026-03-29T01:00:00Z', '03:00'],
    ['Europe/Berlin', '2026-10-25', 2, 1, '2026-10-25T00:00:00Z', '02:00'],
  ] as const;

  for (const [tz, change, before, after, changeDayFire, changeDayLocal] of cases) {
    for (const lagMs of [0, 37, 90_000]) {
      it(`${tz} around ${change}: one fire per local day at the exact instant (runs start ${lagMs} ms late)`, () => {
        const start = new Date(Date.parse(`${change}T12:00:00Z`) - 8 * DAY);
        const actual = fires(daily(2), tz, start, 14, lagMs);
        assert.deepEqual(
          actual.map((d) => d.toISOString()),
          expectedDaily(change, before, after, changeDayFire).map((d) => d.toISOString()),
        );
        const days = actual.map((d) => local(d, tz)[0]);
        assert.equal(new Set(days).size, 14, 'fourteen different local days');
        assert.deepEqual(
          actual.map((d) => local(d, tz)[1]),
          Array.from({ length: 14 }, (_, i) => (i === 7 ? changeDayLocal : '02:00')),
        );
      });
    }
  }

  it('daily 01:30 in New York fires once on 2026-11-01, when 01:30 happens twice (first one, EDT)', () => {
    const actual = fires(daily(1, 30), 'America/New_York', new Date('2026-10-31T12:00:00Z'), 2, 37);
    assert.deepEqual(
      actual.map((d) => d.toISOString()),
      ['2026-11-01T05:30:00.000Z', '2026-11-02T06:30:00.000Z'],
    );
  });

  it('hourly follows real hours: 23 fires on the spring-forward day and 25 on the fall-back day', () => {
    const count = (dayStartUtc: string, dayEndUtc: string) =>
      fires({ kind: 'hourly' }, 'Europe/Berlin', new Date(Date.parse(dayStartUtc) - 1), 30, 37).filter(
        (d) => d.getTime() < Date.parse(dayEndUtc),
      ).length;
    assert.equal(count('2026-03-28T23:00:00Z', '2026-03-29T22:00:00Z'), 23);
    assert.equal(count('2026-10-24T22:00:00Z', '2026-10-25T23:00:00Z'), 25);
  });

  it('known gap: a daily 02:30 job first computed between 03:00 and 03:30 on the spring-forward day skips it', () => {
    // Only a job (re)registered in that half hour is affected, since every() computes from "now"; a job
    // stepping from its previous run fires at 03:30 as the cases above show. cron-parser decides this.
    const tz = 'Europe/Berlin';
    const steady = nextRunAfter(daily(2, 30), tz, new Date('2026-03-28T01:30:00.037Z'));
    assert.equal(steady.toISOString(), '2026-03-29T01:30:00.000Z');
    const registeredAt0310 = nextRunAfter(daily(2, 30), tz, new Date('2026-03-29T01:10:00Z'));
    assert.equal(registeredAt0310.toISOString(), '2026-03-30T00:30:00.000Z');
  });
});

describe('Agenda on a mocked clock stores the nextRunAt that nextRunAfter computes', () => {
  for (const [tz, startIso, days] of [
    ['Europe/Berlin', '2026-03-26T12:00:00Z', 6],
    ['Europe/Berlin', '2026-10-22T12:00:00Z', 6],
    ['America/New_York', '2026-03-05T12:00:00Z', 6],
    ['America/New_York', '2026-10-29T12:00:00Z', 6],
  ] as const) {
    it(`daily 02:00 in ${tz} from ${startIso.slice(0, 10)}: one run per day, nextRunAt recomputed in the timezone`, async (t) => {
      t.mock.timers.enable({ apis: ['Date', 'setTimeout', 'setInterval'], now: Date.parse(startIso) });
      const db = openSqlite(':memory:');
      // Polling every hour with a 2 h lock: a job is locked up to an hour before its time and must still be
      // alive (not expired) when its timer fires.
      const agenda = new Agenda({
        backend: new SqliteAgendaBackend({ db }),
        processEvery: HOUR,
        defaultLockLifetime: 2 * HOUR,
      });
      const runs: Date[] = [];
      agenda.define('sync', async () => {
        runs.push(new Date());
      });
      const spec = daily(2);
      const repeat = toAgendaRepeat(spec, tz);
      const storedNext = () => {
        const row = db.prepare('SELECT next_run_at FROM agenda_jobs').get() as { next_run_at: number };
        return row.next_run_at;
      };
      try {
        await agenda.start();
        await agenda.every(repeat.interval, 'sync', undefined, repeat.options);
        assert.equal(storedNext(), nextRunAfter(spec, tz, new Date()).getTime(), 'first nextRunAt, from now');

        const expected: number[] = [];
        const end = Date.parse(startIso) + days * DAY;
        while (Date.now() < end) {
          const target = storedNext();
          // Step at most 10 minutes, landing exactly on the job's time: mocked timers fire at the tick's end.
          t.mock.timers.tick(Math.max(1, Math.min(10 * 60_000, target - Date.now())));
          await flush();
          if (runs.length > expected.length) {
            expected.push(target);
            const lastRun = runs[runs.length - 1]!;
            assert.equal(lastRun.getTime(), target, 'ran at its nextRunAt');
            await flush();
            assert.equal(storedNext(), nextRunAfter(spec, tz, lastRun).getTime(), 'stored = nextRunAfter');
          }
        }
        assert.equal(runs.length, days);
        assert.deepEqual(
          runs.map((d) => d.toISOString()),
          fires(spec, tz, new Date(startIso), days, 0).map((d) => d.toISOString()),
        );
        assert.equal(new Set(runs.map((d) => local(d, tz)[0])).size, days, 'one run per local day');
      } finally {
        await agenda.stop();
        db.close();
      }
    });
  }
});

/** Lets Agenda's promise chains and setImmediate hops (not mocked) run to completion. */
async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
}
