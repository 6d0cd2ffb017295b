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

function csvCell(value: unknown): string {
  const text =
    value === null || value === undefined
      ? ''
      : typeof value === 'object'
        ? JSON.stringify(value)
        : String(value);
  // Quote always; double inner quotes; neutralize spreadsheet formulas (CSV injection).
  const safe = /^[=+\-@\t\r]/.test(text) && !/^-?\d/.test(text) ? `'${text}` : text;
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
    if (format === 'csv') await write(out, `${columns.map((c) => csvCell(row[c])).join(',')}\n`);
    else await write(out, `${first ? '\n' : ',\n'}${JSON.stringify(row)}`);
    first = false;
  }
  if (format === 'json') await write(out, first ? ']\n' : '\n]\n');
}
