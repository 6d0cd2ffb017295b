import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type PlaidEmulator, startPlaidEmulator } from '../../connectors/plaid/emulator.ts';
import { type StripeEmulator, startStripeEmulator } from '../../connectors/stripe/emulator.ts';
import type { LedgerRecord } from '../../src/records.ts';
import type { StreamCounts, SyncRun } from '../../src/store/types.ts';
import {
  addConnection,
  type CliResult,
  cliEnv,
  listStripeRaw,
  type Rig,
  removeTempDirs,
  rig,
  runCli,
  STRIPE_LISTS,
  settingsFor,
  stripeCredentials,
} from './helpers.ts';

let stripe: StripeEmulator;
let plaid: PlaidEmulator;
let r: Rig;
let itemId: string;

before(async () => {
  stripe = await startStripeEmulator({ count: 150, seed: 8 });
  plaid = await startPlaidEmulator({ transactionsPerItem: 200, seed: 6, today: '2026-01-31' });
  r = await rig({ settings: settingsFor({ stripe: stripe.url, plaid }) });
  const item = plaid.control.createItem();
  itemId = item.itemId;
  await addConnection(r.store, 'stripe', 'stripe', stripeCredentials());
  await addConnection(r.store, 'bank', 'plaid', { access_token: item.accessToken, item_id: item.itemId });
  await addConnection(
    r.store,
    'stripe-old',
    'stripe',
    stripeCredentials('sk_test_51KeyRolledLongAgo000000000'),
  );
});
after(async () => {
  await r.close();
  await Promise.all([stripe.close(), plaid.close()]);
  removeTempDirs();
});

const zero: StreamCounts = { fetched: 0, inserted: 0, updated: 0, deleted: 0, skipped: 0 };
const inserted = (n: number): StreamCounts => ({ ...zero, fetched: n, inserted: n });
/** Stripe balance transactions: `n` fetched, stored with one more record for each of the `fees` that have a fee. */
const insertedWithFees = (n: number, fees: number): StreamCounts => ({
  ...zero,
  fetched: n,
  inserted: n + fees,
});

/** How many of the emulator's balance transactions (or of `ids`) carry a fee, from the wire data. */
async function withFee(ids?: readonly string[]): Promise<number> {
  const txns = await listStripeRaw(stripe.url, 'balance_transactions');
  return txns.filter((t) => t.fee !== 0 && (ids === undefined || ids.includes(t.id))).length;
}

function assertTimes(run: SyncRun): void {
  assert.match(run.startedAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.match(run.endedAt ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.ok(run.endedAt! >= run.startedAt);
}

describe('every sync attempt leaves a run record', () => {
  test('success, partial, failed and cancelled runs carry trigger, who, times, status and per-stream counts', async () => {
    const counts = stripe.control.counts();
    const fees = await withFee();
    const ok = await r.run('stripe', { trigger: 'manual', triggeredBy: 'UADMIN0001' });

    const bad = `txn-${itemId.replace('item-sandbox-', '')}-00005`;
    plaid.control.modifyTransactions([bad], { date: '31/01/2026' });
    const partial = await r.run('bank', { trigger: 'schedule', triggeredBy: null });

    const failed = await r.run('stripe-old', { trigger: 'cli', triggeredBy: 'cli' });

    const added = stripe.control.addObjects(3);
    const addedFees = await withFee(added);
    const abort = new AbortController();
    const cancelled = await r.run('stripe', {
      trigger: 'webhook',
      triggeredBy: null,
      signal: abort.signal,
      // Stopped at the first committed page of balance transactions (the events stream runs before them).
      onProgress: (p) => {
        if (p.stream === 'balance_transactions') abort.abort(new Error('shutting down'));
      },
    });

    const runs = [
      ...(await r.store.listRuns('stripe', 10)),
      ...(await r.store.listRuns('bank', 10)),
      ...(await r.store.listRuns('stripe-old', 10)),
    ];
    assert.equal(runs.length, 4, 'one record per attempt');
    const byId = new Map(runs.map((run) => [run.id, run]));
    for (const returned of [ok, partial, failed, cancelled]) {
      assert.deepEqual(byId.get(returned.id), returned, 'the stored record is what the engine returned');
      assertTimes(returned);
    }

    assert.deepEqual(
      [ok.trigger, ok.triggeredBy, ok.status, ok.errorClass, ok.errorMessage],
      ['manual', 'UADMIN0001', 'success', null, null],
    );
    assert.deepEqual(ok.streams, {
      // The events stream runs first; on a first sync of old data it finds nothing left to re-read.
      events: zero,
      ...Object.fromEntries(
        STRIPE_LISTS.map((list) => [
          list,
          list === 'balance_transactions' ? insertedWithFees(counts[list], fees) : inserted(counts[list]),
        ]),
      ),
      disputes: inserted(counts.disputes),
    });

    assert.deepEqual([partial.trigger, partial.triggeredBy, partial.status], ['schedule', null, 'partial']);
    assert.deepEqual(partial.streams, {
      accounts: inserted(5),
      transactions: { fetched: 200, inserted: 199, updated: 0, deleted: 0, skipped: 1 },
    });
    assert.deepEqual(
      partial.skipped.map((s) => [s.stream, s.objectId]),
      [['transactions', bad]],
    );

    assert.deepEqual(
      [failed.trigger, failed.triggeredBy, failed.status, failed.errorClass],
      ['cli', 'cli', 'failed', 'auth'],
    );
    assert.match(failed.errorMessage ?? '', /Invalid API Key provided: sk_test_\*+0000/);
    assert.ok(
      !(failed.errorMessage ?? '').includes('KeyRolledLongAgo'),
      'the key is never stored in the run',
    );
    // On a first sync the events stream asks Stripe nothing; the first list stream meets the revoked key and
    // nothing after it runs.
    assert.deepEqual(failed.streams, { events: zero, balance_transactions: zero });

    assert.deepEqual(
      [cancelled.trigger, cancelled.status, cancelled.errorClass],
      ['webhook', 'cancelled', null],
    );
    assert.deepEqual(cancelled.streams, {
      events: zero,
      balance_transactions: insertedWithFees(3, addedFees),
    });
  });
});

describe('npx finsync export records', () => {
  let all: LedgerRecord[];
  let env: Record<string, string>;

  before(async () => {
    all = [];
    for await (const record of r.store.iterateRecords({})) all.push(record);
    env = cliEnv(r.dataDir, { stripe: stripe.url, plaid });
    assert.ok(all.length > 300, 'there is something to export');
  });

  const exportRecords = async (...args: string[]): Promise<CliResult> => {
    const result = await runCli(['export', 'records', ...args], env);
    assert.equal(result.code, 0, result.stderr);
    return result;
  };
  const sorted = (records: readonly LedgerRecord[]) => [...records].sort((a, b) => (a.id < b.id ? -1 : 1));

  test('--format json prints exactly the stored records', async () => {
    const { stdout } = await exportRecords('--format', 'json');
    assert.deepEqual(sorted(JSON.parse(stdout) as LedgerRecord[]), sorted(all));
  });

  test('--format csv prints exactly the stored records, one row each', async () => {
    const { stdout } = await exportRecords('--format', 'csv');
    const [header, ...rows] = parseCsv(stdout);
    const columns = ['id', 'connection', 'provider', 'stream', 'kind', 'amount', 'currency', 'occurredAt'];
    assert.deepEqual(header?.slice(0, columns.length), columns);
    const cell = (value: unknown) =>
      value === null ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value);
    const expected = all.map((record) => header!.map((column) => cell(record[column as keyof LedgerRecord])));
    assert.deepEqual(
      rows.sort((a, b) => (a[0]! < b[0]! ? -1 : 1)),
      expected.sort((a, b) => (a[0]! < b[0]! ? -1 : 1)),
    );
  });

  test('--connection and --since filter', async () => {
    const bank = JSON.parse((await exportRecords('--connection', 'bank')).stdout) as LedgerRecord[];
    const expectedBank = all.filter((x) => x.connection === 'bank');
    assert.ok(expectedBank.length > 0 && expectedBank.length < all.length);
    assert.deepEqual(sorted(bank), sorted(expectedBank));

    const since = '2026-01-15';
    const recent = JSON.parse(
      (await exportRecords('--since', since, '--format', 'json')).stdout,
    ) as LedgerRecord[];
    const expectedRecent = all.filter((x) => x.occurredAt >= '2026-01-15T00:00:00.000Z');
    assert.ok(expectedRecent.length > 0 && expectedRecent.length < expectedBank.length);
    assert.deepEqual(sorted(recent), sorted(expectedRecent));

    const stripeSince = new Date((stripe.control.data.createdOf(100) + 0) * 1000).toISOString();
    const both = JSON.parse(
      (await exportRecords('--connection', 'stripe', `--since=${stripeSince}`)).stdout,
    ) as LedgerRecord[];
    const expectedBoth = all.filter((x) => x.connection === 'stripe' && x.occurredAt >= stripeSince);
    assert.ok(
      expectedBoth.length > 0 && expectedBoth.length < all.filter((x) => x.connection === 'stripe').length,
    );
    assert.deepEqual(sorted(both), sorted(expectedBoth));
  });
});

/** RFC 4180: quoted cells, doubled quotes inside, CRLF or LF line ends. */
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
    } else if (ch !== '\r') cell += ch;
  }
  if (cell !== '' || row.length > 0) rows.push([...row, cell]);
  return rows;
}
