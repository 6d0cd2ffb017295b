/**
 * Stripe objects that change after creation reach the ledger on the next incremental sync, without webhooks:
 * the emulator's clock moves, its objects change and record Stripe's events, and the events stream re-reads
 * them through the real engine and embedded store.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { type StripeEmulator, startStripeEmulator } from '../../../connectors/stripe/emulator.ts';
import { EVENT_TYPES } from '../../../connectors/stripe/events-stream.ts';
import type { LedgerRecord } from '../../../src/records.ts';
import {
  addConnection,
  type Rig,
  removeTempDirs,
  rig,
  settingsFor,
  stripeCredentials,
} from '../../sync/helpers.ts';

const HOUR = 3_600;
const DAY = 86_400;
const T0 = Date.parse('2026-03-02T09:00:00Z') / 1000;

let emu: StripeEmulator;
let r: Rig;

beforeEach(async () => {
  // Sixty seeded objects over the hour after T0; the clock starts two hours later.
  emu = await startStripeEmulator({ count: 60, seed: 5, startTime: T0, now: () => (T0 + 2 * HOUR) * 1000 });
  r = await rig({
    settings: settingsFor({ stripe: emu.url }),
    stripe: { now: () => emu.control.clock.now() },
  });
  await addConnection(r.store, 'stripe', 'stripe', stripeCredentials());
});
afterEach(async () => {
  await r.close();
  await emu.close();
  removeTempDirs();
});

async function sync() {
  const run = await r.run('stripe');
  assert.equal(run.status, 'success', run.errorMessage ?? '');
  return run;
}

async function record(id: string): Promise<LedgerRecord | undefined> {
  for await (const stored of r.store.iterateRecords({ connection: 'stripe' }))
    if (stored.id === id) return stored;
  return undefined;
}

async function status(id: string): Promise<string | undefined> {
  return (await record(id))?.status;
}

async function changedIds(): Promise<string[]> {
  return (await r.store.changesSince(0, 100_000)).map((change) => change.id);
}

/** How many times each list was read from its first page (no `starting_after`). */
function listReads(): Record<string, number> {
  const reads: Record<string, number> = {};
  for (const entry of emu.control.requestLog) {
    if (entry.method !== 'GET' || entry.query['starting_after'] || !/^\/v1\/[a-z_]+$/.test(entry.path))
      continue;
    reads[entry.path] = (reads[entry.path] ?? 0) + 1;
  }
  return reads;
}

describe("the events stream on a connection's first sync", () => {
  test('a new connection reads each list once: no re-read of recent objects the same run reads anyway', async () => {
    emu.control.clearLog();
    await sync();
    const reads = listReads();
    for (const list of ['/v1/balance_transactions', '/v1/charges', '/v1/refunds', '/v1/payouts'])
      assert.equal(
        reads[list],
        1,
        `${list} read once, not re-read by the events stream: ${JSON.stringify(reads)}`,
      );
    // And it follows events from then on: a change after the first sync arrives with the next one.
    const payout = emu.control.addPayout({ outcome: 'paid', settlesAfterSeconds: HOUR });
    await sync();
    emu.control.clock.advance(2 * HOUR);
    await sync();
    assert.equal(await status(`stripe:payouts:${payout}`), 'paid');
  });

  test('a connection synced before the events stream existed re-reads recent objects once', async () => {
    await sync();
    // As an older finsync left it: list cursors, no events cursor.
    await r.store.saveCursor('stripe', 'events', {});
    emu.control.clearLog();
    await sync();
    const reads = listReads();
    assert.ok((reads['/v1/charges'] ?? 0) >= 1, `charges re-read: ${JSON.stringify(reads)}`);
  });
});

describe('stripe status changes without webhooks', () => {
  test('a payout synced as in_transit becomes paid, and another becomes failed with its payout_failure transaction', async () => {
    const paid = emu.control.addPayout({ outcome: 'paid', settlesAfterSeconds: 2 * DAY });
    const failed = emu.control.addPayout({ outcome: 'failed', settlesAfterSeconds: 2 * DAY });
    await sync();
    assert.equal(await status(`stripe:payouts:${paid}`), 'pending');
    emu.control.clock.advance(2 * HOUR);
    await sync();
    assert.equal(await status(`stripe:payouts:${paid}`), 'in_transit');
    assert.equal(await status(`stripe:payouts:${failed}`), 'in_transit');
    const changesBefore = (await changedIds()).length;

    emu.control.clock.advance(2 * DAY);
    const run = await sync();
    assert.equal(await status(`stripe:payouts:${paid}`), 'paid');
    assert.equal(await status(`stripe:payouts:${failed}`), 'failed');
    // The seeded charges' funds became available in those two days too: those are updates as well.
    assert.ok((run.streams.events?.updated ?? 0) >= 2, 'the payouts count as updated');
    const changes = (await changedIds()).slice(changesBefore);
    for (const id of [paid, failed])
      assert.equal(changes.filter((c) => c === `stripe:payouts:${id}`).length, 1, 'one change logged');

    const raw = (await (
      await fetch(`${emu.url}/v1/payouts/${failed}`, { headers: { authorization: `Bearer ${stripeKey()}` } })
    ).json()) as { failure_balance_transaction: string; amount: number };
    const reversal = await record(`stripe:balance_transactions:${raw.failure_balance_transaction}`);
    assert.equal(
      reversal?.amount,
      raw.amount,
      'the failed payout’s money comes back as a balance transaction',
    );
    assert.equal(reversal?.kind, 'payout');

    // Nothing changed since: the next sync updates nothing.
    const quiet = await sync();
    assert.equal(quiet.streams.events?.updated, 0);
  });

  test('a balance transaction synced as pending becomes available', async () => {
    await sync();
    const pending: LedgerRecord[] = [];
    for await (const stored of r.store.iterateRecords({ connection: 'stripe' }))
      if (stored.stream === 'balance_transactions' && stored.kind === 'charge' && stored.status === 'pending')
        pending.push(stored);
    assert.ok(pending.length > 0, 'the seeded charges’ funds are still held');
    emu.control.clock.advance(2 * DAY);
    const run = await sync();
    for (const held of pending) assert.equal(await status(held.id), 'available', held.id);
    assert.ok((run.streams.events?.updated ?? 0) >= pending.length);
  });

  test('a refund synced as pending becomes failed, and its money comes back', async () => {
    const refund = emu.control.addRefund({ outcome: 'failed', settlesAfterSeconds: HOUR });
    await sync();
    assert.equal(await status(`stripe:refunds:${refund}`), 'pending');
    emu.control.clock.advance(2 * HOUR);
    const run = await sync();
    assert.equal(await status(`stripe:refunds:${refund}`), 'failed');
    assert.equal(run.streams.events?.updated, 1);
    const returned: LedgerRecord[] = [];
    for await (const stored of r.store.iterateRecords({ connection: 'stripe' }))
      if (stored.description.startsWith('REFUND FAILURE')) returned.push(stored);
    assert.equal(returned.length, 1);
    assert.ok(returned[0]!.amount > 0);
  });

  test('a dispute appears, then moves from needs_response to under_review to won, as a record that is not money', async () => {
    await sync();
    const dispute = emu.control.openDispute({ outcome: 'won', decidedAfterSeconds: 4 * DAY });
    const run = await sync();
    assert.equal(run.streams.disputes?.inserted, 1);
    const opened = await record(`stripe:disputes:${dispute}`);
    assert.equal(opened?.status, 'needs_response');
    assert.equal(opened?.moneyMovement, false);
    assert.ok(opened!.amount < 0, 'a dispute takes money out');
    assert.equal(opened?.kind, 'adjustment');

    emu.control.clock.advance(2 * DAY + HOUR);
    await sync();
    assert.equal(await status(`stripe:disputes:${dispute}`), 'under_review');
    emu.control.clock.advance(2 * DAY);
    await sync();
    assert.equal(await status(`stripe:disputes:${dispute}`), 'won');
    const history = (await changedIds()).filter((id) => id === `stripe:disputes:${dispute}`);
    assert.equal(history.length, 3, 'opened, under review and won are three changes in the log');
  });

  test('a cursor older than Stripe keeps events re-reads the objects that may still change', async () => {
    const payout = emu.control.addPayout({ outcome: 'paid', settlesAfterSeconds: 2 * DAY });
    emu.control.clock.advance(2 * HOUR);
    await sync();
    assert.equal(await status(`stripe:payouts:${payout}`), 'in_transit');
    // 40 days away: the payout.paid event (day 2) is gone from /v1/events (30 days).
    emu.control.clock.advance(40 * DAY);
    assert.ok(!emu.control.events().some((e) => e.type === 'payout.paid'), 'the event has aged out');
    emu.control.clearLog();
    const run = await sync();
    assert.equal(await status(`stripe:payouts:${payout}`), 'paid');
    assert.ok((run.streams.events?.updated ?? 0) >= 1);
    assert.ok(
      !emu.control.requestLog.some((q) => q.path === '/v1/events'),
      'no events trusted across the gap',
    );
    const payoutReads = emu.control.requestLog.filter((q) => q.path === '/v1/payouts');
    assert.ok(
      payoutReads.some((q) => Number(q.query['created[gte]']) <= T0 - 40 * DAY),
      'payouts re-read from well before the cursor',
    );
    // Afterwards the stream follows events again.
    emu.control.clearLog();
    await sync();
    assert.ok(emu.control.requestLog.some((q) => q.path === '/v1/events'));
  });

  test('the event types fit Stripe’s limit of 20 exact names', () => {
    assert.ok(EVENT_TYPES.length <= 20);
    assert.ok(EVENT_TYPES.every((type) => !type.includes('*')));
  });
});

function stripeKey(): string {
  return stripeCredentials().api_key!;
}
