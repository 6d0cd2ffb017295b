/**
 * Just enough DAX for the emulator's executeQueries: `EVALUATE ROW("name", expr, ...)` where each expr is
 * `COUNTROWS('table')` or `COUNTROWS(FILTER('table', 'table'[column] = "text"))`. These are ordinary DAX
 * queries that the real service answers the same way; anything else is refused with a 400, as the service
 * refuses a query it cannot parse.
 */
import type { EmulatedDataset, Workspaces } from './emulator-state.ts';
import { apiError, isObject, type Reply } from './emulator-wire.ts';

type Token =
  | { readonly kind: 'word'; readonly text: string }
  | { readonly kind: 'string'; readonly text: string }
  | { readonly kind: 'table'; readonly text: string }
  | { readonly kind: 'column'; readonly text: string }
  | { readonly kind: 'punct'; readonly text: string };

const TOKEN = /\s*(?:"((?:[^"]|"")*)"|'((?:[^']|'')*)'|\[([^\]]*)\]|([A-Za-z_][A-Za-z0-9_]*)|([(),=]))/y;

function tokenize(query: string): Token[] {
  const tokens: Token[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < query.length) {
    if (/^\s*$/.test(query.slice(TOKEN.lastIndex))) break;
    const m = TOKEN.exec(query);
    if (!m) throw unsupported(query);
    if (m[1] !== undefined) tokens.push({ kind: 'string', text: m[1].replaceAll('""', '"') });
    else if (m[2] !== undefined) tokens.push({ kind: 'table', text: m[2].replaceAll("''", "'") });
    else if (m[3] !== undefined) tokens.push({ kind: 'column', text: m[3] });
    else if (m[4] !== undefined) tokens.push({ kind: 'word', text: m[4].toUpperCase() });
    else tokens.push({ kind: 'punct', text: m[5]! });
  }
  return tokens;
}

function unsupported(query: string) {
  return apiError(
    400,
    'DatasetExecuteQueriesError',
    `Query (1, 1) The emulator understands only EVALUATE ROW("n", COUNTROWS(...)): ${query.slice(0, 120)}`,
  );
}

/** What a COUNTROWS asks: the rows of `table`, optionally those whose `column` equals `value`. */
export interface CountQuery {
  readonly table: string;
  readonly filter?: { readonly column: string; readonly value: string };
}

export interface RowQuery {
  readonly columns: readonly { readonly name: string; readonly count: CountQuery }[];
}

export function parseRowQuery(query: string): RowQuery {
  const tokens = tokenize(query);
  let i = 0;
  const next = (): Token => {
    const token = tokens[i++];
    if (!token) throw unsupported(query);
    return token;
  };
  const expect = (kind: Token['kind'], text?: string): string => {
    const token = next();
    if (token.kind !== kind || (text !== undefined && token.text !== text)) throw unsupported(query);
    return token.text;
  };
  const tableRef = (): string => {
    const token = next();
    if (token.kind !== 'table' && token.kind !== 'word') throw unsupported(query);
    return token.text;
  };
  const countRows = (): CountQuery => {
    expect('word', 'COUNTROWS');
    expect('punct', '(');
    let count: CountQuery;
    if (tokens[i]?.kind === 'word' && tokens[i]?.text === 'FILTER') {
      i++;
      expect('punct', '(');
      const table = tableRef();
      expect('punct', ',');
      const columnTable = tableRef();
      const column = expect('column');
      expect('punct', '=');
      const value = expect('string');
      expect('punct', ')');
      if (columnTable !== table) throw unsupported(query);
      count = { table, filter: { column, value } };
    } else {
      count = { table: tableRef() };
    }
    expect('punct', ')');
    return count;
  };
  expect('word', 'EVALUATE');
  expect('word', 'ROW');
  expect('punct', '(');
  const columns: { name: string; count: CountQuery }[] = [];
  for (;;) {
    const name = expect('string');
    expect('punct', ',');
    columns.push({ name, count: countRows() });
    const token = next();
    if (token.kind === 'punct' && token.text === ')') break;
    if (token.kind !== 'punct' || token.text !== ',') throw unsupported(query);
  }
  if (i !== tokens.length) throw unsupported(query);
  return { columns };
}

/** POST executeQueries: one query, answered as `{ results: [{ tables: [{ rows: [row] }] }] }`. */
export function executeQueries(spaces: Workspaces, dataset: EmulatedDataset, body: unknown): Reply {
  const queries = isObject(body) && Array.isArray(body.queries) ? body.queries : [];
  const first: unknown = queries[0];
  if (queries.length !== 1 || !isObject(first) || typeof first.query !== 'string') {
    throw apiError(400, 'InvalidRequest', 'executeQueries takes exactly one query');
  }
  const settings = isObject(body) ? body.serializerSettings : undefined;
  const includeNulls = isObject(settings) && settings.includeNulls === true;
  const row = spaces.evaluate(dataset, parseRowQuery(first.query));
  // Without includeNulls the service leaves blank values out of the row.
  const shown = includeNulls ? row : Object.fromEntries(Object.entries(row).filter(([, v]) => v !== null));
  return { status: 200, body: { results: [{ tables: [{ rows: [shown] }] }] } };
}
