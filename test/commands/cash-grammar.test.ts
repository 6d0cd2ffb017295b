import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseCommand } from '../../src/commands/command-grammar.ts';
import { cashDays } from '../../src/services/cash.ts';

const range = (text: string) => {
  const result = parseCommand(text);
  assert.ok(result.ok, `${text}: ${result.ok ? '' : result.error.message}`);
  assert.equal(result.command.name, 'cash');
  return (result.command as { range: unknown }).range;
};
const refusal = (text: string) => {
  const result = parseCommand(text);
  assert.ok(!result.ok, `${text} should not parse`);
  assert.equal(result.error.usage.name, 'cash');
  return result.error.message;
};

describe('/finsync cash grammar', () => {
  test('the named periods, a date and a range of dates parse; today is the default', () => {
    assert.deepEqual(range('cash'), { kind: 'today' });
    for (const kind of ['today', 'yesterday', 'week', 'month'])
      assert.deepEqual(range(`CASH ${kind}`), { kind });
    assert.deepEqual(range('cash 2024-02-29'), { kind: 'dates', from: '2024-02-29', to: '2024-02-29' });
    assert.deepEqual(range('cash 2026-01-01..2026-12-31'), {
      kind: 'dates',
      from: '2026-01-01',
      to: '2026-12-31',
    });
  });

  test('impossible dates, reversed and overlong ranges, extra words get the usage of cash', () => {
    assert.match(refusal('cash 2026-02-29'), /real calendar dates written YYYY-MM-DD/);
    assert.match(refusal('cash 2026-3-1'), /real calendar dates/);
    assert.match(refusal('cash 2026-03-02..2026-03-01'), /ends before it starts/);
    assert.match(refusal('cash 2024-01-01..2025-01-01'), /longer than 366 days/);
    assert.match(refusal('cash 2026-01-01..2026-01-02..2026-01-03'), /is not a period/);
    assert.match(refusal('cash today please'), /at most one period/);
    assert.match(refusal('cash fortnight'), /is not a period/);
  });

  test("periods are the team's local days: week is 7 days ending today, month starts on the 1st", () => {
    const now = new Date('2026-03-08T03:30:00Z'); // 22:30 on March 7 in New York
    const zone = 'America/New_York';
    const dates = (r: Parameters<typeof cashDays>[0]) => cashDays(r, now, zone).days.map((d) => d.date);
    assert.deepEqual(dates({ kind: 'today' }), ['2026-03-07']);
    assert.deepEqual(dates({ kind: 'yesterday' }), ['2026-03-06']);
    assert.deepEqual(dates({ kind: 'week' }), [
      '2026-03-01',
      '2026-03-02',
      '2026-03-03',
      '2026-03-04',
      '2026-03-05',
      '2026-03-06',
      '2026-03-07',
    ]);
    assert.equal(dates({ kind: 'month' }).length, 7);
    const dst = cashDays({ kind: 'dates', from: '2026-03-08', to: '2026-03-09' }, now, zone).days;
    assert.deepEqual(
      dst.map((d) => [d.date, d.hours]),
      [
        ['2026-03-08', 23],
        ['2026-03-09', 24],
      ],
    );
    // Samoa skipped 2011-12-30 entirely: the range holds the two days that exist.
    const samoa = cashDays({ kind: 'dates', from: '2011-12-29', to: '2011-12-31' }, now, 'Pacific/Apia').days;
    assert.deepEqual(
      samoa.map((d) => d.date),
      ['2011-12-29', '2011-12-31'],
    );
  });
});
