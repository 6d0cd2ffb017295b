import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { dirname, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { App, LogLevel, verifySlackRequest } from '@slack/bolt';
import { type SlackEmulator, startSlackEmulator } from '../../src/sandbox/slack-emulator.ts';
import {
  appHomeOpened,
  nowSeconds,
  type SlackAppTarget,
  sendBlockAction,
  sendEvent,
  sendSlashCommand,
  sendViewSubmission,
  signSlackRequest,
  stateValue,
} from '../../src/sandbox/slack-requests.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const vectorPath = resolve(repoRoot, '../shared/specs/slack/request_signing_test_vector.json');

/** Runs Bolt's own verifier, which throws on any mismatch or stale timestamp. */
function boltVerifies(secret: string, body: string, headers: Record<string, string>, nowMs: number): void {
  verifySlackRequest({
    signingSecret: secret,
    body,
    headers: {
      'x-slack-signature': headers['x-slack-signature']!,
      'x-slack-request-timestamp': Number(headers['x-slack-request-timestamp']),
    },
    nowMilliseconds: nowMs,
  });
}

test("the signer reproduces Slack's published signing example", {
  skip: existsSync(vectorPath) ? false : `Slack's signing example not found at ${vectorPath}`,
}, () => {
  const vector = JSON.parse(readFileSync(vectorPath, 'utf8')) as {
    signing_secret: string;
    x_slack_request_timestamp: string;
    body: string;
    x_slack_signature: string;
  };
  const timestamp = Number(vector.x_slack_request_timestamp);
  const headers = signSlackRequest(vector.signing_secret, vector.body, timestamp);
  assert.equal(headers['x-slack-signature'], vector.x_slack_signature);
  assert.equal(headers['x-slack-request-timestamp'], vector.x_slack_request_timestamp);
  boltVerifies(vector.signing_secret, vector.body, { ...headers }, timestamp * 1000);
  assert.throws(() =>
    boltVerifies(vector.signing_secret, `${vector.body}x`, { ...headers }, timestamp * 1000),
  );
});

test('the signer matches a self-made vector (computed with openssl) and Bolt accepts it', () => {
  const secret = 'finsync-test-signing-secret';
  const body = 'command=%2Ffinsync&text=status&user_id=U0TESTER';
  const headers = signSlackRequest(secret, body, 1_700_000_000);
  assert.equal(
    headers['x-slack-signature'],
    'v0=ffc9d13a135edb26bc1e63bd7fbf71258044fa8d8b3d1f6ca90d64d5c59848d6',
  );
  boltVerifies(secret, body, { ...headers }, 1_700_000_000 * 1000);
  // Bolt refuses the same request more than five minutes later.
  assert.throws(() => boltVerifies(secret, body, { ...headers }, (1_700_000_000 + 301) * 1000));
});

// End to end: the senders' payloads are routed by a real Bolt app in HTTP mode.
const SECRET = 'e2e-signing-secret';
const TOKEN = 'xoxb-e2e';
let emu: SlackEmulator;
let bolt: App;
let target: SlackAppTarget;
const seen: Record<string, unknown> = {};

before(async () => {
  emu = await startSlackEmulator({ botToken: TOKEN });
  bolt = new App({
    token: TOKEN,
    signingSecret: SECRET,
    clientOptions: { slackApiUrl: emu.url, retryConfig: { retries: 0 } },
    processBeforeResponse: true,
    deferInitialization: true,
    logLevel: LogLevel.ERROR,
  });
  bolt.command('/finsync', async ({ command, ack, respond }) => {
    await ack();
    seen['command'] = command;
    await respond({ response_type: 'ephemeral', text: `you said ${command.text}` });
  });
  bolt.action('retry_now', async ({ ack, body }) => {
    await ack();
    seen['action'] = body;
  });
  bolt.action('pick_channel', async ({ ack, body }) => {
    await ack();
    seen['viewAction'] = body;
  });
  bolt.view('connect_stripe', async ({ ack, view }) => {
    seen['view'] = view;
    await ack({ response_action: 'errors', errors: { api_key: 'That key was refused' } });
  });
  bolt.event('app_home_opened', async ({ event, client }) => {
    await client.views.publish({
      user_id: event.user,
      view: { type: 'home', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'Home' } }] },
    });
  });
  await bolt.init();
  const server = await bolt.start(0);
  target = { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, signingSecret: SECRET };
});

after(async () => {
  await bolt.stop();
  await emu.close();
});

test('a signed slash command reaches the command listener and can reply via response_url', async () => {
  const reply = await sendSlashCommand(target, { text: 'status', responseUrl: emu.responseUrl('cmd-1') });
  assert.equal(reply.status, 200);
  const command = seen['command'] as { text: string; user_id: string; trigger_id: string };
  assert.equal(command.text, 'status');
  assert.match(command.trigger_id, /^\d+\.\d+\.[0-9a-f]+$/);
  assert.deepEqual((await emu.waitForResponse((r) => r.id === 'cmd-1')).body, {
    response_type: 'ephemeral',
    text: 'you said status',
  });
});

test('block actions in messages and in views reach their listeners', async () => {
  const inMessage = await sendBlockAction(target, {
    actionId: 'retry_now',
    value: 'stripe',
    blockId: 'alert:v2',
  });
  assert.equal(inMessage.status, 200);
  const action = seen['action'] as { actions: { value: string; block_id: string }[]; response_url: string };
  assert.equal(action.actions[0]?.value, 'stripe');
  assert.equal(action.actions[0]?.block_id, 'alert:v2');
  assert.ok(action.response_url);

  const inView = await sendBlockAction(target, {
    actionId: 'pick_channel',
    selectedOption: { value: 'C1' },
    view: { id: 'V123', type: 'home' },
  });
  assert.equal(inView.status, 200);
  const body = seen['viewAction'] as { container: { type: string; view_id: string }; response_url?: string };
  assert.deepEqual(body.container, { type: 'view', view_id: 'V123' });
  assert.equal(body.response_url, undefined);
});

test('a view submission reaches the view listener and its ack body comes back as JSON', async () => {
  const reply = await sendViewSubmission(target, {
    callbackId: 'connect_stripe',
    values: { api_key: { key: stateValue.text('sk_test_bad') } },
    privateMetadata: '{"provider":"stripe"}',
  });
  assert.equal(reply.status, 200);
  assert.deepEqual(reply.body, { response_action: 'errors', errors: { api_key: 'That key was refused' } });
  const view = seen['view'] as { private_metadata: string; state: { values: Record<string, unknown> } };
  assert.equal(view.private_metadata, '{"provider":"stripe"}');
  assert.deepEqual(view.state.values['api_key'], { key: { type: 'plain_text_input', value: 'sk_test_bad' } });
});

test('app_home_opened is delivered and the listener publishes through the emulator', async () => {
  const reply = await sendEvent(target, appHomeOpened('U0HOME'));
  assert.equal(reply.status, 200);
  const call = await emu.waitForCall('views.publish');
  assert.equal(call.args['user_id'], 'U0HOME');
  assert.ok(emu.homeView('U0HOME'));
});

test('forged, unsigned and stale requests are refused with 401', async () => {
  assert.equal((await sendSlashCommand(target, { text: 'help' }, { badSignature: true })).status, 401);
  assert.equal((await sendSlashCommand(target, { text: 'help' }, { unsigned: true })).status, 401);
  assert.equal(
    (await sendSlashCommand(target, { text: 'help' }, { timestamp: nowSeconds() - 600 })).status,
    401,
  );
  assert.equal((await sendEvent(target, appHomeOpened(), { badSignature: true })).status, 401);
});
