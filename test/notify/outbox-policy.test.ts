import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { webApi } from '@slack/bolt';
import { InvalidRequestError } from '../../src/errors.ts';
import { silentLogger } from '../../src/log.ts';
import { Outbox, outboxWebClient } from '../../src/notify/outbox.ts';
import { markerOf, prepareMessage, resolveArgs, withMarker } from '../../src/notify/outbox-args.ts';
import { classifySlackError, DEFAULT_OUTBOX_RETRY, retryDelayMs } from '../../src/notify/outbox-errors.ts';
import { openStore } from '../../src/store/open-store.ts';

const platform = (error: string) => new webApi.WebAPIPlatformError({ ok: false, error });
const network = (code: string) =>
  new webApi.WebAPIRequestError(
    new TypeError('fetch failed', { cause: Object.assign(new Error(code), { code }) }),
  );

test('Slack errors are classified by what to do: wait, retry (sure or unsure), or give up', () => {
  assert.deepEqual(classifySlackError(new webApi.WebAPIRateLimitedError(7)), {
    kind: 'rate_limited',
    retryAfterMs: 7000,
    error: 'ratelimited',
  });
  for (const code of ['channel_not_found', 'not_in_channel', 'is_archived', 'invalid_blocks', 'msg_too_long'])
    assert.deepEqual(classifySlackError(platform(code)), { kind: 'permanent', error: code });
  assert.deepEqual(classifySlackError(platform('service_unavailable')), {
    kind: 'transient',
    error: 'service_unavailable',
    unsure: false,
  });
  assert.equal((classifySlackError(platform('internal_error')) as { unsure: boolean }).unsure, true);
  assert.deepEqual(classifySlackError(new webApi.WebAPIHTTPError(503, 'Service Unavailable', {})), {
    kind: 'transient',
    error: 'http_503',
    unsure: true,
  });
  assert.equal(classifySlackError(new webApi.WebAPIHTTPError(413, 'Too Large', {})).kind, 'permanent');
  assert.deepEqual(classifySlackError(network('ECONNREFUSED')), {
    kind: 'transient',
    error: 'network_ECONNREFUSED',
    unsure: false,
  });
  assert.equal((classifySlackError(network('ECONNRESET')) as { unsure: boolean }).unsure, true);
});

test('the default retries are bounded: 8 tries spread over roughly 5 to 10 minutes', () => {
  const total = (random: number) =>
    Array.from({ length: DEFAULT_OUTBOX_RETRY.attempts - 1 }, (_, i) =>
      retryDelayMs(i + 1, DEFAULT_OUTBOX_RETRY, () => random),
    ).reduce((a, b) => a + b, 0);
  assert.ok(total(0) >= 4.5 * 60_000, `shortest ${total(0)} ms`);
  assert.ok(total(1) <= 10 * 60_000, `longest ${total(1)} ms`);
});

test('a message names the channel it goes to and the messages it waits for', () => {
  const prepared = prepareMessage({
    key: 'incident:1:update:1',
    channel: 'C1',
    method: 'chat.update',
    args: { ts: { fromKey: 'incident:1:parent' }, text: 'Resolved' },
  });
  assert.deepEqual(prepared.dependsOn, ['incident:1:parent']);
  assert.equal(prepared.args['channel'], 'C1');
  const home = prepareMessage({
    key: 'home:U1:1',
    channel: 'U1',
    method: 'views.publish',
    args: { view: {} },
  });
  assert.equal(home.args['user_id'], 'U1');
  assert.deepEqual(
    resolveArgs(prepared.args, () => ({ ts: '1.000001', channel: 'C1' })),
    { ts: '1.000001', text: 'Resolved', channel: 'C1' },
  );
});

test('malformed messages are refused when enqueued, not when sent', async () => {
  const bad = [
    { key: '', channel: 'C1', method: 'chat.postMessage', args: {} },
    { key: 'k', channel: 'C1', method: 'chat.delete', args: {} },
    {
      key: 'k',
      channel: 'C1',
      method: 'chat.postMessage',
      args: { thread_ts: { fromKey: 'p', field: 'x' } },
    },
    { key: 'k', channel: 'C1', method: 'chat.postMessage', args: { thread_ts: { fromKey: 'k' } } },
  ];
  for (const message of bad)
    assert.throws(() => prepareMessage(message as Parameters<typeof prepareMessage>[0]), InvalidRequestError);

  const dir = mkdtempSync(join(tmpdir(), 'finsync-outbox-policy-'));
  const store = await openStore({ dataDir: dir, mongodbUri: undefined });
  const outbox = new Outbox({
    queue: store.outbox,
    client: outboxWebClient('xoxb-unused'),
    log: silentLogger(),
  });
  const reply = (key: string, parent: string) => ({
    key,
    channel: 'C1',
    method: 'chat.postMessage' as const,
    args: { text: key, thread_ts: { fromKey: parent } },
  });
  assert.equal(await outbox.enqueue(reply('a', 'b')), true);
  await assert.rejects(outbox.enqueue(reply('b', 'a')), InvalidRequestError, 'a cycle would wait forever');
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

test('every post carries its outbox key in message metadata, beside the caller’s own metadata', () => {
  const marked = withMarker(
    'chat.postMessage',
    { text: 'hi', metadata: { event_type: 'incident_opened', event_payload: { incident: 42 } } },
    'incident:42:parent',
  );
  assert.deepEqual(marked['metadata'], {
    event_type: 'incident_opened',
    event_payload: { incident: 42, finsync_outbox_key: 'incident:42:parent' },
  });
  assert.equal(markerOf({ ts: '1.0', metadata: marked['metadata'] }), 'incident:42:parent');
  assert.equal(markerOf({ ts: '1.0' }), undefined);
  assert.deepEqual(withMarker('chat.update', { text: 'hi' }, 'k'), { text: 'hi' });
});
