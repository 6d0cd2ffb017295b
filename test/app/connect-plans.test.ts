import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createSandboxPublicToken } from '../../connectors/plaid/connector.ts';
import { EMULATOR_SECRET_KEY } from '../../connectors/stripe/emulator.ts';
import { PICKER_CALLBACK } from '../../src/messages/connect.ts';
import { sendBlockAction, sendViewSubmission, stateValue } from '../../src/sandbox/slack-requests.ts';
import { ADMIN, type Harness, startHarness } from '../helpers/app-harness.ts';
import { checkBlockKit } from '../helpers/block-kit.ts';

let h: Harness;

interface Button {
  type: string;
  text?: { text: string };
  url?: string;
}
interface ModalBody {
  response_action: string;
  view?: { blocks: { type: string; elements?: Button[] }[] };
  errors?: Record<string, string>;
}

/** What Slack does when an admin clicks "Connect a System" on Home and picks `provider`: the picker's answer. */
async function pickFromHome(provider: string): Promise<ModalBody> {
  const opened = h.slack.callsTo('views.open').length;
  const click = await sendBlockAction(h.target, {
    actionId: 'home_connect',
    value: 'connect',
    userId: ADMIN,
    view: { id: 'VHOMEADMIN', type: 'home' },
  });
  assert.equal(click.status, 200);
  const picker = h.slack.callsTo('views.open').slice(opened).at(-1);
  assert.ok(picker?.viewId, 'the picker was opened');
  assert.equal((picker.args['view'] as { callback_id?: string }).callback_id, PICKER_CALLBACK);
  const reply = await sendViewSubmission(h.target, {
    callbackId: PICKER_CALLBACK,
    userId: ADMIN,
    viewId: picker.viewId,
    values: { provider: { value: stateValue.select(provider, provider) } },
  });
  assert.equal(reply.status, 200);
  return reply.body as ModalBody;
}

function buttons(body: ModalBody): Button[] {
  return (body.view?.blocks ?? []).flatMap((b) => (b.type === 'actions' ? (b.elements ?? []) : []));
}

function stripeSubmission(values: { apiKey: string; webhookSecret?: string; backfillFrom?: string }) {
  return sendViewSubmission(h.target, {
    callbackId: 'connect_submit',
    userId: ADMIN,
    privateMetadata: JSON.stringify({ provider: 'stripe', channelId: null }),
    values: {
      connection_name: { value: stateValue.text('stripe') },
      cred_api_key: { value: stateValue.text(values.apiKey) },
      cred_webhook_secret: { value: stateValue.text(values.webhookSecret ?? null) },
      cred_backfill_from: { value: stateValue.text(values.backfillFrom ?? null) },
    },
  });
}

describe('the Home picker renders the same connect plan as /finsync connect', () => {
  before(async () => {
    h = await startHarness({ emulators: { stripe: { count: 20 } } });
  });
  after(async () => {
    await h.close();
  });

  test('Plaid picked on Home shows the Open Plaid Link button; its page answers and its result updates the modal', async () => {
    const body = await pickFromHome('plaid');
    assert.equal(body.response_action, 'update');
    assert.deepEqual(checkBlockKit(body.view as never, 'modal'), []);
    const link = buttons(body).find((b) => b.text?.text === 'Open Plaid Link');
    assert.ok(link?.url, JSON.stringify(body.view));
    // The button points at FINSYNC_PUBLIC_URL; the test reaches the same app where it listens.
    const url = new URL(link.url);
    assert.equal(url.pathname, '/plaid/link');
    const page = await fetch(`${h.target.url}${url.pathname}${url.search}`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /linkToken/);

    // What Plaid Link's page posts when the bank is linked: the picker's modal (same view id) is updated.
    const state = url.searchParams.get('state')!;
    const publicToken = await createSandboxPublicToken(h.app.config.providers.plaid);
    const done = await fetch(`${h.target.url}/plaid/link/complete`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ public_token: publicToken, state }),
    });
    assert.equal(done.status, 200, await done.clone().text());
    const update = await h.slack.waitForCall('views.update', (c) =>
      /Connected Plaid as `plaid`/.test(JSON.stringify(c.args['view'])),
    );
    assert.equal(update.ok, true, 'the picker modal itself was updated');
    assert.equal((await h.app.store.getConnection('plaid'))?.provider, 'plaid');
  });

  test('QuickBooks picked on Home shows the Sign in to Intuit button to its consent page', async () => {
    const body = await pickFromHome('quickbooks');
    assert.deepEqual(checkBlockKit(body.view as never, 'modal'), []);
    const signIn = buttons(body).find((b) => b.text?.text === 'Sign in to Intuit');
    assert.ok(signIn?.url, JSON.stringify(body.view));
    const consent = new URL(signIn.url);
    assert.ok(consent.searchParams.get('state'));
    assert.match(consent.searchParams.get('redirect_uri') ?? '', /\/oauth\/quickbooks\/callback$/);
  });
});

describe('a connect form shows every error under the field it is about', () => {
  before(async () => {
    h = await startHarness({ emulators: { stripe: { count: 20 } } });
  });
  after(async () => {
    await h.close();
  });

  test('a malformed Stripe key is shown under the key, not the connection name', async () => {
    const body = (await stripeSubmission({ apiKey: 'hunter2' })).body as ModalBody;
    assert.equal(body.response_action, 'errors');
    assert.deepEqual(Object.keys(body.errors ?? {}), ['cred_api_key']);
    assert.match(body.errors?.['cred_api_key'] ?? '', /does not look like a Stripe secret/);
  });

  test('a bad webhook secret and a bad backfill date are shown under their own fields', async () => {
    const secret = (await stripeSubmission({ apiKey: EMULATOR_SECRET_KEY, webhookSecret: 'abc' }))
      .body as ModalBody;
    assert.deepEqual(Object.keys(secret.errors ?? {}), ['cred_webhook_secret']);
    const date = (await stripeSubmission({ apiKey: EMULATOR_SECRET_KEY, backfillFrom: 'last tuesday' }))
      .body as ModalBody;
    assert.deepEqual(Object.keys(date.errors ?? {}), ['cred_backfill_from']);
    assert.equal((await h.app.store.listConnections()).length, 0);
  });

  test('a live or restricted key Stripe does not know is asked of Stripe and its refusal shown under the key', async () => {
    const body = (await stripeSubmission({ apiKey: 'rk_live_51Unknown-Key.Of_Any_Shape' })).body as ModalBody;
    assert.deepEqual(Object.keys(body.errors ?? {}), ['cred_api_key']);
    assert.match(body.errors?.['cred_api_key'] ?? '', /Stripe said: Invalid API Key provided/);
  });
});
