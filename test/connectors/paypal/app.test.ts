/**
 * PayPal through the real app: connect by the Slack form over signed HTTP (PayPal's reasons shown in the
 * form), a sync to the exact record set, webhooks verified with PayPal's verify call (forged ones refused),
 * reconnect in place by form, and the balance in /finsync cash.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sendSlashCommand, sendViewSubmission, stateValue } from '../../../src/sandbox/slack-requests.ts';
import { ADMIN, type Harness, syncNowAndWait } from '../../helpers/app-harness.ts';
import {
  pendingWebhookJobs,
  postWebhook,
  runsOf,
  settle,
  startWebhookHarness,
  webhookWarnings,
} from '../../webhooks/helpers.ts';
import { expectedLines, storedLines } from './expected.ts';

let h: Harness;
const ALERTS = 'C0ALERTS1';

function submit(secret: string, metadata: Record<string, string> = { provider: 'paypal' }, name?: string) {
  return sendViewSubmission(h.target, {
    callbackId: 'connect_submit',
    userId: ADMIN,
    privateMetadata: JSON.stringify({ channelId: null, ...metadata }),
    values: {
      ...(name ? { connection_name: { value: stateValue.text(name) } } : {}),
      cred_client_id: { value: stateValue.text(h.paypal.clientId) },
      cred_client_secret: { value: stateValue.text(secret) },
      cred_webhook_id: { value: stateValue.text(h.paypal.control.webhookId) },
      cred_history_from: { value: stateValue.text(null) },
    },
  });
}

type Answer = { response_action: string; errors?: Record<string, string> };

async function stored(): Promise<string[]> {
  const records = [];
  for await (const record of h.app.store.iterateRecords({ connection: 'paypal' })) records.push(record);
  return storedLines(records);
}

const event = (id: string, type = 'PAYMENT.CAPTURE.COMPLETED') => ({
  id,
  event_version: '1.0',
  create_time: new Date().toISOString(),
  resource_type: 'capture',
  event_type: type,
  summary: 'Payment completed',
  resource: { id: '2GG279541U471931P', status: 'COMPLETED' },
});

describe('PayPal in the app', () => {
  before(async () => {
    h = await startWebhookHarness({
      env: { FINSYNC_ALERT_CHANNEL: ALERTS },
      emulators: { paypal: { count: 60 } },
    });
    h.slack.setChannel(ALERTS, { name: 'finance-alerts', isMember: true });
  });
  after(async () => {
    await h.close();
  });

  test("connect through the Slack form: a refused secret and a missing permission show PayPal's reason; good ones connect", async () => {
    await sendSlashCommand(h.target, { text: 'connect paypal', userId: ADMIN });
    const opened = await h.slack.waitForCall('views.open');
    const view = JSON.stringify(opened.args['view']);
    for (const field of ['cred_client_id', 'cred_client_secret', 'cred_webhook_id', 'cred_history_from']) {
      assert.match(view, new RegExp(field));
    }
    const refused = (await submit('not-the-secret', undefined, 'paypal')).body as Answer;
    assert.equal(refused.response_action, 'errors');
    assert.match(
      Object.values(refused.errors ?? {}).join(' '),
      /invalid_client: Client Authentication failed/,
    );

    h.paypal.control.setTransactionSearch(false);
    const noPermission = (await submit(h.paypal.clientSecret, undefined, 'paypal')).body as Answer;
    h.paypal.control.setTransactionSearch(true);
    assert.equal(noPermission.response_action, 'errors');
    const reason = Object.values(noPermission.errors ?? {}).join(' ');
    assert.match(reason, /NOT_AUTHORIZED/);
    assert.match(reason, /hours/);
    assert.doesNotMatch(reason, new RegExp(h.paypal.clientSecret));

    const good = (await submit(h.paypal.clientSecret, undefined, 'paypal')).body as Answer;
    assert.equal(good.response_action, 'update');
    const connection = await h.app.store.getConnection('paypal');
    assert.equal(connection?.accountId, h.paypal.control.accountId);
    assert.match(connection?.accountLabel ?? '', /F5SYNCEMUL7QK/);
  });

  test('a sync stores exactly the rows PayPal shows: money with fees, the shared-id pair, JPY and TND', async () => {
    const run = await h.app.core.engine.run({ connection: 'paypal', trigger: 'manual', triggeredBy: ADMIN });
    assert.equal(run.status, 'success', run.errorMessage ?? '');
    const now = Date.now();
    assert.deepEqual(await stored(), expectedLines(h.paypal.control.ledger, now));
    const lines = await stored();
    assert.ok(
      lines.some((l) => / JPY /.test(l)) && lines.some((l) => / TND /.test(l)),
      'JPY and TND rows exist',
    );
    assert.ok(
      lines.some((l) => /:N /.test(l)),
      'a non-balance-affecting row exists',
    );
  });

  test('a verified webhook queues one debounced sync that brings in the new payment', async () => {
    const row = h.paypal.control.addRow({
      amount: 4_200,
      fee: -152,
      initiatedAt: Date.now() - 60_000,
      subject: 'Webhook order',
    });
    const delivery = h.paypal.control.signWebhook(event('WH-1AB23456CD789012E-3J541231KL4567890'));
    const answer = await postWebhook(h, 'paypal', delivery.body, delivery.headers);
    assert.deepEqual([answer.status, answer.body], [200, { ok: true }]);
    await settle(h, 'paypal');
    const [run] = await runsOf(h, 'paypal', 'webhook');
    assert.equal(run?.status, 'success');
    assert.ok(
      (await stored()).some((l) => l.startsWith(`paypal:transactions:${row.transactionId}:T0006:B 4200 USD`)),
    );
  });

  test('forged deliveries are refused (401) and queue nothing: wrong signature, altered body, another webhook, foreign certificate, no headers', async () => {
    const from = h.logLines.length;
    const genuine = h.paypal.control.signWebhook(event('WH-FORGED-1'));
    const otherHook = h.paypal.control.signWebhook(event('WH-FORGED-2'), 'OTHERWEBHOOK123');
    const cases: [string, string, Record<string, string>, number, string][] = [
      [
        'bad signature',
        genuine.body,
        { ...genuine.headers, 'paypal-transmission-sig': 'AAAA' },
        401,
        'forged',
      ],
      ['altered body', genuine.body.replace('COMPLETED', 'DENIED'), genuine.headers, 401, 'forged'],
      ['signed for another webhook', otherHook.body, otherHook.headers, 401, 'forged'],
      [
        'certificate off paypal.com',
        genuine.body,
        { ...genuine.headers, 'paypal-cert-url': 'https://paypal.com.evil.example/cert' },
        401,
        'forged',
      ],
      ['no signature headers', genuine.body, {}, 401, 'missing_signature'],
    ];
    for (const [name, body, headers, status, reason] of cases) {
      const answer = await postWebhook(h, 'paypal', body, headers);
      assert.deepEqual([answer.status, answer.body['error']], [status, reason], name);
    }
    assert.deepEqual(await pendingWebhookJobs(h, 'paypal'), []);
    assert.deepEqual(
      webhookWarnings(h, from).map((w) => w['reason']),
      cases.map((c) => c[4]),
    );
  });

  test('a delivery seen before is a replay: 200, nothing queued', async () => {
    const delivery = h.paypal.control.signWebhook(event('WH-REPLAY-0001'));
    assert.equal((await postWebhook(h, 'paypal', delivery.body, delivery.headers)).status, 200);
    await settle(h, 'paypal');
    const again = await postWebhook(h, 'paypal', delivery.body, delivery.headers);
    assert.deepEqual([again.status, again.body], [200, { ok: true, duplicate: true }]);
    assert.deepEqual(await pendingWebhookJobs(h, 'paypal'), []);
  });

  test("a withdrawn Transaction Search permission alerts at once, naming the fix and PayPal's debug_id", async () => {
    h.paypal.control.setTransactionSearch(false);
    await syncNowAndWait(h, 'paypal');
    h.paypal.control.setTransactionSearch(true);
    const connection = await h.app.store.getConnection('paypal');
    assert.equal(connection?.state, 'needs_reconnect');
    const alert = await h.slack.waitForCall('chat.postMessage', (c) => c.args['channel'] === ALERTS);
    const text = JSON.stringify(alert.args);
    assert.match(text, /paypal/);
    assert.match(text, /debug_id [0-9a-f]+/);
    assert.match(text, /Transaction search/);
    assert.doesNotMatch(text, new RegExp(h.paypal.clientSecret));
  });

  test('a revoked app: the sync needs a reconnect; the same app reconnects in place by form', async () => {
    h.paypal.control.revoke();
    const failed = await h.app.core.engine.run({
      connection: 'paypal',
      trigger: 'manual',
      triggeredBy: ADMIN,
    });
    assert.equal(failed.status, 'failed');
    assert.equal(failed.errorClass, 'auth');
    assert.match(failed.errorMessage ?? '', /invalid_client/);
    assert.equal((await h.app.store.getConnection('paypal'))?.state, 'needs_reconnect');
    // While its app cannot ask PayPal, a delivery is answered 500 (PayPal delivers again later), not refused.
    const delivery = h.paypal.control.signWebhook(event('WH-WHILE-REVOKED-1'));
    assert.equal((await postWebhook(h, 'paypal', delivery.body, delivery.headers)).status, 500);
    assert.deepEqual(await pendingWebhookJobs(h, 'paypal'), []);
    h.paypal.control.restore();
    const answer = (await submit(h.paypal.clientSecret, { provider: 'paypal', reconnect: 'paypal' }))
      .body as Answer;
    assert.equal(answer.response_action, 'update', JSON.stringify(answer));
    const connection = await h.app.store.getConnection('paypal');
    assert.equal(connection?.state, 'active');
    const run = await h.app.core.engine.run({ connection: 'paypal', trigger: 'manual', triggeredBy: ADMIN });
    assert.equal(run.status, 'success');
    assert.deepEqual(await stored(), expectedLines(h.paypal.control.ledger, Date.now()));
  });

  test('the PayPal balance is in /finsync cash, exact per currency', async () => {
    await sendSlashCommand(h.target, {
      text: 'cash',
      userId: ADMIN,
      channelId: 'C0CASH0001',
      responseUrl: h.slack.responseUrl('cash'),
    });
    const reply = await h.slack.waitForResponse((r) => r.id === 'cash', 10_000);
    const body = JSON.stringify(reply.body);
    assert.match(body, /PayPal balance/);
    const usd = h.paypal.control.ledger.balances(Date.now()).get('USD')!;
    const total = (usd.available + usd.withheld).toString();
    const formatted = `${total.slice(0, -2).replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${total.slice(-2)} USD`;
    assert.ok(body.includes(formatted), `${formatted} in ${body.slice(0, 2000)}`);
  });
});
