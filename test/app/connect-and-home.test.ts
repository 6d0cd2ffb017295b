import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { EMULATOR_SECRET_KEY } from '../../connectors/stripe/emulator.ts';
import {
  sendEvent,
  sendSlashCommand,
  sendViewSubmission,
  stateValue,
} from '../../src/sandbox/slack-requests.ts';
import { ADMIN, type Harness, MEMBER, startHarness } from '../helpers/app-harness.ts';
import { checkBlockKit } from '../helpers/block-kit.ts';

let h: Harness;

function connectSubmission(name: string, apiKey: string, userId = ADMIN) {
  return sendViewSubmission(h.target, {
    callbackId: 'connect_submit',
    userId,
    privateMetadata: JSON.stringify({ provider: 'stripe', channelId: 'C0GENERAL' }),
    values: {
      connection_name: { value: stateValue.text(name) },
      cred_api_key: { value: stateValue.text(apiKey) },
      cred_webhook_secret: { value: stateValue.text(null) },
      cred_backfill_from: { value: stateValue.text(null) },
    },
  });
}

function everythingWritten(): string {
  const files = readdirSync(h.dataDir).map((f) => readFileSync(join(h.dataDir, f)).toString('latin1'));
  return [...files, ...h.logLines, JSON.stringify(h.slack.calls), JSON.stringify(h.slack.responses)].join(
    '\n',
  );
}

describe('connect, disconnect and the Home tab', () => {
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h.close();
  });

  test('connect opens a modal built from the connector fields', async () => {
    const reply = await sendSlashCommand(h.target, { text: 'connect stripe', userId: ADMIN });
    assert.equal(reply.status, 200);
    const call = await h.slack.waitForCall('views.open');
    const view = call.args['view'] as { callback_id: string; blocks: { block_id?: string }[] };
    assert.equal(view.callback_id, 'connect_submit');
    assert.ok(view.blocks.some((b) => b.block_id === 'cred_api_key'));
    assert.deepEqual(checkBlockKit(view as never, 'modal'), []);
  });

  test('a rejected key keeps the modal open with the provider reason and stores nothing', async () => {
    const bad = 'sk_test_51RejectedKeyThatStripeDoesNotKnow';
    const reply = await connectSubmission('stripe', bad);
    const body = reply.body as { response_action: string; errors: Record<string, string> };
    assert.equal(body.response_action, 'errors');
    assert.match(body.errors['cred_api_key'] ?? '', /Stripe said/);
    assert.equal((await h.app.store.listConnections()).length, 0);
    assert.ok(!everythingWritten().includes(bad), 'the rejected key appears nowhere');
  });

  test('good credentials store an encrypted connection; the key appears in no file, log or Slack call', async () => {
    const reply = await connectSubmission('stripe', EMULATOR_SECRET_KEY);
    const body = reply.body as { response_action: string; view: { blocks: unknown[] } };
    assert.equal(body.response_action, 'update');
    assert.match(JSON.stringify(body.view.blocks), /Connected/);
    const [connection] = await h.app.store.listConnections();
    assert.equal(connection?.name, 'stripe');
    assert.equal(connection?.credentials.v, 1);
    assert.ok(!everythingWritten().includes(EMULATOR_SECRET_KEY));
  });

  test('a second connection of the same provider is proposed as stripe-2; a taken name is refused in the form', async () => {
    assert.equal(await h.app.finsync.proposeName('stripe'), 'stripe-2');
    const reply = await connectSubmission('stripe', EMULATOR_SECRET_KEY);
    const body = reply.body as { response_action: string; errors: Record<string, string> };
    assert.equal(body.response_action, 'errors');
    assert.match(body.errors['connection_name'] ?? '', /already exists/);
  });

  test('the Home tab is published on open, with admin buttons only for admins', async () => {
    const since = Date.now();
    await sendEvent(h.target, { type: 'app_home_opened', user: ADMIN, channel: 'D0ADMIN', tab: 'home' });
    const adminHome = (
      await h.slack.waitForCall('views.publish', (c) => c.args['user_id'] === ADMIN && c.at >= since)
    ).args['view'] as { blocks: unknown[] };
    assert.deepEqual(checkBlockKit(adminHome as never, 'home'), []);
    assert.match(JSON.stringify(adminHome), /home_sync/);
    await sendEvent(h.target, { type: 'app_home_opened', user: MEMBER, channel: 'D0MEMBER', tab: 'home' });
    const memberHome = (await h.slack.waitForCall('views.publish', (c) => c.args['user_id'] === MEMBER)).args[
      'view'
    ];
    assert.doesNotMatch(JSON.stringify(memberHome), /home_sync|home_connect|home_disconnect/);
    assert.match(JSON.stringify(memberHome), /stripe/);
  });

  test('disconnect asks for confirmation, then keeps records unless told otherwise', async () => {
    await sendSlashCommand(h.target, { text: 'disconnect stripe', userId: ADMIN });
    const modal = await h.slack.waitForCall(
      'views.open',
      (c) => (c.args['view'] as { callback_id?: string }).callback_id === 'disconnect_submit',
    );
    assert.match(JSON.stringify(modal.args['view']), /Also delete synced records/);
    const reply = await sendViewSubmission(h.target, {
      callbackId: 'disconnect_submit',
      userId: ADMIN,
      privateMetadata: JSON.stringify({ connection: 'stripe', channelId: null }),
      values: { delete_records: { value: stateValue.checkboxes([]) } },
    });
    assert.match(JSON.stringify(reply.body), /Disconnected \*stripe\*. Its synced records were kept/);
    assert.equal((await h.app.store.listConnections()).length, 0);
    const audit = await h.app.store.listAudit(10);
    assert.ok(audit.some((e) => e.action === 'disconnect' && e.outcome === 'ok' && e.actor === ADMIN));
  });

  test('/healthz says the store is reachable', async () => {
    const response = await fetch(`${h.target.url}/healthz`);
    assert.equal(response.status, 200);
    assert.equal(((await response.json()) as { ok: boolean }).ok, true);
  });
});
