import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, beforeEach, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { silentLogger } from '../../src/log.ts';
import {
  Outbox,
  type OutboxItem,
  type OutboxMessage,
  type OutboxOptions,
  outboxWebClient,
} from '../../src/notify/outbox.ts';
import { type SlackCall, type SlackEmulator, startSlackEmulator } from '../../src/sandbox/slack-emulator.ts';
import { openStore } from '../../src/store/open-store.ts';
import { quietSlackLogger } from '../helpers/quiet-slack-logger.ts';

const TOKEN = 'xoxb-outbox-test';
/** The per-channel pace under test: Slack's 1 s, scaled down so the file runs in a few seconds. */
const PACE_MS = 20;
let emu: SlackEmulator;
const dirs: string[] = [];
const open: { close(): Promise<void> }[] = [];

before(async () => {
  emu = await startSlackEmulator({ botToken: TOKEN });
});
after(() => emu.close());
beforeEach(() => emu.reset());
afterEach(async () => {
  for (const box of open.splice(0)) await box.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'finsync-outbox-'));
  dirs.push(dir);
  return dir;
}

/** An outbox on the store in `dir` (what the restart test reopens), or on a fresh store. */
async function openOutbox(dir: string | undefined, options: Partial<OutboxOptions> = {}) {
  const store = await openStore({ dataDir: dir ?? dataDir(), mongodbUri: undefined });
  const outbox = new Outbox({
    queue: store.outbox,
    client: outboxWebClient(TOKEN, { slackApiUrl: emu.url, logger: quietSlackLogger }),
    log: silentLogger(),
    paceMs: PACE_MS,
    retry: { attempts: 4, baseDelayMs: 20, maxDelayMs: 100 },
    ...options,
  });
  let closed = false;
  const box = {
    outbox,
    async close() {
      if (closed) return;
      closed = true;
      await outbox.stop();
      await store.close();
    },
  };
  open.push(box);
  return box;
}

const post = (
  key: string,
  channel: string,
  text: string,
  extra: Record<string, unknown> = {},
): OutboxMessage => ({
  key,
  channel,
  method: 'chat.postMessage',
  args: { text, ...extra },
});

const postsTo = (channel: string): SlackCall[] =>
  emu.callsTo('chat.postMessage').filter((call) => call.args['channel'] === channel);
const delivered = (channel: string) => postsTo(channel).filter((call) => call.ok);

async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 4000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(10);
  }
}

async function settled(outbox: Outbox, key: string): Promise<OutboxItem> {
  let item: OutboxItem | undefined;
  await until(async () => {
    item = await outbox.get(key);
    return item?.state === 'delivered' || item?.state === 'failed';
  });
  return item!;
}

test('30 alerts for one channel in a second arrive in order at the pace, none lost or doubled, across two 429s and a restart', async () => {
  const channel = 'C0ALERTS';
  const dir = dataDir();
  let box = await openOutbox(dir);
  emu.failNext('chat.postMessage', { status: 429, retryAfterSeconds: 1 });
  box.outbox.start();
  const started = Date.now();
  for (let n = 0; n < 30; n++) await box.outbox.enqueue(post(`alert:${n}`, channel, `alert ${n}`));
  assert.ok(Date.now() - started < 1000);

  await until(() => delivered(channel).length >= 10);
  await box.close(); // restart in the middle: a new store and outbox on the same data dir
  emu.failNext('chat.postMessage', { status: 429, retryAfterSeconds: 1 });
  box = await openOutbox(dir);
  box.outbox.start();
  await until(async () => (await box.outbox.counts()).delivered === 30, 6000);
  await sleep(PACE_MS * 5); // a doubled message would have shown up by now

  const calls = postsTo(channel);
  assert.deepEqual(
    delivered(channel).map((call) => call.args['text']),
    Array.from({ length: 30 }, (_, n) => `alert ${n}`),
  );
  assert.equal(emu.messagesIn(channel).length, 30);
  const limited = calls.filter((call) => call.error === 'ratelimited');
  assert.equal(limited.length, 2);
  for (let i = 1; i < calls.length; i++) {
    const gap = calls[i]!.at - calls[i - 1]!.at;
    assert.ok(gap >= PACE_MS, `calls ${i - 1} and ${i} only ${gap} ms apart`);
    if (calls[i - 1]!.error === 'ratelimited') assert.ok(gap >= 1000, `Retry-After not honoured: ${gap} ms`);
  }
  assert.deepEqual(await box.outbox.counts(), { pending: 0, sending: 0, delivered: 30, failed: 0 });
});

test('the same key enqueued twice is sent once, even after it was delivered', async () => {
  const box = await openOutbox(undefined);
  assert.equal(await box.outbox.enqueue(post('incident:42:update:3', 'C1', 'first')), true);
  assert.equal(await box.outbox.enqueue(post('incident:42:update:3', 'C1', 'second')), false);
  box.outbox.start();
  await settled(box.outbox, 'incident:42:update:3');
  assert.equal(await box.outbox.enqueue(post('incident:42:update:3', 'C1', 'third')), false);
  await sleep(PACE_MS * 4);
  assert.deepEqual(
    postsTo('C1').map((call) => call.args['text']),
    ['first'],
  );
});

test('a refusal (ok: false) fails the message at once, is reported, and is not retried', async () => {
  emu.setChannel('C0ARCHIVED', { name: 'old-alerts', isMember: true, isArchived: true });
  const reported: OutboxItem[] = [];
  const box = await openOutbox(undefined, { onPersistentFailure: (item) => void reported.push(item) });
  await box.outbox.enqueue(post('alert:1', 'C0ARCHIVED', 'Stripe sync failed'));
  box.outbox.start();
  const item = await settled(box.outbox, 'alert:1');
  await sleep(100); // a retry (20 ms backoff) would have happened by now

  assert.equal(item.state, 'failed');
  assert.equal(item.error, 'is_archived');
  assert.equal(postsTo('C0ARCHIVED').length, 1);
  await until(() => reported.length === 1);
  assert.equal(reported[0]!.key, 'alert:1');
  assert.deepEqual(
    (await box.outbox.failures()).map((failure) => [failure.key, failure.error]),
    [['alert:1', 'is_archived']],
  );
});

test('a message Slack refuses does not block the next one in its channel', async () => {
  const box = await openOutbox(undefined);
  emu.failNext('chat.postMessage', { error: 'invalid_blocks' });
  await box.outbox.enqueue(post('alert:1', 'C1', 'broken'));
  await box.outbox.enqueue(post('alert:2', 'C1', 'fine'));
  box.outbox.start();
  assert.equal((await settled(box.outbox, 'alert:2')).state, 'delivered');
  assert.equal((await box.outbox.get('alert:1'))?.error, 'invalid_blocks');
  assert.deepEqual(
    delivered('C1').map((call) => call.args['text']),
    ['fine'],
  );
});

test('a 5xx is retried with backoff and the message is then delivered once', async () => {
  const box = await openOutbox(undefined);
  emu.failNext('chat.postMessage', { status: 500 });
  emu.failNext('chat.postMessage', { status: 500 });
  await box.outbox.enqueue(post('digest:2026-01-31', 'C0DIGEST', 'Daily digest'));
  box.outbox.start();
  const item = await settled(box.outbox, 'digest:2026-01-31');

  assert.equal(item.state, 'delivered');
  assert.equal(item.attempts, 3);
  assert.deepEqual(
    postsTo('C0DIGEST').map((call) => call.error ?? 'ok'),
    ['internal_error', 'internal_error', 'ok'],
  );
  assert.equal(emu.messagesIn('C0DIGEST').length, 1);
  assert.equal(item.ts, emu.messagesIn('C0DIGEST')[0]!.ts);
});

test('a transient failure that never ends fails after the bounded attempts', async () => {
  const box = await openOutbox(undefined, { retry: { attempts: 3, baseDelayMs: 10, maxDelayMs: 20 } });
  for (let i = 0; i < 5; i++) emu.failNext('chat.postMessage', { error: 'service_unavailable' });
  await box.outbox.enqueue(post('alert:1', 'C1', 'Plaid is down'));
  box.outbox.start();
  const item = await settled(box.outbox, 'alert:1');
  assert.equal(item.state, 'failed');
  assert.match(item.error ?? '', /^service_unavailable, after 3 attempts/);
  assert.equal(postsTo('C1').length, 3);
});

test("a thread reply waits for its parent and lands in the parent's thread; an update edits the parent", async () => {
  const box = await openOutbox(undefined);
  const parent = { fromKey: 'incident:7:parent' };
  box.outbox.start();
  await box.outbox.enqueue(post('incident:7:reply:1', 'C1', 'Run 2 failed too', { thread_ts: parent }));
  await sleep(PACE_MS * 4);
  assert.equal(emu.callsTo('chat.postMessage').length, 0, 'the reply must wait for its parent');

  await box.outbox.enqueue(post('incident:7:parent', 'C1', ':red_circle: Stripe sync failing'));
  await box.outbox.enqueue({
    key: 'incident:7:resolved',
    channel: 'C1',
    method: 'chat.update',
    args: {
      channel: { fromKey: 'incident:7:parent', field: 'channel' },
      ts: parent,
      text: ':white_check_mark: Resolved',
    },
  });
  const posted = await settled(box.outbox, 'incident:7:parent');
  const reply = await settled(box.outbox, 'incident:7:reply:1');
  const update = await settled(box.outbox, 'incident:7:resolved');

  assert.equal(update.state, 'delivered');
  assert.equal(emu.message('C1', posted.ts!)?.text, ':white_check_mark: Resolved');
  assert.equal(emu.message('C1', reply.ts!)?.threadTs, posted.ts);
  assert.deepEqual(
    emu.calls.filter((call) => call.ok).map((call) => call.method),
    ['chat.postMessage', 'chat.postMessage', 'chat.update'],
  );
});

test('a reply whose parent failed fails too, and says why', async () => {
  emu.setChannel('C0ARCHIVED', { name: 'old', isMember: true, isArchived: true });
  const reported: string[] = [];
  const box = await openOutbox(undefined, { onPersistentFailure: (item) => void reported.push(item.key) });
  await box.outbox.enqueue(post('incident:8:parent', 'C0ARCHIVED', 'failing'));
  await box.outbox.enqueue(
    post('incident:8:reply:1', 'C0ARCHIVED', 'still', { thread_ts: { fromKey: 'incident:8:parent' } }),
  );
  box.outbox.start();
  const reply = await settled(box.outbox, 'incident:8:reply:1');
  assert.equal(reply.state, 'failed');
  assert.equal(reply.error, 'dependency_failed: incident:8:parent (is_archived)');
  assert.equal(postsTo('C0ARCHIVED').length, 1);
  await until(() => reported.length === 2);
});

test('two channels progress independently: a 429 in one does not hold up the other', async () => {
  const box = await openOutbox(undefined);
  emu.failNext('chat.postMessage', { status: 429, retryAfterSeconds: 1 });
  await box.outbox.enqueue(post('a:1', 'C0A', 'a 1'));
  box.outbox.start();
  const limited = await emu.waitForCall('chat.postMessage', (call) => call.error === 'ratelimited');
  for (let n = 1; n <= 5; n++) await box.outbox.enqueue(post(`b:${n}`, 'C0B', `b ${n}`));
  await box.outbox.enqueue(post('a:2', 'C0A', 'a 2'));
  await settled(box.outbox, 'a:2');

  const a = delivered('C0A');
  const b = delivered('C0B');
  assert.deepEqual(
    a.map((call) => call.args['text']),
    ['a 1', 'a 2'],
  );
  assert.equal(b.length, 5);
  assert.ok(a[0]!.at - limited.at >= 1000, 'channel A waited Retry-After');
  assert.ok(
    b.every((call) => call.at < a[0]!.at),
    'channel B went on while channel A waited',
  );
});

test('the Home tab can show the last alert and the last digest delivered; ephemerals and Home tabs go through too', async () => {
  const box = await openOutbox(undefined, { paceMs: 5 });
  await box.outbox.enqueue(post('alert:1', 'C1', 'one'));
  await box.outbox.enqueue(post('digest:2026-01-30', 'C2', 'digest 30'));
  await box.outbox.enqueue(post('alert:2', 'C1', 'two'));
  await box.outbox.enqueue({
    key: 'reply:U1:1',
    channel: 'C1',
    method: 'chat.postEphemeral',
    args: { user: 'U1', text: 'Only you can see this' },
  });
  await box.outbox.enqueue({
    key: 'home:U1:1',
    channel: 'U1',
    method: 'views.publish',
    args: { view: { type: 'home', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'Hi' } }] } },
  });
  box.outbox.start();
  await until(async () => (await box.outbox.counts()).delivered === 5);

  const lastAlert = await box.outbox.lastDelivered('alert:');
  assert.equal(lastAlert?.key, 'alert:2');
  assert.equal(lastAlert?.ts, emu.messagesIn('C1')[1]!.ts);
  assert.equal((await box.outbox.lastDelivered('digest:'))?.key, 'digest:2026-01-30');
  assert.equal(await box.outbox.lastDelivered('payout:'), undefined);
  assert.ok((await box.outbox.get('reply:U1:1'))?.ts);
  assert.ok(emu.homeView('U1'));
});
