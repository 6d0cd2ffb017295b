/**
 * Payment requests over signed Slack requests against the real app, Stripe through its SDK against the
 * emulator: one link per request whatever is repeated, approval above the limit, paid once in the thread with
 * Stripe's fee and net, cancelled and expired links, Stripe's refusals in words, and no key anywhere.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  EMULATOR_RESTRICTED_KEY,
  EMULATOR_SECRET_KEY,
  EMULATOR_WEBHOOK_SECRET,
} from '../../connectors/stripe/emulator.ts';
import { emulatedFee } from '../../connectors/stripe/emulator-payments.ts';
import {
  sendBlockAction,
  sendEvent,
  sendSlashCommand,
  sendViewSubmission,
  stateValue,
} from '../../src/sandbox/slack-requests.ts';
import type { PaymentRequest } from '../../src/store/ports/payment-requests.ts';
import { ADMIN, type Harness, MEMBER, startHarness } from '../helpers/app-harness.ts';
import { checkBlockKit } from '../helpers/block-kit.ts';

const ADMIN2 = 'UADMIN0002';
const CHANNEL = 'CPAYREQ01';
let h: Harness;
let n = 0;
let clockOffsetMs = 0;

async function waitUntil<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  ms = 8000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function command(text: string, userId = ADMIN, triggerId?: string) {
  const id = `pay${++n}`;
  const acked = await sendSlashCommand(h.target, {
    text,
    userId,
    channelId: CHANNEL,
    channelName: 'finance',
    responseUrl: h.slack.responseUrl(id),
    ...(triggerId ? { triggerId } : {}),
  });
  // Answers that need no I/O (a bad command) ride on the ack itself.
  if (typeof acked.body === 'object' && acked.body !== null) return JSON.stringify(acked.body);
  const reply = await h.slack.waitForResponse((r) => r.id === id, 10_000);
  return JSON.stringify(reply.body);
}

async function click(actionId: string, value: string, userId: string): Promise<string> {
  const id = `click${++n}`;
  await sendBlockAction(h.target, {
    actionId,
    value,
    userId,
    channelId: CHANNEL,
    responseUrl: h.slack.responseUrl(id),
  });
  const reply = await h.slack.waitForResponse((r) => r.id === id, 10_000);
  return JSON.stringify(reply.body);
}

const requests = async () => h.app.store.paymentRequests.list({ limit: 100 });
const newest = async (): Promise<PaymentRequest> => (await requests())[0]!;
/** The posted message of a request (its thread's parent). */
const postedFor = (request: PaymentRequest) =>
  h.slack
    .topLevelMessages(CHANNEL)
    .find((m) => m.text.includes(request.id) && m.text.startsWith('Payment request'));

describe('payment requests from Slack', () => {
  before(async () => {
    h = await startHarness({
      env: { FINSYNC_ADMINS: `${ADMIN},${ADMIN2}`, FINSYNC_PAYMENT_APPROVAL_ABOVE: 'EUR:5000,USD:5000' },
      now: () => new Date(Date.now() + clockOffsetMs),
    });
    h.slack.setChannel(CHANNEL, { name: 'finance', isMember: true });
    const stripe = { api_key: EMULATOR_SECRET_KEY, webhook_secret: EMULATOR_WEBHOOK_SECRET };
    await h.app.finsync.connect({ provider: 'stripe', name: 'stripe', input: stripe, actor: ADMIN });
  });
  after(async () => {
    await h?.close();
  });

  test('below the limit: one link, posted in the channel, whatever is repeated (replayed delivery, same origin again)', async () => {
    const links = h.stripe.control.paymentLinkCount();
    const trigger = 'trig.payment.replay.1';
    const answer = await command('request 1,250.00 EUR Invoice 42 for Acme via stripe', ADMIN, trigger);
    assert.match(answer, /is ready; the link is posted in this channel/);
    const request = await newest();
    assert.equal(request.state, 'open');
    assert.equal(request.amount, 125000);
    assert.equal(request.needsApproval, false);
    const link = h.stripe.control.paymentLink(request.linkId!)!;
    assert.equal(link['active'], true);
    assert.deepEqual(link['metadata'], { finsync_request: request.id });
    assert.deepEqual((link['line_items'] as { data: unknown[] }).data[0], {
      amount_total: 125000,
      currency: 'eur',
      description: 'Invoice 42 for Acme',
      quantity: 1,
    });
    const posted = await waitUntil('the request message', () => postedFor(request));
    assert.ok(posted.text.includes('1,250.00 EUR'));
    const body = JSON.stringify(posted.blocks);
    assert.ok(body.includes('one thousand two hundred fifty EUR and 00/100'), 'amount in words');
    assert.ok(body.includes(request.url!), 'the link');
    assert.ok(body.includes(`<@${ADMIN}>`), 'who asked');
    assert.ok(body.includes('Cancel Request'));
    assert.deepEqual(checkBlockKit({ text: posted.text, blocks: posted.blocks } as never, 'message'), []);
    // Slack delivers the same request again (same trigger): dropped, no second link.
    await sendSlashCommand(h.target, {
      text: 'request 1,250.00 EUR Invoice 42 for Acme',
      userId: ADMIN,
      channelId: CHANNEL,
      triggerId: trigger,
    });
    // The same origin reaching the service again (another process, a guard that forgot): the same request.
    const again = await h.app.core.payments.request({
      actor: ADMIN,
      amountText: '1,250.00',
      currencyText: 'EUR',
      description: 'Invoice 42 for Acme',
      via: 'stripe',
      channel: CHANNEL,
      origin: `command:${trigger}`,
    });
    assert.equal(again.id, request.id);
    assert.equal(h.stripe.control.paymentLinkCount(), links + 1);
    assert.equal((await requests()).filter((r) => r.description === 'Invoice 42 for Acme').length, 1);
  });

  test('paid: one reply in the thread of the request with the amount received, Stripe fee and net, exact', async () => {
    await command('request 99.99 usd Consulting, March');
    const request = await newest();
    const parent = await waitUntil('the request message', () => postedFor(request));
    const payment = await h.stripe.control.payLink(request.linkId!);
    assert.equal(payment.delivered, 200);
    const fee = emulatedFee(9999, 'usd');
    const reply = await waitUntil('the paid reply', () =>
      h.slack.threadReplies(CHANNEL, parent.ts).find((m) => m.text.startsWith('Paid')),
    );
    const text = JSON.stringify(reply.blocks);
    assert.ok(text.includes('received 99.99 USD'), text);
    assert.ok(text.includes(`Stripe fee ${(fee / 100).toFixed(2)} USD`), text);
    assert.ok(text.includes(`net ${((9999 - fee) / 100).toFixed(2)} USD`), text);
    assert.ok(text.includes('<!date^'), 'when, in each reader’s timezone');
    const stored = (await h.app.store.paymentRequests.get(request.id))!;
    assert.deepEqual(
      [stored.state, stored.received, stored.fee, stored.net],
      ['paid', 9999, fee, 9999 - fee],
    );
    // The same event again (Stripe retries a delivery) and the service told twice: still one reply.
    await h.app.core.payments.onCheckoutEvent('stripe', {
      eventId: 'evt_other',
      type: 'checkout.session.completed',
      sessionId: payment.sessionId,
      paymentLink: request.linkId,
      paymentStatus: 'paid',
      paymentIntent: 'pi_again',
      created: Math.floor(Date.now() / 1000),
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(
      h.slack.threadReplies(CHANNEL, parent.ts).filter((m) => m.text.startsWith('Paid')).length,
      1,
    );
    // The parent is edited in place: paid, no Cancel button any more.
    const edited = await waitUntil('the edited parent', () => {
      const m = h.slack.message(CHANNEL, parent.ts);
      return m?.text.includes('(Paid)') ? m : undefined;
    });
    assert.ok(!JSON.stringify(edited.blocks).includes('Cancel Request'));
    // A paid link takes no further payment (one completed session).
    assert.equal(h.stripe.control.paymentLink(request.linkId!)!['active'], false);
  });

  test('without a webhook, the next check with Stripe finds the payment and tells the thread once', async () => {
    await command('request 250 EUR Consulting April');
    const request = await newest();
    const parent = await waitUntil('the request message', () => postedFor(request));
    h.stripe.control.sendWebhooksTo(undefined);
    try {
      const payment = await h.stripe.control.payLink(request.linkId!);
      assert.equal(payment.delivered, null, 'no webhook sent');
      assert.equal(await h.app.core.payments.reconcile(), 1);
      assert.equal(await h.app.core.payments.reconcile(), 0, 'nothing left to find');
    } finally {
      h.stripe.control.sendWebhooksTo({
        url: `${h.target.url}/webhooks/stripe`,
        secret: EMULATOR_WEBHOOK_SECRET,
      });
    }
    await waitUntil('the paid reply', () =>
      h.slack.threadReplies(CHANNEL, parent.ts).find((m) => m.text.startsWith('Paid')),
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(
      h.slack.threadReplies(CHANNEL, parent.ts).filter((m) => m.text.startsWith('Paid')).length,
      1,
    );
  });

  test('without a webhook, the next Stripe sync finds the payment too', async () => {
    await command('request 33 EUR Sync path');
    const request = await newest();
    const parent = await waitUntil('the request message', () => postedFor(request));
    h.stripe.control.sendWebhooksTo(undefined);
    try {
      await h.stripe.control.payLink(request.linkId!);
    } finally {
      h.stripe.control.sendWebhooksTo({
        url: `${h.target.url}/webhooks/stripe`,
        secret: EMULATOR_WEBHOOK_SECRET,
      });
    }
    await command('sync stripe');
    await waitUntil(
      'the paid reply after the sync',
      () => h.slack.threadReplies(CHANNEL, parent.ts).find((m) => m.text.startsWith('Paid')),
      20_000,
    );
    assert.equal((await h.app.store.paymentRequests.get(request.id))?.state, 'paid');
  });

  test('Home tab: Request a Payment for admins opens the form; a double submit of one form is one link', async () => {
    const homeOf = async (user: string) => {
      await sendEvent(h.target, { type: 'app_home_opened', user, channel: 'DHOME', tab: 'home' });
      return JSON.stringify(h.slack.homeView(user));
    };
    assert.match(await homeOf(ADMIN), /Request a Payment/);
    assert.match(await homeOf(ADMIN), /Payment requests: \d+ open/);
    assert.doesNotMatch(await homeOf(MEMBER), /Request a Payment/);
    const opened = h.slack.callsTo('views.open').length;
    await sendBlockAction(h.target, {
      actionId: 'home_request_payment',
      value: 'request',
      userId: ADMIN,
      view: { id: 'VHOME1', type: 'home' },
    });
    const modal = await waitUntil('the form', () => h.slack.callsTo('views.open').slice(opened).at(-1));
    assert.match(JSON.stringify(modal.args['view']), /payment_request_submit/);
    const links = h.stripe.control.paymentLinkCount();
    const submit = (amount: string) =>
      sendViewSubmission(h.target, {
        callbackId: 'payment_request_submit',
        userId: ADMIN,
        viewId: 'VPAYFORM1',
        values: {
          payment_amount: { value: stateValue.text(amount) },
          payment_currency: { value: stateValue.text('jpy') },
          payment_description: { value: stateValue.text('Room booking') },
          payment_via: { value: stateValue.text(null) },
          payment_channel: { value: stateValue.conversation(CHANNEL) },
        },
      });
    const refused = await submit('12.5');
    assert.match(JSON.stringify(refused.body), /"payment_amount":".*JPY has no decimals/);
    assert.equal((await submit('¥12,000')).status, 200);
    assert.equal((await submit('¥12,000')).status, 200);
    assert.equal(h.stripe.control.paymentLinkCount(), links + 1);
    const request = await newest();
    assert.deepEqual([request.amount, request.currency, request.state], [12000, 'JPY', 'open']);
    await waitUntil('the request message', () => postedFor(request));
  });

  test('Stripe answering 500 (the link made, the answer lost): the request is kept and finished later with the same key, one link', async () => {
    const links = h.stripe.control.paymentLinkCount();
    h.stripe.control.injectFault({ type: 'server_error' }, 50, '/v1/payment_links');
    let answer: string;
    try {
      answer = await command('request 75 EUR Catering');
    } finally {
      h.stripe.control.clearFaults();
    }
    assert.match(answer, /Stripe did not answer .*is kept: finsync asks Stripe again within a minute or two/);
    const request = await newest();
    assert.equal(request.state, 'creating');
    // The emulator, like Stripe, may have made the link before the error: the key keeps it the only one.
    assert.equal(await h.app.core.payments.resumeCreating(), 0, 'too fresh: maybe still being created');
    clockOffsetMs = 2 * 60_000;
    try {
      assert.equal(await h.app.core.payments.resumeCreating(), 1);
    } finally {
      clockOffsetMs = 0;
    }
    assert.equal((await h.app.store.paymentRequests.get(request.id))?.state, 'open');
    assert.equal(h.stripe.control.paymentLinkCount(), links + 1);
    await waitUntil('the request message', () => postedFor(request));
  });

  test('a partial payment says how much is missing', async () => {
    await command('request 100 EUR Partial test');
    const request = await newest();
    const parent = await waitUntil('the request message', () => postedFor(request));
    await h.stripe.control.payLink(request.linkId!, { received: 6000 });
    const reply = await waitUntil('the partly paid reply', () =>
      h.slack.threadReplies(CHANNEL, parent.ts).find((m) => m.text.startsWith('Partly paid')),
    );
    assert.match(JSON.stringify(reply.blocks), /received 60\.00 EUR of 100\.00 EUR \(40\.00 EUR missing\)/);
  });

  test('a failed payment is said in the thread and leaves the request open', async () => {
    await command('request 20 GBP Tickets');
    const request = await newest();
    const parent = await waitUntil('the request message', () => postedFor(request));
    await h.stripe.control.payLink(request.linkId!, { outcome: 'failed' });
    const reply = await waitUntil('the failed reply', () =>
      h.slack.threadReplies(CHANNEL, parent.ts).find((m) => m.text.startsWith('Payment failed')),
    );
    assert.ok(reply.text.includes(request.id));
    assert.equal((await h.app.store.paymentRequests.get(request.id))?.state, 'open');
  });

  test('above the limit: no link until a second admin approves; own and member approvals refused; approved once', async () => {
    const links = h.stripe.control.paymentLinkCount();
    const answer = await command('request 6,000.00 EUR Annual licence, Acme GmbH');
    assert.match(answer, /needs a second admin/);
    const request = await newest();
    assert.equal(request.state, 'awaiting_approval');
    assert.equal(h.stripe.control.paymentLinkCount(), links, 'no link before approval');
    const approval = await waitUntil('the approval message', () =>
      h.slack
        .topLevelMessages(CHANNEL)
        .find((m) => m.text.startsWith('Approval needed') && m.text.includes(request.id)),
    );
    const blocks = JSON.stringify(approval.blocks);
    assert.ok(blocks.includes('6,000.00 EUR') && blocks.includes('Annual licence, Acme GmbH'));
    assert.deepEqual(checkBlockKit({ text: approval.text, blocks: approval.blocks } as never, 'message'), []);
    const value = `${request.id}:awaiting_approval`;
    assert.match(await click('payment_approve', value, ADMIN), /another admin must approve/);
    assert.match(await click('payment_approve', value, MEMBER), /Only finsync admins can approve/);
    assert.equal(h.stripe.control.paymentLinkCount(), links);
    assert.match(await click('payment_approve', value, ADMIN2), /is ready; the link is posted/);
    assert.match(await click('payment_approve', value, ADMIN2), /already open by <@UADMIN0002>/);
    assert.equal(h.stripe.control.paymentLinkCount(), links + 1);
    const approved = (await h.app.store.paymentRequests.get(request.id))!;
    assert.equal(approved.state, 'open');
    assert.equal(approved.decidedBy, ADMIN2);
    await waitUntil('the approval edited', () => {
      const m = h.slack.message(CHANNEL, approval.ts);
      return m?.text.startsWith('Approved') ? m : undefined;
    });
    const audit = await h.app.store.listAudit(200);
    for (const action of ['asked, awaiting approval', 'approve', 'approved', 'link created'])
      assert.ok(
        audit.some((e) => e.action === `payment request: ${action}` && e.detail?.includes(request.id)),
        action,
      );
  });

  test('asked where finsync is not: the request lives in a DM and the other admins are asked by DM', async () => {
    h.slack.setChannel('CNOTIN0001', { name: 'sales', isMember: false });
    const id = `pay${++n}`;
    await sendSlashCommand(h.target, {
      text: 'request 8000 USD Fleet lease',
      userId: ADMIN,
      channelId: 'CNOTIN0001',
      channelName: 'sales',
      responseUrl: h.slack.responseUrl(id),
    });
    const answer = JSON.stringify((await h.slack.waitForResponse((r) => r.id === id, 10_000)).body);
    assert.match(answer, /in your DM with finsync \(it is not in this channel\)/);
    const request = await newest();
    assert.equal(request.channel, ADMIN);
    const asked = await waitUntil('the approval DM', () =>
      h.slack.calls.find(
        (c) =>
          c.method === 'chat.postMessage' &&
          c.args['channel'] === ADMIN2 &&
          String(c.args['text']).includes(request.id),
      ),
    );
    assert.match(String(asked.args['text']), /^Approval needed/);
    assert.ok(
      !h.slack.calls.some(
        (c) =>
          c.method === 'chat.postMessage' &&
          c.args['channel'] === ADMIN &&
          String(c.args['text']).startsWith('Approval needed') &&
          String(c.args['text']).includes(request.id),
      ),
      'not to the requester',
    );
    assert.match(await click('payment_approve', `${request.id}:awaiting_approval`, ADMIN2), /is ready/);
    await waitUntil('the approval DM edited', () =>
      h.slack.calls.find(
        (c) =>
          c.method === 'chat.update' &&
          String(c.args['text']).startsWith('Approved') &&
          String(c.args['text']).includes(request.id),
      ),
    );
    // The request lives in the requester's DM: Share in Channel posts a copy where the team is.
    const dm = await waitUntil('the request in the DM', () =>
      h.slack.calls.find(
        (c) =>
          c.method === 'chat.postMessage' &&
          c.args['channel'] === ADMIN &&
          String(c.args['text']).startsWith(`Payment request ${request.id}`),
      ),
    );
    assert.match(JSON.stringify(dm.args['blocks']), /Share in Channel/);
    const opened = h.slack.callsTo('views.open').length;
    await sendBlockAction(h.target, {
      actionId: 'payment_share',
      value: `${request.id}:open`,
      userId: ADMIN,
      channelId: 'DADMIN0001',
      responseUrl: h.slack.responseUrl('share-click'),
    });
    const shareAnswer = h.slack.responses.find((r) => r.id === 'share-click');
    assert.equal(shareAnswer, undefined, JSON.stringify(shareAnswer?.body));
    const modal = await waitUntil('the share form', () => h.slack.callsTo('views.open').slice(opened).at(-1));
    const view = modal.args['view'] as { private_metadata: string; callback_id: string };
    assert.equal(view.callback_id, 'payment_share_submit');
    const shared = await sendViewSubmission(h.target, {
      callbackId: 'payment_share_submit',
      userId: ADMIN,
      privateMetadata: view.private_metadata,
      values: { payment_share_channel: { value: stateValue.conversation(CHANNEL) } },
    });
    assert.equal(shared.status, 200);
    const copy = await waitUntil('the shared copy', () =>
      h.slack
        .topLevelMessages(CHANNEL)
        .find((m) => m.text.includes(request.id) && m.text.includes('shared by')),
    );
    const url = (await h.app.store.paymentRequests.get(request.id))?.url;
    assert.ok(url && JSON.stringify(copy.blocks).includes(url));
    assert.ok(!JSON.stringify(copy.blocks).includes('Cancel Request'));
  });

  test('a reject is final: no link is ever made', async () => {
    const links = h.stripe.control.paymentLinkCount();
    await command('request 7000 USD Equipment');
    const request = await newest();
    assert.match(await click('payment_reject', `${request.id}:awaiting_approval`, ADMIN2), /rejected/);
    assert.match(
      await click('payment_approve', `${request.id}:awaiting_approval`, ADMIN2),
      /already rejected/,
    );
    assert.equal(h.stripe.control.paymentLinkCount(), links);
  });

  test('cancel deactivates the link and is said in the thread; a second click changes nothing', async () => {
    await command('request 300 EUR Deposit');
    const request = await newest();
    const parent = await waitUntil('the request message', () => postedFor(request));
    assert.match(
      await click('payment_cancel', `${request.id}:open`, MEMBER),
      /Only finsync admins can cancel/,
    );
    assert.match(await click('payment_cancel', `${request.id}:open`, ADMIN), /cancelled/);
    assert.match(await click('payment_cancel', `${request.id}:open`, ADMIN), /already cancelled/);
    assert.equal(h.stripe.control.paymentLink(request.linkId!)!['active'], false);
    await waitUntil('the cancelled reply', () =>
      h.slack.threadReplies(CHANNEL, parent.ts).find((m) => m.text.startsWith('Cancelled')),
    );
    await assert.rejects(h.stripe.control.payLink(request.linkId!), /not active/);
  });

  test('an open link expires after 30 days: deactivated, expired, said in the thread', async () => {
    await command('request 45 EUR Workshop seat');
    const request = await newest();
    const parent = await waitUntil('the request message', () => postedFor(request));
    clockOffsetMs = 31 * 86_400_000;
    try {
      assert.ok((await h.app.core.payments.expireDue()) >= 1);
    } finally {
      clockOffsetMs = 0;
    }
    assert.equal((await h.app.store.paymentRequests.get(request.id))?.state, 'expired');
    assert.equal(h.stripe.control.paymentLink(request.linkId!)!['active'], false);
    await waitUntil('the expired reply', () =>
      h.slack.threadReplies(CHANNEL, parent.ts).find((m) => m.text.startsWith('Expired')),
    );
    assert.match(await command('requests all'), /Expired/);
  });

  test('bad amounts, members and Stripe refusals get an ephemeral answer naming the problem', async () => {
    // A restricted key that may read but not create payment links, beside the full one.
    await h.app.finsync.connect({
      provider: 'stripe',
      name: 'stripe-ro',
      input: { api_key: EMULATOR_RESTRICTED_KEY, webhook_secret: EMULATOR_WEBHOOK_SECRET },
      actor: ADMIN,
    });
    const cases: [string, RegExp, string?][] = [
      ['request 1.000,00 EUR Rent', /decimal comma/],
      ['request 12.5 JPY Rent', /more decimals than JPY allows/],
      ['request 0 EUR Rent', /more than zero/],
      ['request -5 EUR Rent', /more than zero/],
      ['request 10 XYZ Rent', /Give the currency|not a currency/],
      ['request 0.10 USD Rent', /below Stripe's minimum for USD/],
      ['request 1000.5 HUF Rent', /whole units/],
      ['request 12.345 KWD Rent', /last \(third\) decimal is 0/],
      ['request 10 EUR Rent', /Only finsync admins can request payments/, MEMBER],
      [
        'request 10 IRR Sanctioned via stripe',
        /Stripe did not create the payment link: .*Invalid currency: irr/,
      ],
      ['request 10 EUR Rent via stripe-ro', /may not create payment links.*rak_payment_link_write/],
      ['request 10 EUR Rent via nowhere', /not a Stripe connection/],
    ];
    for (const [text, words, user] of cases) {
      const answer = await command(text, user ?? ADMIN);
      assert.match(answer, words, text);
      assert.match(answer, /"response_type":"ephemeral"/, text);
    }
    assert.match(await command('request 10 EUR Rent'), /Several Stripe accounts are connected: add `via/);
    assert.match(await command('help'), /request &lt;amount&gt; &lt;currency&gt;/);
    await h.app.finsync.disconnect({ name: 'stripe-ro', deleteRecords: true, actor: ADMIN });
  });

  test('requests are listed by state; no Stripe key in any message, log line or audit entry', async () => {
    await command('request 15 EUR Parking');
    const listed = await command('requests');
    assert.match(listed, /Payment requests \(open\): 1/);
    assert.match(listed, /15\.00 EUR/);
    assert.match(await command('requests paid'), /99\.99 USD/);
    const everything = JSON.stringify([
      h.slack.calls.map((c) => c.args),
      h.slack.responses.map((r) => r.body),
      h.logLines,
      await h.app.store.listAudit(500),
    ]);
    for (const key of [EMULATOR_SECRET_KEY, EMULATOR_RESTRICTED_KEY, EMULATOR_WEBHOOK_SECRET])
      assert.ok(!everything.includes(key), 'a key leaked');
  });
});
