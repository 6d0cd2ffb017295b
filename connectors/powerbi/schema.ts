/**
 * The `finsync` push dataset: its tables and columns, how ledger rows become Power BI rows, and the DAX
 * finsync itself sends (batch checks) or documents (the current-state view).
 *
 * Push datasets are append-only: rows cannot be updated or deleted one by one (only a whole table can be
 * emptied). So a changed record is pushed again as a new row with a higher `version` (the ledger's change
 * sequence), and a deleted record as a row with `deleted = true`. The current state of the ledger is, per
 * `id`, the row with the highest `version`, unless that row is deleted. CURRENT_AMOUNT_DAX below is that
 * view as a measure; the test `current state` computes the same thing from the rows the emulator holds.
 */

import { currencyExponent } from '../../src/money.ts';
import type { PublishRow, PublishRunRow, PublishTable } from '../destination.ts';

export const DATASET_NAME = 'finsync';

/** Power BI's limit for one string value in a POST rows request. */
export const MAX_STRING_LENGTH = 4_000;

export type ColumnType = 'Int64' | 'Double' | 'Boolean' | 'DateTime' | 'String';

export interface ColumnDef {
  readonly name: string;
  readonly dataType: ColumnType;
}

export interface TableDef {
  readonly name: PublishTable;
  readonly columns: readonly ColumnDef[];
}

const col = (name: string, dataType: ColumnType): ColumnDef => ({ name, dataType });

export const RECORDS_TABLE: TableDef = {
  name: 'records',
  columns: [
    col('id', 'String'),
    col('connection', 'String'),
    col('provider', 'String'),
    col('stream', 'String'),
    col('kind', 'String'),
    // Integer minor units: the exact amount, the one to reconcile with. Only comparable within a currency.
    col('amount', 'Int64'),
    col('currency', 'String'),
    // amount / 10^exponent as a float, so visuals can show 12.34 instead of 1234. A Double cannot hold every
    // decimal exactly and sums of many drift in the last digits: for display only, never for reconciliation.
    col('amountDecimal', 'Double'),
    col('occurredAt', 'DateTime'),
    col('description', 'String'),
    col('counterparty', 'String'),
    col('status', 'String'),
    col('moneyMovement', 'Boolean'),
    col('version', 'Int64'),
    col('deleted', 'Boolean'),
    col('batchId', 'String'),
  ],
};

export const RUNS_TABLE: TableDef = {
  name: 'runs',
  columns: [
    col('runId', 'String'),
    col('connection', 'String'),
    col('trigger', 'String'),
    col('status', 'String'),
    col('startedAt', 'DateTime'),
    col('endedAt', 'DateTime'),
    col('records', 'Int64'),
    col('batchId', 'String'),
  ],
};

export const TABLES: readonly TableDef[] = [RECORDS_TABLE, RUNS_TABLE];

/** One row as sent to Power BI: column name → JSON value. */
export type PowerBiRow = Readonly<Record<string, string | number | boolean | null>>;

/** Cuts a string to Power BI's 4,000-character limit (by UTF-16 code units, without splitting a pair). */
export function clip(value: string): string;
export function clip(value: string | null): string | null;
export function clip(value: string | null): string | null {
  if (value === null || value.length <= MAX_STRING_LENGTH) return value;
  const cut = value.slice(0, MAX_STRING_LENGTH);
  const last = cut.charCodeAt(cut.length - 1);
  return last >= 0xd800 && last <= 0xdbff ? cut.slice(0, -1) : cut;
}

function decimalAmount(amount: number, currency: string | null): number | null {
  if (currency === null) return null;
  try {
    return amount / 10 ** currencyExponent(currency);
  } catch {
    // An unknown currency cannot be scaled; the exact `amount` is still there.
    return null;
  }
}

export function recordRow(row: PublishRow, batchId: string): PowerBiRow {
  const r = row.record;
  return {
    id: clip(r.id),
    connection: clip(r.connection),
    provider: clip(r.provider),
    stream: clip(r.stream),
    kind: r.kind,
    amount: r.amount,
    currency: r.currency,
    amountDecimal: decimalAmount(r.amount, r.currency),
    occurredAt: r.occurredAt,
    description: clip(r.description),
    counterparty: clip(r.counterparty),
    status: clip(r.status),
    moneyMovement: r.moneyMovement,
    version: row.version,
    deleted: row.deleted,
    batchId: clip(batchId),
  };
}

export function runRow(row: PublishRunRow, batchId: string): PowerBiRow {
  return {
    runId: clip(row.runId),
    connection: clip(row.connection),
    trigger: clip(row.trigger),
    status: clip(row.status),
    startedAt: row.startedAt,
    endedAt: row.endedAt,
    records: row.records,
    batchId: clip(batchId),
  };
}

export function isPublishRow(row: PublishRow | PublishRunRow): row is PublishRow {
  return 'record' in row;
}

/** A DAX string literal: double quotes, with embedded quotes doubled. */
export function daxString(value: string): string {
  return `"${value.replaceAll('"', '""')}"`;
}

/** How many rows of `table` carry `batchId`; answers one row `{ "[rows]": n }` (blank, i.e. null, for 0). */
export function batchCountQuery(table: PublishTable, batchId: string): string {
  return `EVALUATE ROW("rows", COUNTROWS(FILTER('${table}', '${table}'[batchId] = ${daxString(clip(batchId))})))`;
}

/** Row counts of both tables; the pacer needs to know when a table passes 250,000 rows. */
export const TABLE_SIZES_QUERY = `EVALUATE ROW("records", COUNTROWS('records'), "runs", COUNTROWS('runs'))`;

/**
 * The current-state view as a measure (Power BI Desktop: New measure, on the records table). For each id,
 * the highest version is found ignoring every filter but the id (so a record whose latest version moved to
 * another status or date is not also counted under the old one); its row counts only when it is not deleted.
 * Sum it per currency: amounts in different currencies do not add up.
 */
export const CURRENT_AMOUNT_DAX = `Current amount =
SUMX (
    VALUES ( records[id] ),
    VAR latest = CALCULATE ( MAX ( records[version] ), ALLEXCEPT ( records, records[id] ) )
    RETURN
        CALCULATE ( SUM ( records[amount] ), records[version] = latest, records[deleted] = FALSE () )
)`;

/** The same selection counted: how many records exist now. */
export const CURRENT_RECORDS_DAX = `Current records =
SUMX (
    VALUES ( records[id] ),
    VAR latest = CALCULATE ( MAX ( records[version] ), ALLEXCEPT ( records, records[id] ) )
    RETURN
        CALCULATE ( COUNTROWS ( records ), records[version] = latest, records[deleted] = FALSE () )
)`;
