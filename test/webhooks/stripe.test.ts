import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Stripe from 'stripe';
import { EMULATOR_SECRET_KEY } from '../../connectors/stripe/emulator.ts';
import { ADMIN, type Harness } from '../helpers/app-harness.ts';
import {
  assertNotLogged,
  pendingWebhookJobs,
  postWebhook,
  recordIds,
  runsOf,
  settle,
  startWebhookHarness,
  webhookWarnings,
} from './helpers.ts';

const SECRET = 'whsec_finsyncWebhookTestSecret0001';
const OTHER_SECRET = 'whsec_someoneElsesEndpointSecret01';
let h: Harness;
let account: string;
let n = 0;

function stripeEvent(type = 'charge.succeeded', extra: Record<string, unknown> = {}) {
  const id = `evt_test_${++n}_${Date.now()}`;
  const payload = JSON.stringify({
    id,
    object: 'event',
    api_version: '2025-01-27',
    created: Math.floor(Date.now() / 1000),
    type,
    livemode: false,
    data: { object: { id: `ch_${n}`, object: 'charge', description: `BODY-MARKER-${n}` } },
    ...extra,
  });
  return { id, payload };
}

function signed(payload: string, secret = SECRET, timestamp?: number): Record<string, string> {
  return {
    'stripe-signature': Stripe.webhooks.generateTestHeaderString({
      payload,
      secret,
      ...(timestamp === undefined ? {} : { timestamp }),
    }),
  };
}

/** The ids of new balance transactions are in the ledger of `stripe`. */
async function assertSynced(ids: readonly string[]): Promise<void> {
  const stored = [...(await recordIds(h, 'stripe'))];
  for (const id of ids)
    assert.ok(
      stored.some((r) => r.endsWith(`:${id}`)),
      `${id} was synced`,
    );
}

describe('POST /webhooks/stripe', () => {
  before(async () => {
    h = await startWebhookHarness();
    const connection = await h.app.finsync.connect({
      provider: 'stripe',
      name: 'stripe',
      input: { api_key: EMULATOR_SECRET_KEY, webhook_secret: SECRET },
      actor: ADMIN,
    });
    account = connection.accountId!;
    await h.app.core.engine.run({ connection: 'stripe', trigger: 'manual', triggeredBy: ADMIN });
  });
  after(async () => {
    await h.close();
  });

  test('a signed event queues a debounced incremental sync, recorded with trigger webhook, that brings in new objects', async () => {
    const added = h.stripe.control.addObjects(3);
    const { payload } = stripeEvent('balance.available');
    const answer = await postWebhook(h, 'stripe', payload, signed(payload));
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.body, { ok: true });
    assert.equal((await pendingWebhookJobs(h, 'stripe')).length, 1, 'a debounced job waits');
    await settle(h, 'stripe');
    const [run] = await runsOf(h, 'stripe', 'webhook');
    assert.equal(run?.status, 'success');
    assert.equal(run?.triggeredBy, null);
    await assertSynced(added);
  });

  test('forged, stale, unsigned, unparseable and oversized deliveries are refused, logged once without secrets, and queue nothing', async () => {
    const from = h.logLines.length;
    const runsBefore = (await runsOf(h, 'stripe')).length;
    const forged = stripeEvent();
    const stale = stripeEvent();
    const old = Math.floor(Date.now() / 1000) - 301;
    const notJson = 'BODY-MARKER-not-json {';
    const cases: [string, string | Buffer, Record<string, string>, number, string][] = [
      ['forged', forged.payload, signed(forged.payload, OTHER_SECRET), 401, 'forged'],
      [
        'tampered',
        forged.payload.replace('BODY-MARKER', 'BODY-MARKEX'),
        signed(forged.payload),
        401,
        'forged',
      ],
      ['stale', stale.payload, signed(stale.payload, SECRET, old), 401, 'stale'],
      ['unsigned', stale.payload, {}, 401, 'missing_signature'],
      ['not JSON', notJson, signed(notJson), 400, 'invalid_body'],
      ['oversized', Buffer.alloc(1024 * 1024 + 1, 0x20), signed('x'), 413, 'too_large'],
    ];
    for (const [name, body, headers, status, reason] of cases) {
      const answer = await postWebhook(h, 'stripe', body, headers);
      assert.equal(answer.status, status, name);
      assert.equal(answer.body['error'], reason, name);
    }
    assert.deepEqual(await pendingWebhookJobs(h, 'stripe'), [], 'nothing queued');
    assert.deepEqual(
      webhookWarnings(h, from).map((l) => l['reason']),
      cases.map((c) => c[4]),
      'one warn line per refusal',
    );
    const signatures = cases.flatMap(([, , headers]) => Object.values(headers));
    assertNotLogged(h, from, [SECRET, OTHER_SECRET, 'BODY-MARKER', ...signatures.map((s) => s.slice(-40))]);
    assert.equal((await runsOf(h, 'stripe')).length, runsBefore);
  });

  test('a replayed event is answered 200 but queues nothing; a new event does', async () => {
    const { id, payload } = stripeEvent('payout.paid');
    const headers = signed(payload);
    assert.equal((await postWebhook(h, 'stripe', payload, headers)).status, 200);
    await settle(h, 'stripe');
    const runsBefore = (await runsOf(h, 'stripe')).length;
    const from = h.logLines.length;
    const replay = await postWebhook(h, 'stripe', payload, headers);
    assert.equal(replay.status, 200);
    assert.deepEqual(replay.body, { ok: true, duplicate: true });
    // The same event re-signed (as Stripe does on each delivery attempt) is the same event.
    const resent = await postWebhook(h, 'stripe', payload, signed(payload));
    assert.deepEqual(resent.body, { ok: true, duplicate: true });
    assert.deepEqual(await pendingWebhookJobs(h, 'stripe'), []);
    const warnings = webhookWarnings(h, from);
    assert.deepEqual(
      warnings.map((w) => [w['reason'], w['eventId']]),
      [
        ['replayed', id],
        ['replayed', id],
      ],
    );
    const fresh = stripeEvent('payout.paid');
    assert.equal((await postWebhook(h, 'stripe', fresh.payload, signed(fresh.payload))).status, 200);
    assert.equal((await pendingWebhookJobs(h, 'stripe')).length, 1);
    await settle(h, 'stripe');
    assert.equal((await runsOf(h, 'stripe')).length, runsBefore + 1);
  });

  test("a Connect event for an account that is not this connection's is refused as unknown; its own account syncs", async () => {
    const foreign = stripeEvent('charge.succeeded', { account: 'acct_1NotOursAtAll0000' });
    const from = h.logLines.length;
    const refused = await postWebhook(h, 'stripe', foreign.payload, signed(foreign.payload));
    assert.equal(refused.status, 400);
    assert.equal(refused.body['error'], 'unknown_account');
    assert.equal(webhookWarnings(h, from)[0]?.['account'], 'acct_1NotOursAtAll0000');
    assert.deepEqual(await pendingWebhookJobs(h, 'stripe'), []);
    const own = stripeEvent('charge.refunded', { account });
    assert.equal((await postWebhook(h, 'stripe', own.payload, signed(own.payload))).status, 200);
    assert.equal((await pendingWebhookJobs(h, 'stripe')).length, 1);
    await settle(h, 'stripe');
  });

  test('events about objects finsync does not sync are acknowledged and ignored', async () => {
    for (const type of ['invoice.created', 'product.updated', 'account.updated']) {
      const { payload } = stripeEvent(type);
      const answer = await postWebhook(h, 'stripe', payload, signed(payload));
      assert.deepEqual([answer.status, answer.body], [200, { ok: true, ignored: true }], type);
    }
    assert.deepEqual(await pendingWebhookJobs(h, 'stripe'), []);
  });

  test('a burst of 100 events makes one or two runs with trigger webhook, and every new object is synced', async () => {
    const before = (await runsOf(h, 'stripe', 'webhook')).length;
    const added = h.stripe.control.addObjects(5);
    const types = [
      'charge.succeeded',
      'balance.available',
      'payout.created',
      'refund.created',
      'customer.updated',
    ];
    const answers: { status: number; ms: number }[] = [];
    for (let batch = 0; batch < 5; batch++) {
      const events = Array.from({ length: 20 }, (_, i) => stripeEvent(types[i % types.length]));
      answers.push(
        ...(await Promise.all(events.map((e) => postWebhook(h, 'stripe', e.payload, signed(e.payload))))),
      );
    }
    assert.ok(
      answers.every((a) => a.status === 200),
      'every event accepted',
    );
    assert.ok(Math.max(...answers.map((a) => a.ms)) < 2_000, 'answered fast');
    await settle(h, 'stripe');
    const runs = (await runsOf(h, 'stripe', 'webhook')).length - before;
    assert.ok(runs >= 1 && runs <= 2, `one or two runs, not ${runs}`);
    await assertSynced(added);
  });

  // Last: it moves the emulator's clock two days ahead of the app's.
  test("Stripe's own payout.paid event, signed and delivered, updates the synced payout's status in the ledger", async () => {
    const payout = h.stripe.control.addPayout({ outcome: 'paid', settlesAfterSeconds: 2 * 86_400 });
    await h.app.core.engine.run({ connection: 'stripe', trigger: 'manual', triggeredBy: ADMIN });
    const id = `stripe:payouts:${payout}`;
    assert.equal((await payoutRecord(id))?.status, 'pending');

    h.stripe.control.clock.advance(2 * 86_400 + 60);
    const event = h.stripe.control
      .events()
      .find((e) => e.type === 'payout.paid' && (e.data as { object: { id: string } }).object.id === payout);
    assert.ok(event, 'the emulator recorded payout.paid');
    const payload = JSON.stringify(event);
    const answer = await postWebhook(h, 'stripe', payload, signed(payload));
    assert.deepEqual([answer.status, answer.body], [200, { ok: true }]);
    await settle(h, 'stripe');
    const [run] = await runsOf(h, 'stripe', 'webhook');
    assert.equal(run?.status, 'success', run?.errorMessage ?? '');
    assert.equal((await payoutRecord(id))?.status, 'paid');
    assert.ok((run?.streams.events?.updated ?? 0) >= 1, 'the update is counted');
  });
});

async function payoutRecord(id: string) {
  for await (const record of h.app.store.iterateRecords({ connection: 'stripe' }))
    if (record.id === id) return record;
  return undefined;
}
