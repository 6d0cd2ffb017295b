/** The emulator's /v1/events and /v1/disputes speak Stripe's wire format; the dispute normalizer reads it. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  EMULATOR_SECRET_KEY,
  type StripeEmulator,
  startStripeEmulator,
} from '../../../connectors/stripe/emulator.ts';
import { normalizeDispute } from '../../../connectors/stripe/normalize-dispute.ts';
import { InvalidDataError } from '../../../src/errors.ts';

const DAY = 86_400;
const T0 = Date.parse('2026-03-02T09:00:00Z') / 1000;
let emu: StripeEmulator;

type Listed = { data: Record<string, unknown>[]; has_more: boolean };
type Event = { id: string; type: string; created: number; data: { object: Record<string, unknown> } };

async function get(path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${emu.url}${path}`, {
    headers: { authorization: `Bearer ${EMULATOR_SECRET_KEY}` },
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}
async function events(query: string): Promise<{ data: Event[]; has_more: boolean }> {
  const { status, body } = await get(`/v1/events?${query}`);
  assert.equal(status, 200, JSON.stringify(body));
  return body as unknown as { data: Event[]; has_more: boolean };
}

before(async () => {
  emu = await startStripeEmulator({ count: 20, seed: 3, startTime: T0, now: () => (T0 + 3_600) * 1000 });
  emu.control.addPayout({ outcome: 'failed', settlesAfterSeconds: 2 * DAY });
  emu.control.openDispute({ outcome: 'lost', decidedAfterSeconds: 4 * DAY });
  emu.control.clock.advance(5 * DAY);
});
after(() => emu.close());

describe('stripe emulator events', () => {
  test('events list newest first, page with starting_after and has_more, and filter by types[] and created[gt]', async () => {
    const all = await events('limit=100');
    assert.ok(all.data.length >= 8);
    const times = all.data.map((e) => e.created);
    assert.deepEqual(
      times,
      [...times].sort((a, b) => b - a),
      'newest first',
    );
    const first = await events('limit=3');
    assert.equal(first.has_more, true);
    const second = await events(`limit=3&starting_after=${first.data[2]!.id}`);
    assert.deepEqual(
      [...first.data, ...second.data].map((e) => e.id),
      all.data.slice(0, 6).map((e) => e.id),
    );
    const back = await events(`limit=2&ending_before=${second.data[0]!.id}`);
    assert.deepEqual(
      back.data.map((e) => e.id),
      first.data.slice(1).map((e) => e.id),
    );
    const failed = await events('types[]=payout.failed&types[]=charge.dispute.closed');
    assert.deepEqual(failed.data.map((e) => e.type).sort(), ['charge.dispute.closed', 'payout.failed']);
    const payout = failed.data.find((e) => e.type === 'payout.failed')!.data.object;
    assert.equal(payout.status, 'failed');
    assert.match(String(payout.failure_balance_transaction), /^txn_/);
    const wildcard = await events('type=charge.dispute.*');
    assert.ok(wildcard.data.length >= 4 && wildcard.data.every((e) => e.type.startsWith('charge.dispute.')));
    const newest = all.data[0]!.created;
    assert.deepEqual((await events(`created[gt]=${newest}`)).data, []);
  });

  test("an event's data.object is the object as it was then; GET /v1/events/{id} answers the same", async () => {
    const all = await events('limit=100&type=charge.dispute.*');
    const created = all.data.find((e) => e.type === 'charge.dispute.created')!;
    const closed = all.data.find((e) => e.type === 'charge.dispute.closed')!;
    assert.equal(created.data.object.status, 'needs_response');
    assert.equal(closed.data.object.status, 'lost');
    assert.deepEqual((await get(`/v1/events/${closed.id}`)).body, closed);
  });

  test('events older than 30 days are gone, and a cursor on one is resource_missing', async () => {
    const oldest = (await events('limit=100')).data.at(-1)!;
    emu.control.clock.advance(31 * DAY);
    assert.ok(!(await events('limit=100')).data.some((e) => e.id === oldest.id));
    const { status, body } = await get(`/v1/events?starting_after=${oldest.id}`);
    assert.equal(status, 400);
    assert.equal((body.error as Record<string, string>).code, 'resource_missing');
    assert.equal((await get(`/v1/events/${oldest.id}`)).status, 404);
    assert.equal((await get('/v1/events?types[]=a&type=b')).status, 400);
  });

  test('disputes list like the other resources and normalize to a negative, non-money record', async () => {
    const { body } = await get('/v1/disputes?limit=10');
    const [dispute] = (body as unknown as Listed).data;
    assert.equal(dispute?.object, 'dispute');
    assert.equal(dispute?.status, 'lost');
    assert.equal((dispute!.balance_transactions as unknown[]).length, 1, 'a lost dispute is not reinstated');
    const record = normalizeDispute(dispute);
    assert.equal(record.id, `stripe:disputes:${dispute!.id}`);
    assert.equal(record.amount, -(dispute!.amount as number));
    assert.deepEqual([record.moneyMovement, record.kind, record.status], [false, 'adjustment', 'lost']);
    assert.equal(record.currency, String(dispute!.currency).toUpperCase());
  });

  test('the dispute normalizer converts Stripe amount scales and refuses malformed disputes', () => {
    const base = {
      id: 'dp_1',
      object: 'dispute',
      charge: 'ch_1',
      created: T0,
      reason: 'fraudulent',
      status: 'won',
    };
    assert.equal(normalizeDispute({ ...base, amount: 50_000, currency: 'isk' }).amount, -500);
    assert.equal(normalizeDispute({ ...base, amount: 5_000, currency: 'mga' }).amount, -500_000);
    assert.equal(
      normalizeDispute({ ...base, amount: 1_000, currency: 'usd' }).description,
      'Dispute of ch_1 (fraudulent)',
    );
    for (const bad of [
      { ...base, amount: -1, currency: 'usd' },
      { ...base, amount: 1 },
      { ...base, id: '' },
    ]) {
      assert.throws(() => normalizeDispute(bad), InvalidDataError);
    }
  });
});
