/**
 * The emulator enforces Microsoft's push limits by itself, so the publishing tests prove something:
 * these talk to it with plain fetch, without the client's pacing.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { type PowerBiEmulator, startPowerBiEmulator } from '../../../connectors/powerbi/emulator.ts';
import { MICROSOFT_LIMITS } from '../../../connectors/powerbi/emulator-limits.ts';
import { TABLES } from '../../../connectors/powerbi/schema.ts';
import { FakeClock, rawToken } from './helpers.ts';

let emu: PowerBiEmulator;
let clock: FakeClock;
let token: string;
let datasetId: string;

async function api(method: string, path: string, body?: unknown, signal?: AbortSignal) {
  const response = await fetch(`${emu.url}/v1.0/myorg/groups/${emu.control.groupId}${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: body === undefined ? null : JSON.stringify(body),
    ...(signal ? { signal } : {}),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text === '' ? {} : JSON.parse(text) };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));
const rows = (n: number, extra: Record<string, unknown> = {}) =>
  Array.from({ length: n }, (_, i) => ({ id: `r${i}`, batchId: 'b', ...extra }));
const post = (n: number, extra?: Record<string, unknown>) =>
  api('POST', `/datasets/${datasetId}/tables/records/rows`, { rows: rows(n, extra) });

async function fresh(limits = {}) {
  clock = new FakeClock();
  // Tokens outlive the hours these tests skip through; expiry is the client tests' business.
  emu = await startPowerBiEmulator({ now: clock.now, limits, tokenLifetimeSeconds: 30 * 86_400 });
  token = await rawToken(emu);
  const created = await api('POST', '/datasets?defaultRetentionPolicy=None', {
    name: 'finsync',
    defaultMode: 'Push',
    tables: TABLES,
  });
  assert.equal(created.status, 201);
  datasetId = created.body.id;
}

describe('power bi emulator limits', () => {
  before(() => fresh());
  after(() => emu.close());
  afterEach(() => {
    clock.t += 3_600_001; // a fresh hour for every test
  });

  test("Microsoft's numbers are the defaults", () => {
    assert.equal(MICROSOFT_LIMITS.maxRowsPerPost, 10_000);
    assert.equal(MICROSOFT_LIMITS.postsPerMinute, 120);
    assert.equal(MICROSOFT_LIMITS.maxPending, 5);
    assert.equal(MICROSOFT_LIMITS.maxStringLength, 4_000);
    assert.equal(MICROSOFT_LIMITS.rowsPerHour, 1_000_000);
  });

  test('10,001 rows in one POST is a 400 and stores nothing; 10,000 is fine', async () => {
    const before = emu.control.rows('records').length;
    const refused = await post(10_001);
    assert.equal(refused.status, 400);
    assert.match(refused.body.error.message, /10000 rows per POST/);
    assert.equal(emu.control.rows('records').length, before);
    assert.equal((await post(10_000)).status, 200);
    assert.equal(emu.control.rows('records').length, before + 10_000);
  });

  test('the 121st POST within a minute is a 429 with Retry-After; a minute later it passes', async () => {
    for (let i = 0; i < 120; i++) {
      assert.equal((await post(1)).status, 200);
      clock.t += 100;
    }
    const refused = await post(1);
    assert.equal(refused.status, 429);
    const retryAfter = Number(refused.headers.get('retry-after'));
    assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`);
    clock.t += retryAfter * 1000;
    assert.equal((await post(1)).status, 200);
  });

  test('a string over 4,000 characters is a 400; exactly 4,000 is fine', async () => {
    assert.equal((await post(1, { description: 'x'.repeat(4_001) })).status, 400);
    assert.equal((await post(1, { description: 'x'.repeat(4_000) })).status, 200);
  });

  test('values must fit their column types, and unknown columns are refused', async () => {
    assert.equal((await post(1, { amount: 1.5 })).status, 400);
    assert.equal((await post(1, { occurredAt: 'yesterday' })).status, 400);
    assert.equal((await post(1, { nope: 1 })).status, 400);
    assert.equal(
      (await post(1, { amount: 12, deleted: false, occurredAt: '2026-01-01T00:00:00Z' })).status,
      200,
    );
  });

  test('a sixth pending POST on a dataset is a 429', async () => {
    emu.control.failNext(5, 'hang');
    const aborts = Array.from({ length: 5 }, () => new AbortController());
    const path = `/datasets/${datasetId}/tables/records/rows`;
    const hung = aborts.map((a) => api('POST', path, { rows: rows(1) }, a.signal).catch(() => 'aborted'));
    while (emu.control.requestLog.filter((r) => r.status === 'hang').length < 5) await tick();
    const sixth = await post(1);
    assert.equal(sixth.status, 429);
    assert.match(sixth.body.error.message, /pending/);
    for (const a of aborts) a.abort();
    await Promise.all(hung);
    // Closed sockets are no longer pending.
    let status = 0;
    for (let i = 0; i < 50 && status !== 200; i++) {
      await tick();
      status = (await post(1)).status;
    }
    assert.equal(status, 200);
  });

  test('requests need a valid bearer token', async () => {
    const saved = token;
    token = 'not-a-token';
    assert.equal((await post(1)).status, 401);
    token = saved;
  });

  test('executeQueries answers COUNTROWS of a batch, blank when there is none', async () => {
    await api('POST', `/datasets/${datasetId}/tables/records/rows`, {
      rows: rows(3, { batchId: 'say "hi"' }),
    });
    const ask = (batch: string, includeNulls = true) =>
      api('POST', `/datasets/${datasetId}/executeQueries`, {
        queries: [
          { query: `EVALUATE ROW("rows", COUNTROWS(FILTER('records', 'records'[batchId] = "${batch}")))` },
        ],
        serializerSettings: { includeNulls },
      });
    assert.deepEqual((await ask('say ""hi""')).body.results[0].tables[0].rows, [{ '[rows]': 3 }]);
    assert.deepEqual((await ask('none')).body.results[0].tables[0].rows, [{ '[rows]': null }]);
    assert.deepEqual((await ask('none', false)).body.results[0].tables[0].rows, [{}]);
    const bad = await api('POST', `/datasets/${datasetId}/executeQueries`, {
      queries: [{ query: 'EVALUATE records' }],
    });
    assert.equal(bad.status, 400);
  });
});

describe('power bi emulator hourly limits (small budgets instead of a million rows)', () => {
  before(() => fresh({ rowsPerHour: 25, largeTableRows: 40, postsPerHourLargeTable: 3 }));
  after(() => emu.close());

  test('rows per hour: the POST that would pass the budget is a 429 until old rows leave the hour', async () => {
    assert.equal((await post(10)).status, 200);
    clock.t += 60_000;
    assert.equal((await post(10)).status, 200);
    const refused = await post(10);
    assert.equal(refused.status, 429);
    // The first 10 rows leave the window 60 minutes after they came: 59 minutes from now.
    assert.equal(Number(refused.headers.get('retry-after')), 59 * 60);
    clock.t += 59 * 60_000;
    assert.equal((await post(10)).status, 200);
  });

  test('once a table passes the large-table size, POSTs per hour are limited', async () => {
    clock.t += 3_600_001;
    for (let i = 0; i < 2; i++) assert.equal((await post(10)).status, 200);
    // The table now holds 50 rows ≥ 40: three POSTs in the hour are the most.
    clock.t += 3_600_001;
    for (let i = 0; i < 3; i++) assert.equal((await post(1)).status, 200);
    assert.equal((await post(1)).status, 429);
  });
});
