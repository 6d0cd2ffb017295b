import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ADMIN, connectQuickBooks, type Harness } from '../helpers/app-harness.ts';
import {
  assertNotLogged,
  logLinesSince,
  pendingWebhookJobs,
  postStreamed,
  postWebhook,
  recordIds,
  runsOf,
  settle,
  startWebhookHarness,
  waitFor,
  webhookWarnings,
} from './helpers.ts';

const VERIFIER = 'finsync-webhook-verifier-7f3a';
const REALM = '9341453050298464';
const SPECS = fileURLToPath(new URL('../../../shared/specs/quickbooks/webhooks/', import.meta.url));
const VECTORS = `${SPECS}intuit_signature_test_vector.json`;
const noVectors = existsSync(VECTORS)
  ? false
  : `Intuit's webhook test vectors are not at ${VECTORS} (../shared is absent): skipped`;

let h: Harness;
let entityId = 3000;

function notification(entities: readonly [name: string, id: string][], realm = REALM): string {
  return JSON.stringify({
    eventNotifications: [
      {
        realmId: realm,
        dataChangeEvent: {
          entities: entities.map(([name, id]) => ({
            name,
            id,
            operation: 'Update',
            lastUpdated: new Date().toISOString(),
          })),
        },
      },
    ],
  });
}

const intuitSignature = (body: string | Buffer, token = VERIFIER) =>
  createHmac('sha256', token).update(body).digest('base64');
const signed = (body: string | Buffer, token = VERIFIER) => ({
  'intuit-signature': intuitSignature(body, token),
});

function newInvoice(): string {
  return String(h.quickbooks.control.create('Invoice')['Id']);
}

async function assertSynced(invoiceIds: readonly string[]): Promise<void> {
  const stored = await recordIds(h, 'quickbooks');
  for (const id of invoiceIds) assert.ok(stored.has(`quickbooks:invoices:${id}`), `invoice ${id} was synced`);
}

describe('POST /webhooks/quickbooks', () => {
  before(async () => {
    h = await startWebhookHarness({ env: { QUICKBOOKS_WEBHOOK_VERIFIER: VERIFIER } });
    await connectQuickBooks(h, REALM);
    await h.app.core.engine.run({ connection: 'quickbooks', trigger: 'manual', triggeredBy: ADMIN });
  });
  after(async () => {
    await h.close();
  });

  test('a self-made vector verifies; the notification queues a debounced CDC sync that brings in the change', async () => {
    const body =
      '{"eventNotifications":[{"realmId":"9341453050298464","dataChangeEvent":{"entities":[' +
      '{"name":"Invoice","id":"2001","operation":"Create","lastUpdated":"2026-01-31T09:00:00.000Z"}]}}]}';
    // Computed independently with Python's hmac module.
    assert.equal(intuitSignature(body), 'DIPD3ZNmfRineK5o+ZHVZatXRP6qzFJedWQwWdjqkvQ=');
    const invoice = newInvoice();
    const answer = await postWebhook(h, 'quickbooks', body, {
      'intuit-signature': 'DIPD3ZNmfRineK5o+ZHVZatXRP6qzFJedWQwWdjqkvQ=',
    });
    assert.deepEqual([answer.status, answer.body], [200, { ok: true }]);
    assert.equal((await pendingWebhookJobs(h, 'quickbooks')).length, 1);
    await settle(h, 'quickbooks');
    const [run] = await runsOf(h, 'quickbooks', 'webhook');
    assert.equal(run?.status, 'success');
    await assertSynced([invoice]);
  });

  test('forged, unsigned, unparseable and oversized deliveries are refused, logged once without secrets, and queue nothing', async () => {
    const from = h.logLines.length;
    const body = notification([['Invoice', 'BODY-MARKER-1']]);
    const cases: [string, string | Buffer, Record<string, string>, number, string][] = [
      ['signed with another token', body, signed(body, 'not-the-verifier'), 401, 'forged'],
      ['altered after signing', body.replace('Update', 'Delete'), signed(body), 401, 'forged'],
      ['unsigned', body, {}, 401, 'missing_signature'],
      ['not a notification', '{"BODY-MARKER":1}', signed('{"BODY-MARKER":1}'), 400, 'invalid_body'],
      ['oversized', Buffer.alloc(1024 * 1024 + 1, 0x20), signed('x'), 413, 'too_large'],
    ];
    for (const [name, sent, headers, status, reason] of cases) {
      const answer = await postWebhook(h, 'quickbooks', sent, headers);
      assert.deepEqual([answer.status, answer.body['error']], [status, reason], name);
    }
    assert.equal(await postStreamed(h, 'quickbooks', 4 * 1024 * 1024), 413, 'a chunked body is cut off too');
    assert.deepEqual(await pendingWebhookJobs(h, 'quickbooks'), []);
    assert.deepEqual(
      webhookWarnings(h, from).map((w) => w['reason']),
      [...cases.map((c) => c[4]), 'too_large'],
    );
    assertNotLogged(h, from, [VERIFIER, intuitSignature(body), 'BODY-MARKER']);
  });

  test('Intuit signs no timestamp: an old payload seen within 10 minutes is a replay (200, nothing queued)', async () => {
    const body = notification([['Payment', String(++entityId)]]);
    assert.equal((await postWebhook(h, 'quickbooks', body, signed(body))).status, 200);
    await settle(h, 'quickbooks');
    const from = h.logLines.length;
    const replay = await postWebhook(h, 'quickbooks', body, signed(body));
    assert.deepEqual([replay.status, replay.body], [200, { ok: true, duplicate: true }]);
    assert.deepEqual(await pendingWebhookJobs(h, 'quickbooks'), []);
    assert.deepEqual(
      webhookWarnings(h, from).map((w) => [w['reason'], w['realms']]),
      [['replayed', REALM]],
    );
  });

  test('an unknown realm is refused; changes to entities finsync does not sync are acknowledged and ignored', async () => {
    const foreign = notification([['Invoice', '1']], '1234567890');
    const refused = await postWebhook(h, 'quickbooks', foreign, signed(foreign));
    assert.deepEqual([refused.status, refused.body['error']], [400, 'unknown_account']);
    const vendor = notification([['Vendor', String(++entityId)]]);
    const ignored = await postWebhook(h, 'quickbooks', vendor, signed(vendor));
    assert.deepEqual([ignored.status, ignored.body], [200, { ok: true, ignored: true }]);
    assert.deepEqual(await pendingWebhookJobs(h, 'quickbooks'), []);
  });

  test('a change announced while a run is reading gets a follow-up run; the answer does not wait on QuickBooks', async () => {
    const before = (await runsOf(h, 'quickbooks', 'webhook')).length;
    const release = h.quickbooks.control.holdAnswers();
    try {
      const first = notification([['Invoice', String(++entityId)]]);
      assert.equal((await postWebhook(h, 'quickbooks', first, signed(first))).status, 200);
      await waitFor(
        'the webhook run to start',
        () => h.app.core.engine.activeRun('quickbooks') !== undefined,
      );
      const late = newInvoice();
      const second = notification([['Invoice', late]]);
      const answer = await postWebhook(h, 'quickbooks', second, signed(second));
      assert.equal(answer.status, 200);
      assert.ok(answer.ms < 3_000, 'answered within 3 s while QuickBooks is held');
      assert.equal(
        (await pendingWebhookJobs(h, 'quickbooks')).length,
        1,
        'a new job, not folded into the running one',
      );
      release();
      await settle(h, 'quickbooks');
      assert.equal((await runsOf(h, 'quickbooks', 'webhook')).length, before + 2);
      await assertSynced([late]);
    } finally {
      release();
    }
  });

  test('a webhook during a manual run is not dropped: its run follows the manual one', async () => {
    const release = h.quickbooks.control.holdAnswers();
    try {
      await h.app.finsync.syncNow({
        target: 'quickbooks',
        trigger: 'manual',
        actor: ADMIN,
        notify: { kind: 'none' },
      });
      await waitFor(
        'the manual run to start',
        () => h.app.core.engine.activeRun('quickbooks')?.trigger === 'manual',
      );
      const invoice = newInvoice();
      const body = notification([['Invoice', invoice]]);
      assert.equal((await postWebhook(h, 'quickbooks', body, signed(body))).status, 200);
      const from = h.logLines.length;
      // The debounced job comes due while the manual run still holds the connection, and is queued again.
      await waitFor('the webhook job to meet the active run', () =>
        logLinesSince(h, from).some((l) => l.message === 'sync job not run: already running'),
      );
      release();
      await settle(h, 'quickbooks');
      const [webhook, manual] = await h.app.store.listRuns('quickbooks', 2);
      assert.equal(manual?.trigger, 'manual');
      assert.equal(webhook?.trigger, 'webhook');
      assert.ok(webhook!.startedAt >= manual!.endedAt!, 'the webhook run started after the manual one ended');
      await assertSynced([invoice]);
    } finally {
      release();
    }
  });
});

describe('QuickBooks webhooks with other verifier tokens', () => {
  test('without QUICKBOOKS_WEBHOOK_VERIFIER every delivery is refused with 401, logged once', async () => {
    const world = await startWebhookHarness();
    try {
      const body = notification([['Invoice', '1']]);
      for (let i = 0; i < 3; i++) {
        const answer = await postWebhook(world, 'quickbooks', body, signed(body));
        assert.deepEqual([answer.status, answer.body['error']], [401, 'not_configured']);
      }
      const lines = logLinesSince(world, 0).filter((l) =>
        /QUICKBOOKS_WEBHOOK_VERIFIER is not set/.test(l.message),
      );
      assert.equal(lines.length, 1);
    } finally {
      await world.close();
    }
  });

  test("Intuit's official signature vectors are accepted byte for byte, and refused with one byte changed", {
    skip: noVectors,
  }, async () => {
    const { vectors } = JSON.parse(readFileSync(VECTORS, 'utf8')) as {
      vectors: { verifier_token: string; payload_file: string; intuit_signature: string }[];
    };
    assert.equal(vectors.length, 2);
    for (const vector of vectors) {
      const body = readFileSync(`${SPECS}${vector.payload_file.split(' ')[0]}`);
      const realm = (JSON.parse(body.toString('utf8')) as { eventNotifications: { realmId: string }[] })
        .eventNotifications[0]!.realmId;
      const world = await startWebhookHarness({
        env: { QUICKBOOKS_WEBHOOK_VERIFIER: vector.verifier_token },
      });
      try {
        await connectQuickBooks(world, REALM);
        // The vector's company stands in for the emulated one (the sync itself reads the emulator's realm).
        await world.app.store.updateConnection('quickbooks', { accountId: realm });
        const headers = { 'intuit-signature': vector.intuit_signature };
        const changed = Buffer.concat([body, Buffer.from(' ')]);
        const refused = await postWebhook(world, 'quickbooks', changed, headers);
        assert.equal(refused.status, 401, vector.payload_file);
        const accepted = await postWebhook(world, 'quickbooks', body, headers);
        assert.deepEqual([accepted.status, accepted.body], [200, { ok: true }], vector.payload_file);
        assert.equal((await pendingWebhookJobs(world, 'quickbooks')).length, 1);
      } finally {
        await world.close();
      }
    }
  });
});
