import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { integrationIds } from '../../connectors/registry.ts';
import { commandNames } from '../../src/commands/command-grammar.ts';
import { sendBlockAction, sendSlashCommand } from '../../src/sandbox/slack-requests.ts';
import { ADMIN, type Harness, MEMBER, startHarness } from '../helpers/app-harness.ts';
import { checkBlockKit } from '../helpers/block-kit.ts';

let h: Harness;
let n = 0;

/** Sends /finsync TEXT and returns what the person saw: the ack body, or the first response_url post. */
async function command(
  text: string,
  userId = ADMIN,
): Promise<{ text: string; blocks: unknown[]; ephemeral: boolean }> {
  const id = `r${++n}`;
  const reply = await sendSlashCommand(h.target, { text, userId, responseUrl: h.slack.responseUrl(id) });
  assert.equal(reply.status, 200, `status for "${text.slice(0, 40)}"`);
  const body =
    typeof reply.body === 'object' && reply.body !== null && 'text' in reply.body
      ? reply.body
      : (await h.slack.waitForResponse((r) => r.id === id)).body;
  const message = body as { text: string; blocks: unknown[]; response_type?: string };
  assert.deepEqual(checkBlockKit(message, 'message'), [], `well-formed Block Kit for "${text.slice(0, 40)}"`);
  return { text: message.text, blocks: message.blocks, ephemeral: message.response_type !== 'in_channel' };
}

describe('/finsync over signed HTTP', () => {
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h.close();
  });

  test('help lists every command with an example', async () => {
    const reply = await command('help');
    const all = JSON.stringify(reply.blocks);
    for (const word of [
      'status',
      'connect',
      'disconnect',
      'sync',
      'schedule',
      'history',
      'alerts',
      'digest',
      'subscribe',
      'audit',
    ]) {
      assert.match(all, new RegExp(`/finsync ${word}`));
    }
    assert.ok(reply.ephemeral);
  });

  test('help’s connect line lists every provider that can be connected, from the registry', async () => {
    const reply = await command('help');
    const all = (reply.blocks as { text?: { text: string } }[]).map((b) => b.text?.text ?? '').join('\n');
    const connectLine = all.split('\n\n').find((line) => line.startsWith('`/finsync connect '));
    assert.ok(connectLine, all);
    for (const id of integrationIds()) assert.match(connectLine, new RegExp(`\`${id}\``), connectLine);
    assert.match(reply.text, new RegExp(`finsync commands: ${commandNames().join(', ')}`));
  });

  test('connect without a provider answers with its usage and the providers', async () => {
    const reply = await command('connect');
    assert.ok(reply.ephemeral);
    const all = JSON.stringify(reply.blocks);
    assert.match(all, /Usage:/);
    for (const id of integrationIds()) assert.match(all, new RegExp(`\`${id}\``));
  });

  test('a typo of a command (stauts) answers ephemerally: did you mean status, with its usage', async () => {
    const reply = await command('stauts');
    assert.ok(reply.ephemeral);
    assert.match(
      reply.text,
      /`stauts` is not a finsync command\. Did you mean `status`\? Usage: \/finsync status$/,
    );
  });

  test('an unknown command with nothing near answers ephemerally with the list of commands', async () => {
    const reply = await command('banana');
    assert.ok(reply.ephemeral);
    assert.match(
      reply.text,
      new RegExp(`not a finsync command\\. The commands are ${commandNames().join(', ')}\\.`),
    );
    assert.doesNotMatch(reply.text, /Did you mean/);
  });

  test('empty text answers with help', async () => {
    assert.match((await command('')).text, /finsync commands/);
  });

  test('status with nothing connected says so in words', async () => {
    const reply = await command('status');
    assert.match(reply.text, /No systems connected yet/);
    assert.ok(reply.ephemeral);
  });

  test('an unknown command suggests the nearest one with its usage', async () => {
    const reply = await command('statsu');
    assert.match(reply.text, /not a finsync command/);
    assert.match(reply.text, /Did you mean `status`\?/);
    assert.match(reply.text, /Usage: \/finsync status/);
  });

  test('a malformed command shows the usage of that command', async () => {
    const reply = await command('history');
    assert.match(reply.text, /Usage: \/finsync history &lt;connection&gt; \[N\]/);
  });

  test('very long, unicode and injection-looking texts get a clear ephemeral answer', async () => {
    for (const text of [
      'x'.repeat(10_000),
      'sync 💸 ünïcødé',
      'connect <!channel> & <script>',
      "sync stripe'; DROP TABLE records;--",
      'status\u0000\u202e',
    ]) {
      const reply = await command(text);
      assert.ok(reply.ephemeral);
      assert.doesNotMatch(JSON.stringify(reply.blocks), /<!channel>|<script>/);
    }
  });

  test('digest now shows the last complete day to the person who asked, in words when nothing happened', async () => {
    const reply = await command('digest now', MEMBER);
    assert.ok(reply.ephemeral);
    assert.match(JSON.stringify(reply.blocks), /No data|no data|No systems|nothing/i);
  });

  test('a member cannot connect and is told who can', async () => {
    const reply = await command('connect stripe', MEMBER);
    assert.match(reply.text, /Only finsync admins can connect systems/);
    assert.match(reply.text, new RegExp(ADMIN));
    assert.equal(h.slack.callsTo('views.open').length, 0);
  });

  test('connect for an unknown provider names the ones that exist', async () => {
    assert.match(
      (await command('connect quickbooksx')).text,
      /connects stripe, plaid, quickbooks, paypal, sage and powerbi/,
    );
  });

  test('history of an unknown connection says which exist', async () => {
    assert.match((await command('history nope')).text, /no connection named nope/);
  });

  test('forged, unsigned and stale requests get 401 and reach no handler', async () => {
    const before = {
      responses: h.slack.responses.length,
      calls: h.slack.calls.length,
      audit: (await h.app.store.listAudit(1000)).length,
    };
    const responseUrl = h.slack.responseUrl('forged');
    for (const options of [
      { badSignature: true },
      { unsigned: true },
      { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 },
    ]) {
      const reply = await sendSlashCommand(
        h.target,
        { text: 'disconnect stripe', userId: ADMIN, responseUrl },
        options,
      );
      assert.equal(reply.status, 401, JSON.stringify(options));
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(h.slack.responses.length, before.responses);
    assert.equal(h.slack.calls.length, before.calls);
    assert.equal((await h.app.store.listAudit(1000)).length, before.audit);
  });

  test('Share in Channel posts the status for everyone, or explains how to invite the bot', async () => {
    h.slack.setChannel('CSHARE1', { name: 'finance', isMember: true });
    h.slack.setChannel('CSHARE2', { name: 'secret', isMember: false });
    const shared = await sendBlockAction(h.target, {
      actionId: 'status_share',
      value: 'share',
      userId: ADMIN,
      channelId: 'CSHARE1',
      responseUrl: h.slack.responseUrl('share1'),
    });
    assert.equal(shared.status, 200);
    const post = await h.slack.waitForCall('chat.postMessage', (c) => c.args['channel'] === 'CSHARE1');
    assert.match(String(post.args['text']), /finsync status/);
    await sendBlockAction(h.target, {
      actionId: 'status_share',
      value: 'share',
      userId: ADMIN,
      channelId: 'CSHARE2',
      responseUrl: h.slack.responseUrl('share2'),
    });
    const answer = await h.slack.waitForResponse((r) => r.id === 'share2');
    assert.match(JSON.stringify(answer.body), /Invite it with `\/invite @finsync`/);
  });

  test('a body larger than Slack ever sends is refused, not buffered', async () => {
    const huge = 'text=' + 'a'.repeat(2 * 1024 * 1024);
    const response = await fetch(`${h.target.url}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: huge,
    });
    assert.ok(response.status >= 400 && response.status < 500, `status ${response.status}`);
    assert.equal((await fetch(`${h.target.url}/healthz`)).status, 200);
  });
});
