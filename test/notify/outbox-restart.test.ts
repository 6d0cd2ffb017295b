/**
 * The duplicate a lost answer could cause: Slack posted the message but the outbox never heard so (the
 * connection dropped, or the process died between the call and recording it). The Slack emulator does not
 * serve conversations.history, so a fetch in front of it plays Slack's history: it remembers what the
 * emulator accepted (with the metadata sent) and answers history lookups the way Slack documents them.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, afterEach, before, beforeEach, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { webApi } from '@slack/bolt';
import { createLogger, type Logger, silentLogger } from '../../src/log.ts';
import { Outbox, type OutboxItem, type OutboxMessage, outboxWebClient } from '../../src/notify/outbox.ts';
import { type SlackEmulator, startSlackEmulator } from '../../src/sandbox/slack-emulator.ts';
import { openStore } from '../../src/store/open-store.ts';
import { quietSlackLogger } from '../helpers/quiet-slack-logger.ts';

const TOKEN = 'xoxb-outbox-restart-test';
const CHANNEL = 'C0ALERTS';
let emu: SlackEmulator;
const dirs: string[] = [];
const cleanups: (() => Promise<void>)[] = [];

before(async () => {
  emu = await startSlackEmulator({ botToken: TOKEN });
});
after(() => emu.close());
beforeEach(() => emu.reset());
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

type Lose = 'connection-reset' | 'hang';

/** Slack as the outbox sees it through fetch: the emulator, plus conversations.history/replies. */
function slackWithHistory(options: { historyError?: string } = {}) {
  const posted: { channel: string; ts: string; threadTs: string | null; metadata: unknown }[] = [];
  let loseNextPost: Lose | undefined;
  const answer = (body: unknown) =>
    new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });
  const fetch: webApi.FetchFunction = async (url, init) => {
    const method = String(url).split('/').pop();
    const form = new URLSearchParams(typeof init?.body === 'string' ? init.body : '');
    if (method === 'conversations.history' || method === 'conversations.replies') {
      if (options.historyError) return answer({ ok: false, error: options.historyError });
      const oldest = Number(form.get('oldest') ?? 0);
      const thread = method === 'conversations.replies' ? form.get('ts') : null;
      const withMetadata = form.get('include_all_metadata') === 'true';
      const messages = posted
        .filter((p) => p.channel === form.get('channel') && Number(p.ts) >= oldest)
        .filter((p) => (thread ? p.ts === thread || p.threadTs === thread : p.threadTs === null))
        .reverse()
        .map((p) => ({
          type: 'message',
          ts: p.ts,
          ...(withMetadata && p.metadata ? { metadata: p.metadata } : {}),
        }));
      return answer({ ok: true, messages, has_more: false });
    }
    const response = await globalThis.fetch(url, init);
    if (method !== 'chat.postMessage') return response;
    const body = (await response.clone().json()) as { ok: boolean; channel: string; ts: string };
    if (body.ok) {
      const metadata = form.get('metadata');
      posted.push({
        channel: body.channel,
        ts: body.ts,
        threadTs: form.get('thread_ts'),
        metadata: metadata ? JSON.parse(metadata) : undefined,
      });
    }
    const lose = loseNextPost;
    loseNextPost = undefined;
    if (lose === 'connection-reset')
      throw new TypeError('fetch failed', {
        cause: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
      });
    if (lose === 'hang') return new Promise<never>(() => {});
    return response;
  };
  return {
    fetch,
    loseNextPost: (how: Lose) => {
      loseNextPost = how;
    },
  };
}

async function openOutbox(dir: string, fetch: webApi.FetchFunction, log: Logger = silentLogger()) {
  const store = await openStore({ dataDir: dir, mongodbUri: undefined });
  const outbox = new Outbox({
    queue: store.outbox,
    client: outboxWebClient(TOKEN, { slackApiUrl: emu.url, logger: quietSlackLogger, fetch }),
    log,
    paceMs: 10,
    retry: { attempts: 4, baseDelayMs: 20, maxDelayMs: 100 },
  });
  let state: 'open' | 'closed' = 'open';
  const close = async () => {
    if (state === 'closed') return;
    state = 'closed';
    await outbox.stop();
    await store.close();
  };
  cleanups.push(close);
  return {
    outbox,
    close,
    /** The process dies: no stop, nothing recorded for the call in flight. */
    async crash() {
      state = 'closed';
      void outbox.stop();
      await store.close();
    },
  };
}

function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'finsync-outbox-restart-'));
  dirs.push(dir);
  return dir;
}

const post = (n: number): OutboxMessage => ({
  key: `alert:${n}`,
  channel: CHANNEL,
  method: 'chat.postMessage',
  args: { text: `alert ${n}` },
});

async function delivered(outbox: Outbox, key: string): Promise<OutboxItem> {
  const deadline = Date.now() + 4000;
  for (;;) {
    const item = await outbox.get(key);
    if (item?.state === 'delivered') return item;
    if (item?.state === 'failed') assert.fail(`${key} failed: ${item.error}`);
    if (Date.now() > deadline) assert.fail(`${key} not delivered in time (${item?.state})`);
    await sleep(10);
  }
}

const texts = () => emu.messagesIn(CHANNEL).map((m) => m.text);

test('a post whose answer was lost is found in the channel history by its key, not posted again', async () => {
  const slack = slackWithHistory();
  const box = await openOutbox(dataDir(), slack.fetch);
  slack.loseNextPost('connection-reset');
  await box.outbox.enqueue(post(1));
  await box.outbox.enqueue(post(2));
  box.outbox.start();
  const first = await delivered(box.outbox, 'alert:1');
  await delivered(box.outbox, 'alert:2');

  assert.deepEqual(texts(), ['alert 1', 'alert 2']);
  assert.equal(first.ts, emu.messagesIn(CHANNEL)[0]!.ts);
  assert.equal(first.unconfirmed, true);
});

test('a crash between the call and recording it: after a restart the post is found, not repeated, and the rest follow in order', async () => {
  const slack = slackWithHistory();
  const dir = dataDir();
  const first = await openOutbox(dir, slack.fetch);
  slack.loseNextPost('hang');
  for (let n = 1; n <= 3; n++) await first.outbox.enqueue(post(n));
  first.outbox.start();
  await emu.waitForCall('chat.postMessage', (call) => call.ok);
  await first.crash();

  const second = await openOutbox(dir, slack.fetch);
  second.outbox.start();
  const one = await delivered(second.outbox, 'alert:1');
  await delivered(second.outbox, 'alert:3');
  await sleep(50);

  assert.deepEqual(texts(), ['alert 1', 'alert 2', 'alert 3']);
  assert.equal(one.ts, emu.messagesIn(CHANNEL)[0]!.ts);
  assert.equal(emu.callsTo('chat.postMessage').length, 3);
});

test('a thread reply whose answer was lost is looked up in its thread', async () => {
  const slack = slackWithHistory();
  const box = await openOutbox(dataDir(), slack.fetch);
  await box.outbox.enqueue(post(1));
  box.outbox.start();
  const parent = await delivered(box.outbox, 'alert:1');
  slack.loseNextPost('connection-reset');
  await box.outbox.enqueue({ ...post(2), args: { text: 'in thread', thread_ts: { fromKey: 'alert:1' } } });
  const reply = await delivered(box.outbox, 'alert:2');

  assert.deepEqual(texts(), ['alert 1', 'in thread']);
  assert.equal(emu.message(CHANNEL, reply.ts!)?.threadTs, parent.ts);
});

test('without the history scope an unsure post is sent again (at-least-once), and a warning says why', async () => {
  const slack = slackWithHistory({ historyError: 'missing_scope' });
  const lines: string[] = [];
  const stream = new PassThrough();
  stream.on('data', (chunk: Buffer) => lines.push(chunk.toString()));
  const box = await openOutbox(dataDir(), slack.fetch, createLogger({ level: 'warn', stream }));
  slack.loseNextPost('connection-reset');
  await box.outbox.enqueue(post(1));
  box.outbox.start();
  await delivered(box.outbox, 'alert:1');

  assert.deepEqual(texts(), ['alert 1', 'alert 1'], 'the documented limit: one duplicate of the unsure post');
  assert.ok(lines.some((line) => line.includes('missing_scope') && line.includes('channels:history')));
});
