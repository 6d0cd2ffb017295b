/**
 * 30 connections fail within the same second, all alerting one channel: Slack sees the 30 alerts in the
 * order they were raised, one at a time at the channel's pace, none lost and none doubled — also when Slack
 * answers 429 twice and finsync restarts while the queue is half delivered.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type SlackEmulator, startSlackEmulator } from '../../src/sandbox/slack-emulator.ts';
import { incidentWorld, parents, TOKEN } from './helpers.ts';

const PACE_MS = 20;
const names = Array.from({ length: 30 }, (_, i) => `conn-${String(i + 1).padStart(2, '0')}`);
let slack: SlackEmulator;

before(async () => {
  slack = await startSlackEmulator({ botToken: TOKEN });
});
after(() => slack.close());

test('30 alerts in one second reach one channel in order, at its pace, exactly once, across 429s and a restart', async () => {
  const first = await incidentWorld({ slack, connections: names, paceMs: PACE_MS });
  slack.failNext('chat.postMessage', { status: 429, retryAfterSeconds: 1 });
  const started = Date.now();
  for (const name of names) {
    const clock = first.clock;
    await first.run('failed', 'auth', name, `${name} refused the key`);
    first.clock = clock; // the same instant for all 30
  }
  assert.ok(Date.now() - started < 1_000, 'raised within a second');
  // Half-way through the queue: another 429, then finsync stops and starts again on the same data.
  for (let i = 0; i < 500 && parents(first).length < 12; i++) await sleep(10);
  slack.failNext('chat.postMessage', { status: 429, retryAfterSeconds: 1 });
  await first.close();
  const delivered = parents(first).length;
  assert.ok(delivered > 0 && delivered < 30, `stopped half-way (${delivered} delivered)`);

  const second = await incidentWorld({ slack, dir: first.dir, connections: names, paceMs: PACE_MS });
  await second.settle();
  const posts = parents(second);
  assert.deepEqual(
    posts.map((p) => /sync failed: (conn-\d\d)/.exec(p.text)?.[1]),
    names,
    'every alert once, in the order raised',
  );
  const rateLimited = slack.callsTo('chat.postMessage').filter((c) => c.error === 'ratelimited');
  assert.equal(rateLimited.length, 2);
  // The pace holds between every two calls to the channel, the restart included.
  const times = slack.callsTo('chat.postMessage').map((c) => c.at);
  for (let i = 1; i < times.length; i++)
    assert.ok(
      times[i]! - times[i - 1]! >= PACE_MS - 2,
      `calls ${i - 1} and ${i} were ${times[i]! - times[i - 1]!} ms apart`,
    );
  await second.close(true);
});
