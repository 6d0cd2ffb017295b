/**
 * The dataset's rows and the current-state view. Push datasets are append-only, so an update is a new row
 * with a higher version and a deletion a row with deleted = true; `currentAmount` below evaluates
 * CURRENT_AMOUNT_DAX step by step over the rows the emulator holds, as Power BI would.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { parseRowQuery } from '../../../connectors/powerbi/emulator-dax.ts';
import type { EmulatedRow } from '../../../connectors/powerbi/emulator-state.ts';
import {
  batchCountQuery,
  CURRENT_AMOUNT_DAX,
  clip,
  recordRow,
  TABLES,
} from '../../../connectors/powerbi/schema.ts';
import { credentials, ledgerRecord, type World, world } from './helpers.ts';

/**
 * SUMX(VALUES(records[id]), latest = MAX(version) over ALLEXCEPT(records, records[id]);
 * SUM(amount) where version = latest and deleted = FALSE) — under an outer filter `visible`.
 */
function currentAmount(
  rows: readonly EmulatedRow[],
  visible: (row: EmulatedRow) => boolean = () => true,
): number {
  const inContext = rows.filter(visible);
  let total = 0;
  for (const id of new Set(inContext.map((r) => r.id))) {
    const latest = Math.max(...rows.filter((r) => r.id === id).map((r) => Number(r.version)));
    for (const row of inContext) {
      if (row.id === id && row.version === latest && row.deleted === false) total += Number(row.amount);
    }
  }
  return total;
}

describe('power bi current-state view', () => {
  let w: World;
  beforeEach(async () => {
    w = await world();
  });
  afterEach(() => w.emu.close());

  test('per id the highest version counts, a deleted latest version removes the record', async () => {
    const p = w.destination.publisher(credentials(w.emu), w.ctx);
    const a = (amount: number, status: string) => ledgerRecord(1, { amount, status });
    const b = (amount: number) => ledgerRecord(2, { amount });
    // Record A: created pending (v1), then settled with a corrected amount (v2).
    // Record B: created (v1), changed (v2), deleted at the provider (v3).
    await p.push('records', [{ record: a(1_000, 'pending'), version: 1, deleted: false }], 'b1');
    await p.push('records', [{ record: b(500), version: 1, deleted: false }], 'b2');
    await p.push('records', [{ record: a(1_250, 'available'), version: 2, deleted: false }], 'b3');
    await p.push('records', [{ record: b(700), version: 2, deleted: false }], 'b4');
    await p.push('records', [{ record: b(0), version: 3, deleted: true }], 'b5');
    const rows = w.emu.control.rows('records');
    assert.equal(rows.length, 5, 'append-only: every version is a row');

    assert.equal(currentAmount(rows), 1_250, 'A at version 2; B gone');
    // A's old status must not count A again: the latest version is found ignoring the status filter.
    assert.equal(
      currentAmount(rows, (r) => r.status === 'pending'),
      0,
    );
    assert.equal(
      currentAmount(rows, (r) => r.status === 'available'),
      1_250,
    );
    // A naive SUM over all rows would say 3,450.
    assert.equal(
      rows.reduce((sum, r) => sum + Number(r.amount), 0),
      3_450,
    );
  });

  test('the documented measure has the parts the view depends on', () => {
    assert.match(CURRENT_AMOUNT_DAX, /VALUES \( records\[id\] \)/);
    assert.match(CURRENT_AMOUNT_DAX, /MAX \( records\[version\] \), ALLEXCEPT \( records, records\[id\] \)/);
    assert.match(CURRENT_AMOUNT_DAX, /records\[deleted\] = FALSE \(\)/);
  });
});

describe('power bi rows', () => {
  test('amountDecimal scales by the currency exponent; the exact amount stays in minor units', () => {
    const row = (amount: number, currency: string | null) =>
      recordRow({ record: ledgerRecord(1, { amount, currency }), version: 1, deleted: false }, 'b');
    assert.equal(row(1234, 'USD').amountDecimal, 12.34);
    assert.equal(row(1234, 'JPY').amountDecimal, 1234);
    assert.equal(row(1234, 'KWD').amountDecimal, 1.234);
    assert.equal(row(0, null).amountDecimal, null);
    assert.equal(row(1234, 'USD').amount, 1234);
  });

  test('every record column is in the dataset definition, and only those', () => {
    const row = recordRow({ record: ledgerRecord(1), version: 7, deleted: false }, 'b');
    const columns = TABLES.find((t) => t.name === 'records')!.columns.map((c) => c.name);
    assert.deepEqual(Object.keys(row).sort(), [...columns].sort());
  });

  test('clip keeps 4,000 characters and never splits a surrogate pair', () => {
    assert.equal(clip('x'.repeat(4_000)).length, 4_000);
    assert.equal(clip('x'.repeat(3_999) + '😀'), 'x'.repeat(3_999));
    assert.equal(clip(null), null);
  });

  test('the batch query escapes quotes the DAX way and reads back the same batch id', () => {
    const query = batchCountQuery('records', 'powerbi:"1"-2');
    const parsed = parseRowQuery(query);
    assert.deepEqual(parsed.columns, [
      { name: 'rows', count: { table: 'records', filter: { column: 'batchId', value: 'powerbi:"1"-2' } } },
    ]);
  });
});
