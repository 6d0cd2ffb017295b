import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { EMULATOR_SECRET_KEY } from '../../connectors/stripe/emulator.ts';
import { silentLogger } from '../../src/log.ts';
import { EMULATED_APP_ID, EMULATED_TEAM_ID } from '../../src/sandbox/slack-emulator.ts';
import {
  newTriggerId,
  nowSeconds,
  type SlackReply,
  sendEvent,
  sendSlashCommand,
  signSlackRequest,
  stateValue,
} from '../../src/sandbox/slack-requests.ts';
import { replayGuard, requestIdentity } from '../../src/slack/replay-guard.ts';
import { openStore } from '../../src/store/open-store.ts';
import { ADMIN, type Harness, startHarness } from '../helpers/app-harness.ts';

let h: Harness;

/**
 * What an attacker holds after capturing one request: its exact bytes and signature headers. `send` posts
 * them again unchanged (extra headers, e.g. Slack's retry headers, may be added).
 */
function captured(body: string, contentType: string) {
  const signature = signSlackRequest(h.target.signingSecret, body);
  return async (extra: Record<string, string> = {}): Promise<SlackReply> => {
    const res = await fetch(new URL('/slack/events', h.target.url), {
      method: 'POST',
      headers: { 'content-type': contentType, ...signature, ...extra },
      body,
    });
    const text = await res.text();
    const json = (res.headers.get('content-type') ?? '').includes('json') && text !== '';
    return { status: res.status, body: json ? JSON.parse(text) : text };
  };
}

function slashCommandBody(text: string, responseUrl: string): string {
  return new URLSearchParams({
    token: 'verification-token-unused',
    team_id: EMULATED_TEAM_ID,
    team_domain: 'finsync-sandbox',
    channel_id: 'C0GENERAL',
    channel_name: 'general',
    user_id: ADMIN,
    user_name: 'admin',
    command: '/finsync',
    text,
    api_app_id: EMULATED_APP_ID,
    is_enterprise_install: 'false',
    response_url: responseUrl,
    trigger_id: newTriggerId(),
  }).toString();
}

function eventBody(eventId: string, event: Record<string, unknown>): string {
  return JSON.stringify({
    token: 'verification-token-unused',
    team_id: EMULATED_TEAM_ID,
    api_app_id: EMULATED_APP_ID,
    event: { event_ts: `${nowSeconds()}.000100`, ...event },
    type: 'event_callback',
    event_id: eventId,
    event_time: nowSeconds(),
    authorizations: [{ team_id: EMULATED_TEAM_ID, user_id: 'U0FINSYNC', is_bot: true }],
  });
}

function viewSubmissionBody(callbackId: string, metadata: object, values: object): string {
  const payload = {
    type: 'view_submission',
    team: { id: EMULATED_TEAM_ID, domain: 'finsync-sandbox' },
    user: { id: ADMIN, username: 'admin', name: 'admin', team_id: EMULATED_TEAM_ID },
    api_app_id: EMULATED_APP_ID,
    trigger_id: newTriggerId(),
    view: {
      id: 'VREPLAY01',
      type: 'modal',
      callback_id: callbackId,
      private_metadata: JSON.stringify(metadata),
      state: { values },
      hash: `${nowSeconds()}.replay01`,
      blocks: [],
    },
    response_urls: [],
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

const syncAudits = async () =>
  (await h.app.store.listAudit(1000)).filter((e) => e.action === 'sync' && e.connection === 'stripe');

async function settle(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 300));
  await h.app.core.engine.drain();
}

describe('replayed Slack requests are acked and run nothing', () => {
  before(async () => {
    h = await startHarness({ emulators: { stripe: { count: 20 } } });
    await h.app.finsync.connect({
      provider: 'stripe',
      name: 'stripe',
      input: { api_key: EMULATOR_SECRET_KEY },
      actor: ADMIN,
    });
  });
  after(async () => {
    await h.close();
  });

  test('the same signed /finsync sync stripe sent twice queues one sync and leaves one audit entry', async () => {
    const send = captured(
      slashCommandBody('sync stripe', h.slack.responseUrl('replay-sync')),
      'application/x-www-form-urlencoded',
    );
    const first = await send();
    assert.equal(first.status, 200);
    await h.slack.waitForResponse(
      (r) => r.id === 'replay-sync' && /sync started/.test(JSON.stringify(r.body)),
    );
    // Replayed while the first run may still be going, and again after it finished (when a second
    // request would otherwise start a second run).
    const replay = await send();
    assert.deepEqual(replay, { status: 200, body: '' });
    await h.slack.waitForResponse(
      (r) => r.id === 'replay-sync' && /Succeeded/.test(JSON.stringify(r.body)),
      10_000,
    );
    await settle();
    const late = await send();
    assert.deepEqual(late, { status: 200, body: '' });
    await settle();

    assert.equal((await h.app.store.listRuns('stripe', 100)).length, 1, 'one run');
    assert.equal((await syncAudits()).length, 1, 'one audit entry');
    const posts = h.slack.responses.filter((r) => r.id === 'replay-sync').map((r) => JSON.stringify(r.body));
    assert.ok(!posts.some((p) => /already running/.test(p)), 'the replay was never answered as a new sync');
    assert.ok(h.logLines.some((l) => /dropped a replayed Slack request/.test(l)));
  });

  test('a fresh request for the same thing is still served (only the identical request is dropped)', async () => {
    const runs = (await h.app.store.listRuns('stripe', 100)).length;
    const audits = (await syncAudits()).length;
    const id = 'fresh-sync';
    const reply = await sendSlashCommand(h.target, {
      text: 'sync stripe',
      userId: ADMIN,
      responseUrl: h.slack.responseUrl(id),
    });
    assert.equal(reply.status, 200);
    await h.slack.waitForResponse((r) => r.id === id && /Succeeded/.test(JSON.stringify(r.body)), 10_000);
    await settle();
    assert.equal((await h.app.store.listRuns('stripe', 100)).length, runs + 1);
    assert.equal((await syncAudits()).length, audits + 1);
  });

  test('a replayed app_home_opened publishes the Home tab once, and so does a Slack retry of it', async () => {
    const since = Date.now();
    const send = captured(
      eventBody('EvReplay0001', { type: 'app_home_opened', user: ADMIN, channel: 'D0ADMIN', tab: 'home' }),
      'application/json',
    );
    assert.equal((await send()).status, 200);
    await h.slack.waitForCall('views.publish', (c) => c.at >= since && c.args['user_id'] === ADMIN);
    assert.deepEqual(await send(), { status: 200, body: '' });
    const retry = await send({ 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' });
    assert.equal(retry.status, 200);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const publishes = h.slack.callsTo('views.publish').filter((c) => c.at >= since);
    assert.equal(publishes.length, 1, 'one views.publish');
    // Another event (a new event_id) is served.
    await sendEvent(h.target, { type: 'app_home_opened', user: ADMIN, channel: 'D0ADMIN', tab: 'home' });
    await h.slack.waitForCall('views.publish', (c) => c.at >= since && c !== publishes[0]);
  });

  test('a replayed modal submission changes the schedule once', async () => {
    const before = (await h.app.store.listAudit(1000)).length;
    const send = captured(
      viewSubmissionBody(
        'schedule_submit',
        { connection: 'stripe' },
        { schedule: { value: stateValue.text('every 6 hours') } },
      ),
      'application/x-www-form-urlencoded',
    );
    assert.equal((await send()).status, 200);
    assert.deepEqual(await send(), { status: 200, body: '' });
    assert.equal((await h.app.store.listAudit(1000)).length, before + 1, 'one audit entry');
    assert.equal((await h.app.store.getConnection('stripe'))?.schedule, 'every 6 hours');
  });

  test('bodies larger than Slack ever sends are refused with 413, declared or streamed, without buffering them', async () => {
    const headers = {
      'content-type': 'application/x-www-form-urlencoded',
      ...signSlackRequest(h.target.signingSecret, ''),
    };
    // Declared: 64 MiB announced, refused on the header (nothing needs to be read).
    const declared = await postRaw({ ...headers, 'content-length': String(64 * 1024 * 1024) }, 64);
    assert.equal(declared.status, 413);
    assert.ok(declared.written < 8 * 1024 * 1024, `wrote ${declared.written} bytes before the refusal`);
    // Chunked, no length: refused once the 1 MiB limit is passed; the rest is never read.
    const streamed = await postRaw({ ...headers, 'transfer-encoding': 'chunked' }, 64);
    assert.equal(streamed.status, 413);
    assert.ok(streamed.written < 8 * 1024 * 1024, `wrote ${streamed.written} bytes before the refusal`);
    assert.equal((await fetch(new URL('/healthz', h.target.url))).status, 200);
  });
});

/**
 * POSTs up to `mebibytes` of body to /slack/events in 64 KiB chunks, stopping as soon as the app answers
 * (or drops the connection); resolves with the status and how much was written by then.
 */
function postRaw(
  headers: Record<string, string>,
  mebibytes: number,
): Promise<{ status: number | 'closed'; written: number }> {
  const chunk = Buffer.alloc(64 * 1024, 'x');
  return new Promise((resolve) => {
    let written = 0;
    let done = false;
    const finish = (status: number | 'closed') => {
      if (done) return;
      done = true;
      req.destroy();
      resolve({ status, written });
    };
    const req = request(new URL('/slack/events', h.target.url), { method: 'POST', headers }, (res) => {
      res.resume();
      finish(res.statusCode ?? 0);
    });
    req.on('error', () => setTimeout(() => finish('closed'), 50));
    const pump = () => {
      while (!done && written < mebibytes * 1024 * 1024) {
        written += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      if (!done) req.end();
    };
    pump();
  });
}

describe('the replay guard', () => {
  test('a request handled by one process is a replay in another on the same store, for ten minutes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'finsync-replay-'));
    const app = await openStore({ dataDir: dir, mongodbUri: undefined });
    const cli = await openStore({ dataDir: dir, mongodbUri: undefined });
    try {
      let now = 1_000_000;
      const guards = [app, cli].map((store) =>
        replayGuard({ log: silentLogger(), replays: store.replays, now: () => now }),
      );
      const calls: string[] = [];
      const send = (guard: number, id: string) =>
        guards[guard]!({
          body: { type: 'block_actions', trigger_id: id },
          context: {},
          ack: async () => void calls.push(`ack ${guard} ${id}`),
          next: async () => void calls.push(`next ${guard} ${id}`),
        } as never);
      await send(0, 't1');
      await send(1, 't1');
      now += 10 * 60_000 - 1;
      await send(1, 't1');
      now += 1;
      await send(1, 't1');
      assert.deepEqual(calls, [
        'next 0 t1',
        'ack 1 t1',
        'ack 1 t1',
        'next 1 t1', // forgotten after ten minutes (Bolt refuses such old requests anyway)
      ]);
    } finally {
      await app.close();
      await cli.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('identities: event_id for events, trigger_id for commands and interactions, view version for view_closed', () => {
    assert.equal(requestIdentity({ type: 'event_callback', team_id: 'T1', event_id: 'Ev1' }), 'event:T1:Ev1');
    assert.equal(requestIdentity({ command: '/finsync', trigger_id: '1.2.3' }), 'trigger:1.2.3');
    assert.equal(requestIdentity({ type: 'block_actions', trigger_id: '4.5.6' }), 'trigger:4.5.6');
    assert.equal(
      requestIdentity({ type: 'view_closed', view: { id: 'V1', hash: 'h1' } }),
      'view_closed:V1:h1',
    );
    assert.equal(requestIdentity({ type: 'block_suggestion', view: { id: 'V1', hash: 'h1' } }), undefined);
    assert.equal(requestIdentity({ type: 'event_callback' }), undefined);
    assert.equal(requestIdentity('nonsense'), undefined);
  });

  test('a repeat is acked once and never reaches next(); a first request goes on', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'finsync-replay-'));
    const store = await openStore({ dataDir: dir, mongodbUri: undefined });
    try {
      const guard = replayGuard({ log: silentLogger(), replays: store.replays });
      const calls: string[] = [];
      const args = (id: string) =>
        ({
          body: { type: 'block_actions', trigger_id: id },
          context: {},
          ack: async () => void calls.push(`ack ${id}`),
          next: async () => void calls.push(`next ${id}`),
        }) as never;
      await guard(args('t1'));
      await guard(args('t1'));
      await guard(args('t2'));
      assert.deepEqual(calls, ['next t1', 'ack t1', 'next t2']);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
