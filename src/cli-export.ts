/** `npx finsync export records|runs|audit`: streamed to stdout as JSON (an array) or CSV. */
import type { Writable } from 'node:stream';
import type { Core } from './core.ts';
import { UserInputError } from './errors.ts';

const RECORD_COLUMNS = [
  'id',
  'connection',
  'provider',
  'stream',
  'kind',
  'amount',
  'currency',
  'occurredAt',
  'description',
  'counterparty',
  'status',
  'moneyMovement',
  'raw',
] as const;

/**
 * OWASP "CSV Injection": a spreadsheet reads a cell that starts with `=`, `+`, `-`, `@`, tab or carriage return
 * as a formula. The full-width forms of the first four are included: Excel with East Asian input turns them
 * into their ASCII forms.
 */
const FORMULA_START = /^[=+\-@\t\r\uFF1D\uFF0B\uFF0D\uFF20]/;
/** Columns that hold integer minor units; only a plain whole number there may start with `-`. */
const AMOUNT_COLUMNS: ReadonlySet<string> = new Set(['amount']);
const WHOLE_NUMBER = /^-?\d+$/;
/** Columns of decimal money (`npx finsync cash --csv`); only a plain decimal number there may start with `-`. */
const DECIMAL_COLUMNS: ReadonlySet<string> = new Set(['money_in', 'money_out', 'net', 'balance']);
const DECIMAL_NUMBER = /^-?\d+(\.\d+)?$/;

/**
 * One RFC 4180 cell, always quoted, inner quotes doubled. A cell a spreadsheet would run as a formula gets a
 * leading `'` (shown as text, the quote hidden), except a whole number in an amount column: a negative
 * amount must stay a number the auditor can sum. Decided by column and value together, so a description
 * such as `-2+3+cmd|' /C calc'!A0` is text even though it starts with a minus and a digit.
 */
export function csvCell(value: unknown, column: string): string {
  const text =
    value === null || value === undefined
      ? ''
      : typeof value === 'object'
        ? JSON.stringify(value)
        : String(value);
  const number =
    (AMOUNT_COLUMNS.has(column) && WHOLE_NUMBER.test(text)) ||
    (DECIMAL_COLUMNS.has(column) && DECIMAL_NUMBER.test(text));
  const safe = FORMULA_START.test(text) && !number ? `'${text}` : text;
  return `"${safe.replace(/"/g, '""')}"`;
}

function checkDate(value: string | undefined, flag: string): string | undefined {
  if (value === undefined) return undefined;
  if (Number.isNaN(Date.parse(value)))
    throw new UserInputError(`--${flag} must be an ISO date such as 2026-01-31, not "${value.slice(0, 40)}"`);
  return new Date(value).toISOString();
}

async function write(out: Writable, text: string): Promise<void> {
  if (!out.write(text)) await new Promise((resolve) => out.once('drain', resolve));
}

export async function writeExport(
  core: Core,
  what: string,
  values: ReadonlyMap<string, string>,
  out: Writable,
): Promise<void> {
  const format = values.get('format') ?? 'json';
  if (format !== 'json' && format !== 'csv') throw new UserInputError('--format must be json or csv');
  const connection = values.get('connection');
  if (connection !== undefined)
    await core.finsync.getConnection(connection).catch(async (error) => {
      // Records of a disconnected connection may remain: allow exporting them when any exist.
      if ((await core.store.countRecords(connection)) === 0) throw error;
    });
  let rows: AsyncIterable<Record<string, unknown>> | Iterable<Record<string, unknown>>;
  let columns: readonly string[];
  if (what === 'records') {
    const since = checkDate(values.get('since'), 'since');
    rows = core.store.iterateRecords({
      ...(connection ? { connection } : {}),
      ...(since ? { since } : {}),
    }) as AsyncIterable<Record<string, unknown>>;
    columns = RECORD_COLUMNS;
  } else if (what === 'runs') {
    const names = connection ? [connection] : (await core.store.listConnections()).map((c) => c.name);
    const limit = Number(values.get('limit') ?? 1000);
    const all = [];
    for (const name of names) all.push(...(await core.store.listRuns(name, limit)));
    rows = all as unknown as Record<string, unknown>[];
    columns = [
      'id',
      'connection',
      'trigger',
      'triggeredBy',
      'startedAt',
      'endedAt',
      'status',
      'streams',
      'errorClass',
      'errorMessage',
      'skipped',
    ];
  } else if (what === 'audit') {
    rows = (await core.finsync.auditLog('cli', Number(values.get('limit') ?? 100_000))) as unknown as Record<
      string,
      unknown
    >[];
    columns = ['at', 'actor', 'action', 'connection', 'outcome', 'detail'];
  } else {
    throw new UserInputError(
      'export what? records, runs or audit, e.g. npx finsync export records --format csv',
    );
  }
  let first = true;
  if (format === 'csv') await write(out, `${columns.join(',')}\n`);
  else await write(out, '[');
  for await (const row of rows) {
    if (format === 'csv') await write(out, `${columns.map((c) => csvCell(row[c], c)).join(',')}\n`);
    else await write(out, `${first ? '\n' : ',\n'}${JSON.stringify(row)}`);
    first = false;
  }
  if (format === 'json') await write(out, first ? ']\n' : '\n]\n');
}
