/**
 * Alerts end to end: a real sync failing against the Stripe emulator raises one alert in the alert
 * channel (through the outbox and the Slack emulator), and its buttons are clicked with signed requests.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { EmulatedMessage } from '../../src/sandbox/slack-emulator.ts';
import {
  appHomeOpened,
  sendBlockAction,
  sendEvent,
  sendSlashCommand,
  sendViewSubmission,
} from '../../src/sandbox/slack-requests.ts';
import { ADMIN, connectStripe, type Harness, MEMBER, startHarness } from '../helpers/app-harness.ts';

const ALERTS = 'CALERTS01';
let h: Harness;
let n = 0;

async function until<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  ms = 10_000,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

const parent = () => h.slack.topLevelMessages(ALERTS).filter((m) => !m.replyBroadcast)[0];

function buttonValue(message: EmulatedMessage, actionId: string): { value: string; blockId: string } {
  for (const block of (message.blocks ?? []) as {
    type: string;
    block_id?: string;
    elements?: { action_id?: string; value?: string }[];
  }[]) {
    const button = block.elements?.find((e) => e.action_id === actionId);
    if (button?.value) return { value: button.value, blockId: block.block_id ?? '' };
  }
  throw new Error(`no ${actionId} button`);
}

async function click(actionId: string, value: string, userId = ADMIN, blockId = 'block') {
  const id = `click${++n}`;
  await sendBlockAction(h.target, {
    actionId,
    value,
    userId,
    blockId,
    channelId: ALERTS,
    responseUrl: h.slack.responseUrl(id),
  });
  return JSON.stringify((await h.slack.waitForResponse((r) => r.id === id)).body);
}

/** The Snooze form's state as Slack submits it, with one choice picked. */
const snoozeChoice = (value: string) => ({
  snooze: {
    choice: { type: 'radio_buttons', selected_option: { value, text: { type: 'plain_text', text: value } } },
  },
});

async function runs(): Promise<number> {
  return (await h.app.store.listRuns('stripe', 500)).length;
}

async function idle(): Promise<void> {
  await h.app.core.engine.drain();
  await sleep(300);
  await h.app.core.engine.drain();
  await h.app.core.incidents.drain();
}

describe('failure alerts from a real failing sync', () => {
  before(async () => {
    h = await startHarness({ env: { FINSYNC_ALERT_CHANNEL: ALERTS } });
    h.slack.setChannel(ALERTS, { name: 'finance-alerts', isMember: true });
    await connectStripe(h);
    h.stripe.control.injectFault({ type: 'server_error', status: 503 }, 100_000);
  });
  after(async () => {
    await h.close();
  });

  test('one failed run posts nothing; the second raises one alert with three buttons', async () => {
    await h.app.finsync.syncNow({
      target: 'stripe',
      trigger: 'manual',
      actor: ADMIN,
      notify: { kind: 'none' },
    });
    await idle();
    assert.equal(parent(), undefined, 'a single transient failure does not alert');
    await h.app.finsync.syncNow({
      target: 'stripe',
      trigger: 'manual',
      actor: ADMIN,
      notify: { kind: 'none' },
    });
    const alert = await until('the alert', parent);
    assert.match(alert.text, /Stripe sync failed: stripe/);
    const json = JSON.stringify(alert.blocks);
    assert.match(json, /Retry Now.*Snooze.*View History/);
    assert.match(json, /"style":"primary"/);
    assert.equal(h.slack.topLevelMessages(ALERTS).length, 1);
  });

  test('a double-clicked Retry starts one sync; a member is refused; an outdated version is answered', async () => {
    await idle();
    const alert = parent()!;
    const { value, blockId } = buttonValue(alert, 'incident_retry');
    const before = await runs();
    const [a, b] = await Promise.all([
      click('incident_retry', value, ADMIN, blockId),
      click('incident_retry', value, ADMIN, blockId),
    ]);
    assert.match(`${a}\n${b}`, /sync started/);
    assert.match(`${a}\n${b}`, /already done from this version/);
    await idle();
    assert.equal(await runs(), before + 1, 'one run for two clicks');

    assert.match(
      await click('incident_retry', buttonValue(parent()!, 'incident_retry').value, MEMBER),
      /Only finsync admins can retry syncs/,
    );
    // The retry failed again: the alert moved to a new version, so the first copy is outdated.
    await until('the parent to change', () =>
      buttonValue(parent()!, 'incident_retry').value !== value ? true : undefined,
    );
    assert.match(await click('incident_retry', value), /This alert has changed/);
    assert.equal(await runs(), before + 1);
  });

  test('the digest lists the failing connection first, with its owner named and a link to the alert thread', async () => {
    await idle();
    const id = `digest${++n}`;
    await sendSlashCommand(h.target, {
      text: 'digest now',
      userId: MEMBER,
      responseUrl: h.slack.responseUrl(id),
    });
    const body = JSON.stringify((await h.slack.waitForResponse((r) => r.id === id)).body);
    assert.match(body, /1 of 1 needs attention/);
    const ts = parent()!.ts.replace('.', '');
    assert.match(body, new RegExp(`<https://[^|]+/archives/${ALERTS}/p${ts}\\|alert thread>`));
    assert.doesNotMatch(body, /<@U/, 'the owner is named, not pinged');
  });

  test('View History answers the clicker with the runs; Snooze opens a form whose choice shows on the alert', async () => {
    await idle();
    assert.match(
      await click('incident_history', buttonValue(parent()!, 'incident_history').value, MEMBER),
      /Sync history: stripe/,
    );
    const { value } = buttonValue(parent()!, 'incident_snooze');
    h.slack.setUser(ADMIN, { tz: 'Europe/Berlin', name: 'Ada Admin', isAdmin: true });
    const opens = h.slack.callsTo('views.open').length;
    await sendBlockAction(h.target, { actionId: 'incident_snooze', value, userId: ADMIN, channelId: ALERTS });
    const open = await until('the snooze form', () => h.slack.callsTo('views.open')[opens]);
    const view = open.args['view'] as { callback_id: string; private_metadata: string };
    assert.equal(view.callback_id, 'incident_snooze_modal');
    const reply = await sendViewSubmission(h.target, {
      callbackId: view.callback_id,
      privateMetadata: view.private_metadata,
      userId: ADMIN,
      values: snoozeChoice('4h'),
    });
    assert.equal(reply.status, 200);
    assert.equal(reply.body, '', 'the form closes');
    await until('the snooze on the alert', () =>
      /Snoozed\* by Ada Admin until/.test(JSON.stringify(parent()!.blocks)) ? true : undefined,
    );
    // Submitting the same (now outdated) form again changes nothing and says why, in the form.
    const again = await sendViewSubmission(h.target, {
      callbackId: view.callback_id,
      privateMetadata: view.private_metadata,
      userId: ADMIN,
      values: snoozeChoice('1h'),
    });
    assert.match(JSON.stringify(again.body), /response_action.*errors.*has changed/);
  });

  test('the first success resolves the alert in place: buttons gone, one recovery reply', async () => {
    h.stripe.control.clearFaults();
    await h.app.finsync.syncNow({
      target: 'stripe',
      trigger: 'manual',
      actor: ADMIN,
      notify: { kind: 'none' },
    });
    const resolved = await until('the resolution', () =>
      /^Resolved/.test(parent()?.text ?? '') ? parent() : undefined,
    );
    assert.doesNotMatch(JSON.stringify(resolved.blocks), /"type":"button"/);
    await until('the recovery reply', () =>
      h.slack.threadReplies(ALERTS, resolved.ts).find((r) => /recovered/.test(r.text)),
    );
    assert.equal(
      h.slack.topLevelMessages(ALERTS).filter((m) => !m.replyBroadcast).length,
      1,
      'still one top-level post',
    );
  });

  test('the Home tab says where alerts go and when the last one was delivered', async () => {
    const count = h.slack.callsTo('views.publish').length;
    await sendEvent(h.target, appHomeOpened(ADMIN));
    const publish = await until('the Home tab', () => h.slack.callsTo('views.publish')[count]);
    const json = JSON.stringify(publish.args['view']);
    assert.match(json, /Alerts → <#CALERTS01> · last alert delivered <!date/);
    assert.match(json, /last digest delivered never/);
  });
});
