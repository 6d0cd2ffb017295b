import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import { webApi } from '@slack/bolt';
import {
  EMULATED_BOT_USER_ID,
  type SlackEmulator,
  startSlackEmulator,
} from '../../src/sandbox/slack-emulator.ts';
import { quietSlackLogger } from '../helpers/quiet-slack-logger.ts';

const TOKEN = 'xoxb-test-token';
let emu: SlackEmulator;
let slack: webApi.WebClient;

const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } });
const modal = (title: string, blocks: unknown[] = [section('hi')]) => ({
  type: 'modal' as const,
  title: { type: 'plain_text' as const, text: title },
  blocks: blocks as webApi.ViewsOpenArguments['view']['blocks'],
});

/** The Slack error code a rejected call carried, so tests assert on codes like the app will. */
async function platformError(call: Promise<unknown>): Promise<string> {
  try {
    await call;
  } catch (error) {
    assert.ok(error instanceof webApi.WebAPIPlatformError, `expected a platform error, got ${String(error)}`);
    return error.data.error;
  }
  assert.fail('expected the call to be refused');
}

before(async () => {
  emu = await startSlackEmulator({ botToken: TOKEN });
  slack = new webApi.WebClient(TOKEN, {
    slackApiUrl: emu.url,
    retryConfig: { retries: 0 },
    logger: quietSlackLogger,
  });
});
after(() => emu.close());
beforeEach(() => emu.reset());

test('auth.test answers with the bot identity and a wrong token is invalid_auth', async () => {
  const result = await slack.auth.test();
  assert.equal(result.user_id, EMULATED_BOT_USER_ID);
  assert.equal(typeof result.team_id, 'string');
  const stranger = new webApi.WebClient('xoxb-wrong', { slackApiUrl: emu.url, retryConfig: { retries: 0 } });
  assert.equal(await platformError(stranger.auth.test()), 'invalid_auth');
});

test('chat.postMessage returns strictly increasing ts and records parsed blocks', async () => {
  const blocks = [section('*Stripe* sync failed')];
  const first = await slack.chat.postMessage({ channel: 'C1', text: 'Stripe sync failed', blocks });
  const second = await slack.chat.postMessage({ channel: 'C1', text: 'again' });
  assert.equal(first.channel, 'C1');
  assert.equal(first.message?.text, 'Stripe sync failed');
  assert.ok(Number(second.ts) > Number(first.ts), `${second.ts} > ${first.ts}`);
  const [call] = emu.callsTo('chat.postMessage');
  assert.deepEqual(call?.args['blocks'], blocks);
  assert.equal(call?.args['token'], undefined);
  assert.equal(emu.messagesIn('C1').length, 2);
});

test('chat.update edits in place, chat.delete removes, unknown ts is message_not_found', async () => {
  const posted = await slack.chat.postMessage({ channel: 'C1', text: 'failing' });
  const updated = await slack.chat.update({ channel: 'C1', ts: posted.ts!, text: 'recovered' });
  assert.equal(updated.text, 'recovered');
  assert.equal(emu.message('C1', posted.ts!)?.text, 'recovered');
  const link = await slack.chat.getPermalink({ channel: 'C1', message_ts: posted.ts! });
  assert.match(link.permalink ?? '', /\/archives\/C1\/p\d+$/);
  await slack.chat.delete({ channel: 'C1', ts: posted.ts! });
  assert.equal(emu.message('C1', posted.ts!), undefined);
  assert.equal(
    await platformError(slack.chat.update({ channel: 'C1', ts: posted.ts!, text: 'x' })),
    'message_not_found',
  );
});

test('chat.postEphemeral returns message_ts', async () => {
  const result = await slack.chat.postEphemeral({ channel: 'C1', user: 'U1', text: 'only you' });
  assert.match(result.message_ts ?? '', /^\d+\.\d{6}$/);
});

test('views.open, update, push and publish return views with id and hash', async () => {
  const opened = await slack.views.open({ trigger_id: 't1', view: modal('Connect Stripe') });
  const id = opened.view?.id;
  assert.ok(id);
  assert.ok(opened.view?.hash);
  const updated = await slack.views.update({
    view_id: id,
    hash: opened.view?.hash,
    view: modal('Connected'),
  });
  assert.equal(updated.view?.id, id);
  assert.notEqual(updated.view?.hash, opened.view?.hash);
  assert.equal(
    await platformError(slack.views.update({ view_id: id, hash: opened.view?.hash, view: modal('Stale') })),
    'hash_conflict',
  );
  const pushed = await slack.views.push({ trigger_id: 't2', view: modal('Details') });
  assert.notEqual(pushed.view?.id, id);
  const home = await slack.views.publish({
    user_id: 'U1',
    view: { type: 'home', blocks: [section('Home')] },
  });
  assert.ok(home.view?.id && home.view.hash);
  assert.equal(emu.homeView('U1')?.['id'], home.view?.id);
});

test('conversations.info and join answer from setChannel; unknown channels are channel_not_found', async () => {
  emu.setChannel('C9', { name: 'finance-alerts', isMember: false });
  const info = await slack.conversations.info({ channel: 'C9' });
  assert.equal(info.channel?.name, 'finance-alerts');
  assert.equal(info.channel?.is_member, false);
  assert.equal(await platformError(slack.chat.postMessage({ channel: 'C9', text: 'x' })), 'not_in_channel');
  await slack.conversations.join({ channel: 'C9' });
  assert.equal((await slack.conversations.info({ channel: 'C9' })).channel?.is_member, true);
  assert.equal(await platformError(slack.conversations.info({ channel: 'C404' })), 'channel_not_found');
});

test('users.info reports tz and tz_offset; usergroups.users.list answers from setUserGroup', async () => {
  emu.setUser('U7', { tz: 'Asia/Kolkata', name: 'priya', isAdmin: true });
  const { user } = await slack.users.info({ user: 'U7' });
  assert.equal(user?.tz, 'Asia/Kolkata');
  assert.equal(user?.tz_offset, 19800);
  assert.equal(user?.is_admin, true);
  assert.equal(await platformError(slack.users.info({ user: 'U404' })), 'user_not_found');
  emu.setUserGroup('S1', ['U7', 'U8']);
  assert.deepEqual((await slack.usergroups.users.list({ usergroup: 'S1' })).users, ['U7', 'U8']);
});

test('unknown methods are unknown_method', async () => {
  assert.equal(await platformError(slack.apiCall('chat.teleport', {})), 'unknown_method');
});

test('failNext 429 surfaces Retry-After through the client', async () => {
  emu.failNext('chat.postMessage', { status: 429, retryAfterSeconds: 7 });
  const strict = new webApi.WebClient(TOKEN, {
    slackApiUrl: emu.url,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
  });
  await assert.rejects(strict.chat.postMessage({ channel: 'C1', text: 'x' }), (error: unknown) => {
    assert.ok(error instanceof webApi.WebAPIRateLimitedError);
    assert.equal(error.retryAfter, 7);
    return true;
  });
  // The failure is used up: the next call goes through.
  assert.ok((await strict.chat.postMessage({ channel: 'C1', text: 'x' })).ok);
  assert.deepEqual(
    emu.callsTo('chat.postMessage').map((c) => c.error ?? 'ok'),
    ['ratelimited', 'ok'],
  );
});

test('failNext ok:false surfaces as a platform error and 500 as an HTTP error', async () => {
  emu.failNext('chat.postMessage', { error: 'channel_not_found' });
  assert.equal(
    await platformError(slack.chat.postMessage({ channel: 'C1', text: 'x' })),
    'channel_not_found',
  );
  emu.failNext('chat.update', { status: 500 });
  await assert.rejects(slack.chat.update({ channel: 'C1', ts: '1.000001', text: 'x' }), (error: unknown) => {
    assert.ok(error instanceof webApi.WebAPIHTTPError);
    assert.equal(error.statusCode, 500);
    return true;
  });
});

test('message limits are enforced with Slack error codes', async () => {
  const post = (args: Record<string, unknown>) =>
    platformError(slack.apiCall('chat.postMessage', { channel: 'C1', ...args }));
  assert.equal(await post({}), 'no_text');
  assert.equal(
    await post({ text: 'x', blocks: Array.from({ length: 51 }, () => section('a')) }),
    'invalid_blocks',
  );
  assert.equal(await post({ text: 'x', blocks: [section('a'.repeat(3001))] }), 'invalid_blocks');
  const fields = (n: number, len: number) =>
    Array.from({ length: n }, () => ({ type: 'mrkdwn', text: 'f'.repeat(len) }));
  assert.equal(
    await post({ text: 'x', blocks: [{ type: 'section', fields: fields(11, 1) }] }),
    'invalid_blocks',
  );
  assert.equal(
    await post({ text: 'x', blocks: [{ type: 'section', fields: fields(1, 2001) }] }),
    'invalid_blocks',
  );
  const header = { type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } };
  assert.equal(await post({ text: 'x', blocks: [header] }), 'invalid_blocks');
  const button = { type: 'button', text: { type: 'plain_text', text: 'B' }, action_id: 'b' };
  const actions = { type: 'actions', elements: Array.from({ length: 26 }, () => button) };
  assert.equal(await post({ text: 'x', blocks: [actions] }), 'invalid_blocks');
  // Exactly at the limits is fine.
  assert.ok(
    (await slack.apiCall('chat.postMessage', { channel: 'C1', blocks: [section('a'.repeat(3000))] })).ok,
  );
});

test('view limits are enforced: 100 blocks and a 24-character modal title', async () => {
  const tooMany = Array.from({ length: 101 }, () => section('a'));
  assert.equal(
    await platformError(slack.views.open({ trigger_id: 't', view: modal('Fine', tooMany) })),
    'invalid_arguments',
  );
  assert.equal(
    await platformError(slack.views.open({ trigger_id: 't', view: modal('A title that is far too long') })),
    'invalid_arguments',
  );
  const home = { type: 'home' as const, blocks: tooMany as webApi.ViewsPublishArguments['view']['blocks'] };
  assert.equal(await platformError(slack.views.publish({ user_id: 'U1', view: home })), 'invalid_arguments');
  assert.ok((await slack.views.open({ trigger_id: 't', view: modal('x'.repeat(24)) })).ok);
});

test('waitForCall resolves on a later call and times out with a clear error', async () => {
  const waiting = emu.waitForCall('chat.postMessage', (c) => c.args['text'] === 'later');
  setTimeout(() => void slack.chat.postMessage({ channel: 'C1', text: 'later' }), 10);
  assert.equal((await waiting).args['channel'], 'C1');
  await assert.rejects(emu.waitForCall('views.open', undefined, 20), /no views.open call within 20 ms/);
});

test('response URLs record up to five posts and refuse the sixth with used_url', async () => {
  const url = emu.responseUrl('cmd-1');
  const post = (text: string) =>
    fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text }),
    });
  const waiting = emu.waitForResponse((r) => r.id === 'cmd-1');
  for (let i = 1; i <= 5; i++) {
    const res = await post(`reply ${i}`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { ok: true });
  }
  assert.deepEqual((await waiting).body, { text: 'reply 1' });
  const sixth = await post('reply 6');
  assert.equal(sixth.status, 404);
  assert.equal(((await sixth.json()) as { error: string }).error, 'used_url');
  assert.deepEqual(
    emu.responses.map((r) => r.ok),
    [true, true, true, true, true, false],
  );
});

const texts = (messages: { text?: string }[] | undefined) => (messages ?? []).map((m) => m.text);
const alertMetadata = { event_type: 'finsync_alert', event_payload: { key: 'stripe:1', attempt: 2 } };

test('conversations.history pages newest first by cursor: 250 messages at limit 100 are 3 pages', async () => {
  for (let i = 0; i < 250; i++) await slack.chat.postMessage({ channel: 'C1', text: `m${i}` });
  const pages: { texts: (string | undefined)[]; hasMore: boolean | undefined }[] = [];
  let cursor: string | undefined;
  do {
    const page = await slack.conversations.history({
      channel: 'C1',
      limit: 100,
      ...(cursor ? { cursor } : {}),
    });
    pages.push({ texts: texts(page.messages), hasMore: page.has_more });
    cursor = page.response_metadata?.next_cursor || undefined;
  } while (cursor && pages.length < 10);
  assert.deepEqual(
    pages.map((p) => [p.texts.length, p.hasMore]),
    [
      [100, true],
      [100, true],
      [50, false],
    ],
  );
  assert.deepEqual(
    pages.flatMap((p) => p.texts),
    Array.from({ length: 250 }, (_, i) => `m${249 - i}`),
  );
  assert.equal((await slack.conversations.history({ channel: 'C1' })).messages?.length, 100, 'default limit');
  let seen = 0;
  for await (const page of slack.paginate('conversations.history', { channel: 'C1', limit: 120 })) {
    seen += (page as webApi.ConversationsHistoryResponse).messages?.length ?? 0;
  }
  assert.equal(seen, 250, "the client's own paginate follows next_cursor to the end");
});

test('conversations.history leaves thread replies out except broadcast ones; parents carry reply counts', async () => {
  const parent = await slack.chat.postMessage({ channel: 'C1', text: 'parent' });
  await slack.chat.postMessage({ channel: 'C1', text: 'quietSlackLogger reply', thread_ts: parent.ts! });
  const loud = await slack.chat.postMessage({
    channel: 'C1',
    text: 'state change',
    thread_ts: parent.ts!,
    reply_broadcast: true,
  });
  await slack.chat.postMessage({ channel: 'C1', text: 'later' });
  const { messages = [] } = await slack.conversations.history({ channel: 'C1' });
  assert.deepEqual(texts(messages), ['later', 'state change', 'parent']);
  const [later, broadcast, top] = messages;
  assert.equal(later?.reply_count, undefined);
  assert.equal(broadcast?.subtype, 'thread_broadcast');
  assert.equal(broadcast?.thread_ts, parent.ts);
  assert.equal(top?.thread_ts, parent.ts);
  assert.equal(top?.reply_count, 2);
  assert.equal(top?.latest_reply, loud.ts);
  assert.deepEqual(texts(emu.topLevelMessages('C1')), ['parent', 'state change', 'later']);
  assert.deepEqual(texts(emu.threadReplies('C1', parent.ts!)), ['quietSlackLogger reply', 'state change']);
  assert.equal(emu.messagesIn('C1').length, 4);
});

test('conversations.replies gives the parent then replies oldest first, by pages, for any ts of the thread', async () => {
  const parent = await slack.chat.postMessage({ channel: 'C1', text: 'parent' });
  const reply = (text: string) => slack.chat.postMessage({ channel: 'C1', text, thread_ts: parent.ts! });
  const r1 = await reply('r1');
  const r2 = await reply('r2');
  await reply('r3');
  const whole = await slack.conversations.replies({ channel: 'C1', ts: parent.ts! });
  assert.deepEqual(texts(whole.messages), ['parent', 'r1', 'r2', 'r3']);
  assert.equal(whole.has_more, false);
  assert.equal(whole.messages?.[0]?.reply_count, 3);
  assert.deepEqual(texts((await slack.conversations.replies({ channel: 'C1', ts: r2.ts! })).messages), [
    'parent',
    'r1',
    'r2',
    'r3',
  ]);
  const first = await slack.conversations.replies({ channel: 'C1', ts: parent.ts!, limit: 2 });
  assert.deepEqual([texts(first.messages), first.has_more], [['parent', 'r1'], true]);
  const cursor = first.response_metadata?.next_cursor;
  assert.ok(cursor);
  const second = await slack.conversations.replies({ channel: 'C1', ts: parent.ts!, limit: 2, cursor });
  assert.deepEqual([texts(second.messages), second.has_more], [['r2', 'r3'], false]);
  const after = await slack.conversations.replies({ channel: 'C1', ts: parent.ts!, oldest: r1.ts! });
  assert.deepEqual(texts(after.messages), ['parent', 'r2', 'r3']);
  const single = await slack.chat.postMessage({ channel: 'C1', text: 'alone' });
  assert.deepEqual(texts((await slack.conversations.replies({ channel: 'C1', ts: single.ts! })).messages), [
    'alone',
  ]);
  assert.equal(
    await platformError(slack.conversations.replies({ channel: 'C1', ts: '1000000000.000001' })),
    'thread_not_found',
  );
});

test('a reply to a ts that is no message is accepted, as Slack does, and shows in no history', async () => {
  const orphan = await slack.chat.postMessage({
    channel: 'C1',
    text: 'orphan',
    thread_ts: '1000000000.000001',
  });
  assert.equal(orphan.message?.thread_ts, '1000000000.000001');
  await slack.chat.postMessage({ channel: 'C1', text: 'top' });
  assert.deepEqual(texts((await slack.conversations.history({ channel: 'C1' })).messages), ['top']);
  assert.deepEqual(texts(emu.threadReplies('C1', '1000000000.000001')), ['orphan']);
});

test('metadata round-trips through history and replies only with include_all_metadata', async () => {
  const parent = await slack.chat.postMessage({ channel: 'C1', text: 'alert', metadata: alertMetadata });
  assert.deepEqual(parent.message?.metadata, alertMetadata);
  // A JSON string, as a form body carries it, is parsed like an object.
  const replyMetadata = { event_type: 'finsync_alert', event_payload: { key: 'stripe:2' } };
  await slack.apiCall('chat.postMessage', {
    channel: 'C1',
    text: 'reply',
    thread_ts: parent.ts,
    metadata: JSON.stringify(replyMetadata),
  });
  const plain = await slack.conversations.history({ channel: 'C1' });
  assert.equal(plain.messages?.[0]?.metadata, undefined);
  const full = await slack.conversations.history({ channel: 'C1', include_all_metadata: true });
  assert.deepEqual(full.messages?.[0]?.metadata, alertMetadata);
  const thread = await slack.conversations.replies({
    channel: 'C1',
    ts: parent.ts!,
    include_all_metadata: true,
  });
  assert.deepEqual(
    thread.messages?.map((m) => m.metadata),
    [alertMetadata, replyMetadata],
  );
  assert.deepEqual(emu.message('C1', parent.ts!)?.metadata, alertMetadata);
  const post = (metadata: unknown) =>
    platformError(slack.apiCall('chat.postMessage', { channel: 'C1', text: 'x', metadata }));
  assert.equal(await post('{not json'), 'invalid_metadata_format');
  assert.equal(await post({ event_type: 'no_payload' }), 'invalid_metadata_schema');
});

test('chat.update keeps blocks and metadata unless given, [] removes blocks, and edits are counted', async () => {
  const blocks = [section('*Stripe* failing')];
  const posted = await slack.chat.postMessage({
    channel: 'C1',
    text: 'failing',
    blocks,
    metadata: alertMetadata,
  });
  const ts = posted.ts!;
  assert.equal(emu.message('C1', ts)?.updates, 0);
  await slack.chat.update({ channel: 'C1', ts, text: 'still failing' });
  assert.deepEqual(emu.message('C1', ts)?.blocks, blocks);
  await slack.chat.update({ channel: 'C1', ts, text: 'recovered', blocks: [] });
  const recovered = emu.message('C1', ts);
  assert.equal(recovered?.blocks, undefined);
  assert.deepEqual(recovered?.metadata, alertMetadata);
  assert.deepEqual([recovered?.edited, recovered?.updates], [true, 2]);
  const resolved = { event_type: 'finsync_resolved', event_payload: { key: 'stripe:1' } };
  const updated = await slack.chat.update({ channel: 'C1', ts, text: 'resolved', metadata: resolved });
  assert.deepEqual(updated.message?.metadata, resolved);
  assert.equal(emu.message('C1', ts)?.updates, 3);
  const [shown] =
    (await slack.conversations.history({ channel: 'C1', include_all_metadata: true })).messages ?? [];
  assert.match(shown?.edited?.ts ?? '', /^\d+\.\d{6}$/);
  assert.deepEqual(shown?.metadata, resolved);
  assert.equal(emu.topLevelMessages('C1').length, 1);
});

test('oldest and latest bound history, exclusive unless inclusive; bad bounds and cursors are refused', async () => {
  const ts: string[] = [];
  for (const text of ['a', 'b', 'c', 'd'])
    ts.push((await slack.chat.postMessage({ channel: 'C1', text })).ts!);
  const between = { channel: 'C1', oldest: ts[1]!, latest: ts[3]! };
  assert.deepEqual(texts((await slack.conversations.history(between)).messages), ['c']);
  const inclusive = await slack.conversations.history({ ...between, inclusive: true });
  assert.deepEqual(texts(inclusive.messages), ['d', 'c', 'b']);
  assert.equal(
    await platformError(slack.conversations.history({ channel: 'C1', oldest: 'yesterday' })),
    'invalid_ts_oldest',
  );
  assert.equal(
    await platformError(slack.conversations.history({ channel: 'C1', cursor: 'not-a-cursor' })),
    'invalid_cursor',
  );
});

test('reading history: not_in_channel for a public channel not joined, channel_not_found when unseen', async () => {
  emu.setChannel('CNOTJOINED', { name: 'finance', isMember: false });
  emu.setChannel('GSECRET', { name: 'secret', isMember: false, isPrivate: true });
  emu.setChannel('CEMPTY', { name: 'quietSlackLogger', isMember: true });
  assert.equal(await platformError(slack.conversations.history({ channel: 'CNOTJOINED' })), 'not_in_channel');
  assert.equal(
    await platformError(slack.conversations.replies({ channel: 'CNOTJOINED', ts: '1.000001' })),
    'not_in_channel',
  );
  assert.equal(await platformError(slack.conversations.history({ channel: 'GSECRET' })), 'channel_not_found');
  assert.equal(await platformError(slack.conversations.history({ channel: 'CNEVER' })), 'channel_not_found');
  const empty = await slack.conversations.history({ channel: 'CEMPTY' });
  assert.deepEqual([empty.messages, empty.has_more], [[], false]);
  // Undeclared channels are lenient, as for chat.postMessage, once something was posted there.
  await slack.chat.postMessage({ channel: 'CUNDECLARED', text: 'hi' });
  assert.deepEqual(texts((await slack.conversations.history({ channel: 'CUNDECLARED' })).messages), ['hi']);
});

test('conversations.list pages through declared channels; private ones only where the bot is a member', async () => {
  const own = await startSlackEmulator({ botToken: TOKEN });
  try {
    const client = new webApi.WebClient(TOKEN, {
      slackApiUrl: own.url,
      retryConfig: { retries: 0 },
      logger: quietSlackLogger,
    });
    for (const i of [1, 2, 3, 4, 5]) own.setChannel(`CL${i}`, { name: `list-${i}`, isMember: i % 2 === 0 });
    own.setChannel('CLA', { name: 'archived', isMember: false, isArchived: true });
    own.setChannel('GIN', { name: 'private-in', isMember: true, isPrivate: true });
    own.setChannel('GOUT', { name: 'private-out', isMember: false, isPrivate: true });
    const pages: (string | undefined)[][] = [];
    let cursor: string | undefined;
    do {
      const page = await client.conversations.list({ limit: 2, ...(cursor ? { cursor } : {}) });
      pages.push((page.channels ?? []).map((c) => c.name));
      cursor = page.response_metadata?.next_cursor || undefined;
    } while (cursor && pages.length < 10);
    assert.deepEqual(pages, [
      ['list-1', 'list-2'],
      ['list-3', 'list-4'],
      ['list-5', 'archived'],
    ]);
    const live = await client.conversations.list({ exclude_archived: true });
    assert.deepEqual(live.response_metadata?.next_cursor, '');
    assert.equal(live.channels?.length, 5);
    const all = await client.conversations.list({ types: 'public_channel,private_channel' });
    const privateOne = all.channels?.find((c) => c.id === 'GIN');
    assert.deepEqual([privateOne?.is_private, privateOne?.is_member], [true, true]);
    assert.equal(
      all.channels?.some((c) => c.id === 'GOUT'),
      false,
    );
    assert.equal(all.channels?.find((c) => c.id === 'CL2')?.is_member, true);
    assert.equal(await platformError(client.conversations.list({ types: 'bogus' })), 'invalid_types');
    assert.equal(await platformError(client.conversations.list({ cursor: 'bogus' })), 'invalid_cursor');
  } finally {
    await own.close();
  }
});
