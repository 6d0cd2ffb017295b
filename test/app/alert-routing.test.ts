/**
 * Routing from Slack: `/finsync alerts`, `subscribe`, `unsubscribe`, `subscribe list`, `digest #channel`
 * and `digest now #channel`, through signed requests. A channel finsync cannot post in is refused at once
 * with an ephemeral invite hint, and nothing changes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { sendBlockAction, sendSlashCommand } from '../../src/sandbox/slack-requests.ts';
import { ADMIN, connectStripe, type Harness, MEMBER, startHarness } from '../helpers/app-harness.ts';

let h: Harness;
let n = 0;

const IN = 'CFINANCE1';
const OUT = 'CNOTJOIN1';

async function command(
  text: string,
  channelId = IN,
  userId = ADMIN,
): Promise<{ body: string; ephemeral: boolean }> {
  const id = `r${++n}`;
  await sendSlashCommand(h.target, {
    text,
    userId,
    channelId,
    channelName: 'finance',
    responseUrl: h.slack.responseUrl(id),
  });
  const posted = (await h.slack.waitForResponse((r) => r.id === id)).body as { response_type?: string };
  return { body: JSON.stringify(posted), ephemeral: posted.response_type === 'ephemeral' };
}

/** Clicks "Turn Off Alerts" (past Slack's confirm dialog) and returns the answer to the clicker. */
async function clickAlertsOff(userId: string): Promise<unknown> {
  const id = `off${++n}`;
  await sendBlockAction(h.target, {
    actionId: 'alerts_off_confirm',
    value: 'off',
    userId,
    channelId: IN,
    responseUrl: h.slack.responseUrl(id),
  });
  return (await h.slack.waitForResponse((r) => r.id === id)).body;
}

describe('alert routing from Slack', () => {
  before(async () => {
    h = await startHarness();
    h.slack.setChannel(IN, { name: 'finance', isMember: true });
    h.slack.setChannel(OUT, { name: 'treasury', isMember: false });
    await connectStripe(h);
  });
  after(async () => {
    await h.close();
  });

  test('alerts to a channel finsync is not in: an ephemeral invite hint, and no change', async () => {
    const reply = await command(`alerts <#${OUT}|treasury>`);
    assert.ok(reply.ephemeral);
    assert.match(reply.body, /finsync is not in #treasury.*\/invite @finsync/);
    assert.equal((await h.app.core.routing.alertRoute()).kind, 'none');
  });

  test('alerts #name is looked up by name, stored, audited, and refused to members', async () => {
    assert.match(
      (await command('alerts #finance', IN, MEMBER)).body,
      /Only finsync admins can change where alerts go/,
    );
    const reply = await command('alerts #finance');
    assert.match(reply.body, /Failure alerts and recoveries of every connection now go to <#CFINANCE1>/);
    const route = await h.app.core.routing.alertRoute();
    assert.equal(route.kind === 'channel' && route.channel.id, IN);
    const audit = await h.app.store.listAudit(5);
    assert.ok(audit.some((a) => a.action === 'alerts #finance' && a.actor === ADMIN));
  });

  test('subscribe works in the channel it is typed in; list says exactly what it receives; unsubscribe removes', async () => {
    assert.match((await command('subscribe stripe', OUT)).body, /finsync is not in/);
    assert.match((await command('subscribe nosuch', IN)).body, /no connection named nosuch|nosuch/i);
    assert.match(
      (await command('subscribe stripe failures digest')).body,
      /receives \*failures, digest\* for \*stripe\*/,
    );
    assert.match((await command('subscribe all recoveries')).body, /recoveries\* for every connection/);
    const list = (await command('subscribe list', IN, MEMBER)).body;
    assert.match(list, /default alert channel/);
    assert.match(list, /failures, digest\* for \*stripe/);
    assert.match(list, /recoveries\* for every connection/);
    assert.match(
      (await command('unsubscribe stripe digest')).body,
      /No more \*digest\* for \*stripe\*.*still receives failures/,
    );
    assert.match((await command('unsubscribe stripe')).body, /No more \*failures\*/);
    assert.match((await command('unsubscribe stripe')).body, /not subscribed/);
    const subscriptions = await h.app.core.routing.subscriptions();
    assert.deepEqual(
      subscriptions.map((s) => [s.channel, s.target, s.kinds]),
      [[IN, 'all', ['recoveries']]],
    );
    assert.match((await command('subscribe list', OUT)).body, /receives nothing from finsync/);
  });

  test('alerts off asks for confirmation; only the confirming click turns alerts off', async () => {
    const reply = await command('alerts off');
    assert.match(reply.body, /Turn Off Alerts/);
    assert.match(reply.body, /"confirm"/);
    assert.equal((await h.app.core.routing.alertRoute()).kind, 'channel', 'nothing changed yet');
    assert.match(JSON.stringify(await clickAlertsOff(MEMBER)), /Only finsync admins/);
    assert.equal((await h.app.core.routing.alertRoute()).kind, 'channel');
    const done = (await clickAlertsOff(ADMIN)) as { replace_original?: boolean };
    assert.equal(done.replace_original, true, 'the question is replaced, its button gone');
    assert.equal((await h.app.core.routing.alertRoute()).kind, 'off');
  });

  test('digest #channel at HH:MM is stored with its next time; digest now #channel posts once per person', async () => {
    const set = await command(`digest <#${IN}|finance> at 07:30`);
    assert.match(
      set.body,
      /daily digest now goes to <#CFINANCE1> every day at \*07:30\* \(UTC\).*Next one <!date/,
    );
    const route = await h.app.core.routing.digestRoute();
    assert.equal(route.time, '07:30');
    assert.equal(route.channel?.id, IN);
    assert.match((await command(`digest now <#${OUT}|treasury>`)).body, /finsync is not in/);
    const shared = await command(`digest now <#${IN}|finance>`);
    assert.match(shared.body, /on its way to <#CFINANCE1>/);
    for (let i = 0; i < 200 && h.slack.topLevelMessages(IN).length === 0; i++) await sleep(20);
    const posts = h.slack.topLevelMessages(IN);
    assert.equal(posts.length, 1);
    assert.match(posts[0]!.text, /finsync digest for/);
    assert.match((await command(`digest now <#${IN}|finance>`)).body, /already shared/);
  });
});
