import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { createStripeConnector } from '../../../connectors/stripe/connector.ts';
import {
  EMULATOR_SECRET_KEY,
  type StripeEmulator,
  startStripeEmulator,
} from '../../../connectors/stripe/emulator.ts';
import { lowerBound, parseCursor } from '../../../connectors/stripe/streams.ts';
import type { Stream } from '../../../connectors/types.ts';
import { draftsOf, type RecordDraft } from '../../../src/records.ts';
import { drain, streamNamed, testContext } from './helpers.ts';

let emu: StripeEmulator;
/** One clock (ms) for the connector and the emulator, moved by the tests. */
let clock = 0;

function stream(name: string, credentials: Record<string, string> = {}): Stream {
  const connector = createStripeConnector({ now: () => clock });
  return streamNamed(connector.streams({ api_key: EMULATOR_SECRET_KEY, ...credentials }), name);
}

const ids = (records: readonly RecordDraft[]) => records.map((r) => r.raw.id);
const listRequests = () => emu.control.requestLog.filter((r) => r.path === '/v1/balance_transactions');

beforeEach(async () => {
  emu = await startStripeEmulator({ count: 2_500, seed: 11, now: () => clock });
  clock = (emu.control.data.latestCreated + 60) * 1000;
});
afterEach(() => emu.close());

describe('stripe incremental reads', () => {
  test('a full read then an incremental read fetches only the new objects (plus the overlap)', async () => {
    const { ctx } = testContext(emu.url);
    const bts = stream('balance_transactions');
    const full = await drain(bts, null, ctx);
    assert.equal(full.objects.length, 2_500);
    assert.equal(new Set(ids(full.records)).size, 2_500);
    assert.equal(listRequests().length, 25);
    assert.equal(listRequests()[0]!.query['created[gte]'], undefined);
    assert.equal(listRequests()[0]!.query['created[lte]'], String(clock / 1000));
    assert.equal(listRequests()[0]!.query.limit, '100');
    assert.deepEqual(full.cursor, { since: clock / 1000 });

    // Keyed by the Stripe object (a balance transaction and its fee record share it).
    const store = new Map(full.records.map((r) => [r.raw.id, r]));
    clock += 10 * 60 * 1000;
    const added = emu.control.addObjects(30);
    emu.control.clearLog();
    const next = await drain(bts, full.cursor, ctx);
    assert.equal(listRequests().length, 1);
    assert.equal(listRequests()[0]!.query['created[gte]'], String((full.cursor!.since as number) - 300));
    for (const id of added) assert.ok(ids(next.records).includes(id), id);
    const reRead = next.objects.filter((o) => store.has(bts.externalId(o)!));
    assert.ok(reRead.length < 20, `only the overlap is re-read (${reRead.length})`);
    for (const r of next.records) store.set(r.raw.id, r);
    assert.equal(store.size, 2_530);
  });

  test('objects created in the boundary second are neither lost nor doubled', async () => {
    const { ctx } = testContext(emu.url);
    const bts = stream('balance_transactions');
    const boundary = clock / 1000;
    emu.control.addObjects(4, { created: boundary });
    const store = new Map<string, RecordDraft>();
    let runOne: RecordDraft[] = [];
    let cursor = null;
    let pages = 0;
    for await (const page of bts.read(null, ctx)) {
      runOne = runOne.concat(page.objects.flatMap((o) => draftsOf(bts.normalize(o))));
      if (page.cursor) cursor = page.cursor;
      // Stripe creates more objects in the window's last second while the run is still paging.
      if (++pages === 2) emu.control.addObjects(3, { created: boundary });
    }
    assert.equal(new Set(runOne.map((r) => r.id)).size, runOne.length, 'no duplicates within a run');
    for (const r of runOne) store.set(r.raw.id, r);
    assert.equal(store.size, 2_504);

    clock += 60 * 60 * 1000;
    const runTwo = await drain(bts, cursor, ctx);
    for (const r of runTwo.records) store.set(r.raw.id, r);
    assert.equal(store.size, emu.control.counts().balance_transactions);
    assert.equal(store.size, 2_507);
  });

  test('resuming from a mid-listing cursor reproduces exactly the remaining objects', async () => {
    const { ctx } = testContext(emu.url);
    const bts = stream('balance_transactions');
    const reference = ids((await drain(bts, null, ctx)).records);
    const partial = await drain(bts, null, ctx, 7);
    assert.equal(partial.objects.length, 700);
    assert.deepEqual(Object.keys(partial.cursor ?? {}).sort(), ['startingAfter', 'windowEnd']);
    // Time passes and Stripe moves on before the crashed run is resumed.
    clock += 30 * 60 * 1000;
    emu.control.addObjects(5, { created: (partial.cursor!.windowEnd as number) + 1 });
    emu.control.addObjects(2, { created: clock / 1000 });
    emu.control.clearLog();
    const rest = await drain(bts, partial.cursor, ctx);
    assert.deepEqual([...ids(partial.records), ...ids(rest.records)], reference);
    assert.equal(listRequests()[0]!.query.starting_after, partial.cursor!.startingAfter);
    assert.deepEqual(rest.cursor, { since: partial.cursor!.windowEnd });
  });

  test('backfill_from starts the first read at that date', async () => {
    const { ctx } = testContext(emu.url);
    const all = await drain(stream('charges'), null, ctx);
    // The newest object’s day: the data spans about two days from 2024-01-01.
    const cut = all.records[0]!.occurredAt.slice(0, 10);
    emu.control.clearLog();
    const from = await drain(stream('charges', { backfill_from: cut }), null, ctx);
    const since = Date.parse(`${cut}T00:00:00Z`);
    assert.ok(from.records.length > 0 && from.records.length < all.records.length);
    assert.ok(from.records.every((r) => Date.parse(r.occurredAt) >= since));
    assert.equal(from.records.length, all.records.filter((r) => Date.parse(r.occurredAt) >= since).length);
    assert.equal(emu.control.requestLog[0]!.query['created[gte]'], String(since / 1000));
  });

  test('each movement is counted once: business objects mirror their balance transactions', async () => {
    const { ctx } = testContext(emu.url);
    const connector = createStripeConnector({ now: () => clock });
    const records: RecordDraft[] = [];
    for (const s of connector.streams({ api_key: EMULATOR_SECRET_KEY }))
      records.push(...(await drain(s, null, ctx)).records);
    const sum = (filter: (r: RecordDraft) => boolean) =>
      records.filter(filter).reduce((total, r) => total + r.amount, 0);
    for (const kind of ['charge', 'refund', 'payout'] as const) {
      const money = sum((r) => r.moneyMovement && r.kind === kind && r.currency === 'JPY');
      const objects = sum((r) => !r.moneyMovement && r.kind === kind && r.currency === 'JPY');
      assert.equal(objects, money, kind);
      assert.notEqual(money, 0, kind);
    }
    assert.ok(records.filter((r) => r.moneyMovement).every((r) => r.stream === 'balance_transactions'));
    assert.equal(records.filter((r) => r.kind === 'customer').length, emu.control.counts().customers);
  });

  test('a resume object that no longer exists relists the window instead of failing', async () => {
    const { ctx } = testContext(emu.url);
    const customers = stream('customers');
    const gone = { windowEnd: clock / 1000, startingAfter: 'cus_1Em0000zzzDeletedCustomer' };
    const result = await drain(customers, gone, ctx);
    assert.equal(result.records.length, emu.control.counts().customers);
    assert.deepEqual(result.cursor, { since: clock / 1000 });
  });
});

describe('stripe cursor parsing', () => {
  test('unusable cursor parts are dropped; a listing needs both its bound and its position', () => {
    assert.deepEqual(parseCursor(null), {});
    assert.deepEqual(parseCursor({ since: 10 }), { since: 10 });
    assert.deepEqual(parseCursor({ since: 10, windowEnd: 20, startingAfter: 'x' }), {
      since: 10,
      windowEnd: 20,
      startingAfter: 'x',
    });
    assert.deepEqual(parseCursor({ since: 'soon', windowEnd: 20 }), {});
    assert.deepEqual(parseCursor({ since: 1.5, windowEnd: 20, startingAfter: 'x' }), {
      windowEnd: 20,
      startingAfter: 'x',
    });
  });

  test('the lower bound subtracts the overlap but never goes before backfill_from', () => {
    assert.equal(lowerBound(undefined, undefined, 300), undefined);
    assert.equal(lowerBound(undefined, 1_000, 300), 1_000);
    assert.equal(lowerBound(5_000, undefined, 300), 4_700);
    assert.equal(lowerBound(5_000, 4_900, 300), 4_900);
  });
});
