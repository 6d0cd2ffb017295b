import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, beforeEach, test } from 'node:test';
import {
  type EmulatedMessage,
  type SlackEmulator,
  startSlackEmulator,
} from '../../src/sandbox/slack-emulator.ts';
import { connection } from './factories.ts';
import { bootApp, cleanUp, isLate, setClock, shown, TOKEN } from './sender-helpers.ts';

let emu: SlackEmulator;

before(async () => {
  emu = await startSlackEmulator({ botToken: TOKEN });
});
after(() => emu.close());
beforeEach(() => emu.reset());
afterEach(cleanUp);

const posts = (channel: string): EmulatedMessage[] => emu.topLevelMessages(channel);
const channel = (id: string) => ({ id, name: id.toLowerCase() });

/** Exactly one message in the channel, on time, naming the day it covers. */
function assertOneDigest(id: string, dayWords: string, late = false): EmulatedMessage {
  const messages = posts(id);
  assert.equal(messages.length, 1, `one digest in ${id}, got: ${messages.map((m) => m.text).join(' | ')}`);
  const message = messages[0]!;
  assert.match(message.text, new RegExp(`digest for ${dayWords}`));
  assert.equal(isLate(message), late, late ? 'marked "Sent late"' : 'not marked late');
  return message;
}

test('the digest is not due before its local time, goes out once at it for the previous local day, also across ticks and a restart', async () => {
  // Tokyo: 08:00 local is 23:00 UTC the day before, so a UTC day would name the wrong date.
  let app = await bootApp(emu, { timezone: 'Asia/Tokyo' });
  setClock('2026-05-11T21:00:00Z'); // 06:00 JST on Tuesday May 12
  await app.routing.setDigest(channel('C0DIGEST'), '08:00', 'UADMIN');

  await app.tickAt('2026-05-11T22:59:00Z'); // 07:59 JST
  assert.equal(emu.callsTo('chat.postMessage').length, 0, 'nothing before 08:00 local');
  assert.equal(await app.outbox.get('digest:2026-05-11:C0DIGEST'), undefined);

  await app.tickAt('2026-05-11T23:00:00Z'); // 08:00 JST
  assert.equal(emu.callsTo('chat.postMessage').length, 1);
  assertOneDigest('C0DIGEST', 'Monday, May 11, 2026');
  assert.equal((await app.outbox.get('digest:2026-05-11:C0DIGEST'))?.state, 'delivered');

  await app.tickAt('2026-05-11T23:00:30Z');
  await app.tickAt('2026-05-12T11:00:00Z'); // 20:00 JST
  app = await app.restart();
  await app.tickAt('2026-05-12T14:59:00Z'); // 23:59 JST
  assert.equal(emu.callsTo('chat.postMessage').length, 1, 'still exactly one chat.postMessage');
  assertOneDigest('C0DIGEST', 'Monday, May 11, 2026');
});

test('a digest missed while finsync was down goes out once, marked late, for the day before the send date', async () => {
  let app = await bootApp(emu, { timezone: 'Europe/Berlin' });
  setClock('2026-05-12T07:00:00Z'); // 09:00 CEST on day 1, after that day's 08:00
  await app.routing.setDigest(channel('C0LATE'), '08:00', 'UADMIN');

  // Down (no ticks) through 08:00 on day 2; back at 11:00.
  await app.tickAt('2026-05-13T09:00:00Z');
  assertOneDigest('C0LATE', 'Tuesday, May 12, 2026', true);

  await app.tickAt('2026-05-13T15:00:00Z');
  app = await app.restart();
  await app.tickAt('2026-05-13T21:00:00Z');
  assertOneDigest('C0LATE', 'Tuesday, May 12, 2026', true);

  await app.tickAt('2026-05-14T06:00:00Z'); // 08:00 CEST on day 3
  const messages = posts('C0LATE');
  assert.equal(messages.length, 2);
  assert.match(messages[1]!.text, /digest for Wednesday, May 13, 2026/);
  assert.equal(isLate(messages[1]!), false, 'the next day is on time again');
});

test('a digest configured after today’s time sends nothing today and the next one tomorrow at the time', async () => {
  const app = await bootApp(emu, { timezone: 'America/Los_Angeles' });
  setClock('2026-05-12T17:00:00Z'); // 10:00 PDT
  await app.routing.setDigest(channel('C0NEW'), '08:00', 'UADMIN');

  await app.tickAt('2026-05-12T17:00:00Z');
  await app.tickAt('2026-05-12T17:01:00Z');
  await app.tickAt('2026-05-13T06:59:00Z'); // 23:59 PDT
  await app.tickAt('2026-05-13T14:59:00Z'); // 07:59 PDT the next day
  assert.equal(posts('C0NEW').length, 0, 'no late digest for a day due before it was configured');

  await app.tickAt('2026-05-13T15:00:00Z'); // 08:00 PDT
  assertOneDigest('C0NEW', 'Tuesday, May 12, 2026');
});

const NY = 'America/New_York';
const BERLIN = 'Europe/Berlin';
/** Zone, the day the clocks change, configured (noon that day), a minute before and at 08:00 local the
 * next day (UTC times in 2026). */
const DST_DAYS = [
  [NY, 'Sunday, March 8, 2026', 23, '03-08T16:00', '03-09T11:59', '03-09T12:00'],
  [NY, 'Sunday, November 1, 2026', 25, '11-01T17:00', '11-02T12:59', '11-02T13:00'],
  [BERLIN, 'Sunday, March 29, 2026', 23, '03-29T10:00', '03-30T05:59', '03-30T06:00'],
  [BERLIN, 'Sunday, October 25, 2026', 25, '10-25T11:00', '10-26T06:59', '10-26T07:00'],
] as const;
const in2026 = (time: string) => `2026-${time}:00Z`;

test('the digest after a daylight-saving day (New York, Berlin) covers that 23- or 25-hour day and says so', async () => {
  // One store and outbox for the four cases (opening a store is the slow part); a sender per zone.
  const app = await bootApp(emu, { timezone: 'UTC' });
  for (const [timezone, dayWords, hours, configured, minuteBefore, due] of DST_DAYS) {
    const sender = app.senderIn(timezone);
    const id = `C0DST${hours}${timezone.slice(0, 2).toUpperCase()}${configured.slice(0, 2)}`;
    setClock(in2026(configured));
    await app.routing.setDigest(channel(id), '08:00', 'UADMIN');

    await app.tickAt(in2026(minuteBefore), sender);
    assert.equal(posts(id).length, 0, `${timezone} ${dayWords}: not due a minute before 08:00 local`);
    await app.tickAt(in2026(due), sender);
    const message = assertOneDigest(id, dayWords);
    const footer = JSON.stringify(message.blocks?.at(-1));
    assert.match(footer, new RegExp(`\\b${hours} hours\\b`), `${timezone} ${dayWords}: footer ${footer}`);
  }
});

test('America/New_York: a 01:30 digest on the fall-back day goes out once, at the first 01:30', async () => {
  const app = await bootApp(emu, { timezone: NY });
  setClock('2026-10-31T16:00:00Z');
  await app.routing.setDigest(channel('C0REPEAT'), '01:30', 'UADMIN');

  await app.tickAt('2026-11-01T05:29:00Z'); // 01:29 EDT
  assert.equal(posts('C0REPEAT').length, 0);
  await app.tickAt('2026-11-01T05:30:00Z'); // 01:30 EDT, the first one
  assertOneDigest('C0REPEAT', 'Saturday, October 31, 2026');
  for (const at of [
    '2026-11-01T06:00:00Z',
    '2026-11-01T06:30:00Z',
    '2026-11-01T06:50:00Z',
    '2026-11-01T12:00:00Z',
  ]) {
    await app.tickAt(at); // 01:00 EST, 01:30 EST (the second one), later
  }
  assertOneDigest('C0REPEAT', 'Saturday, October 31, 2026');
});

test('a digest subscriber gets the digest once at the time; one subscribed after the time gets none for that day', async () => {
  const app = await bootApp(emu, { timezone: 'UTC' });
  setClock('2026-05-12T06:00:00Z');
  await app.routing.setDigest(channel('C0MAIN'), '08:00', 'UADMIN');
  setClock('2026-05-12T07:00:00Z');
  await app.routing.subscribe(channel('C0SUB'), 'all', ['digest'], 'UADMIN');
  await app.routing.subscribe(channel('C0MAIN'), 'all', ['digest'], 'UADMIN'); // both: still once

  await app.tickAt('2026-05-12T08:00:00Z');
  await app.tickAt('2026-05-12T08:05:00Z');
  const main = assertOneDigest('C0MAIN', 'Monday, May 11, 2026');
  const sub = assertOneDigest('C0SUB', 'Monday, May 11, 2026');
  assert.equal(sub.text, main.text);

  setClock('2026-05-12T08:30:00Z');
  await app.routing.subscribe(channel('C0LATER'), 'all', ['digest'], 'UADMIN');
  await app.tickAt('2026-05-12T09:00:00Z');
  await app.tickAt('2026-05-12T23:59:00Z');
  assert.equal(posts('C0LATER').length, 0, 'no digest for a day due before the subscription');

  await app.tickAt('2026-05-13T08:00:00Z');
  assertOneDigest('C0LATER', 'Tuesday, May 12, 2026');
  assert.equal(posts('C0MAIN').length, 2);
  assert.equal(posts('C0SUB').length, 2);
});

test('a day without runs or records says "No data" in words, with no zero money lines', async () => {
  const app = await bootApp(emu, { timezone: 'UTC' });
  await app.store.createConnection(connection('stripe'));
  await app.store.createConnection(connection('stripe-eu'));
  setClock('2026-05-12T06:00:00Z');
  await app.routing.setDigest(channel('C0EMPTY'), '08:00', 'UADMIN');

  await app.tickAt('2026-05-13T08:00:00Z');
  const message = assertOneDigest('C0EMPTY', 'Tuesday, May 12, 2026');
  assert.match(message.text, /no data for Tuesday, May 12, 2026/i);
  assert.match(shown(message), /No data for Tuesday, May 12, 2026/);
  assert.doesNotMatch(shown(message), /\b0[.,]00\b/, 'no 0.00 amounts');
  assert.doesNotMatch(shown(message), /\*Money/, 'no money section');
});

test('the environment default digest channel works without setDigest, and its "since" survives restarts', async () => {
  let app = await bootApp(emu, { timezone: 'UTC', digestChannel: 'C0ENV' });
  await app.tickAt('2026-05-12T06:00:00Z'); // first seen: before the time, nothing due
  assert.equal(posts('C0ENV').length, 0);
  const first = await app.routing.digestRoute();
  assert.equal(first.source, 'environment');
  assert.equal(first.since, '2026-05-12T06:00:00.000Z');

  // Down through 08:00; back at 09:00: the digest is late, not lost (since is still 06:00).
  setClock('2026-05-12T09:00:00Z');
  app = await app.restart();
  assert.equal((await app.routing.digestRoute()).since, first.since);
  await app.tickAt('2026-05-12T09:00:00Z');
  assertOneDigest('C0ENV', 'Monday, May 11, 2026', true);

  await app.tickAt('2026-05-13T08:00:00Z');
  const messages = posts('C0ENV');
  assert.equal(messages.length, 2);
  assert.match(messages[1]!.text, /digest for Tuesday, May 12, 2026/);
  assert.equal(isLate(messages[1]!), false);
  assert.equal((await app.routing.digestRoute()).since, first.since, 'still the first sighting');
});

test('a subscription that adds digest later gets no late digest for a day due before that', async () => {
  const app = await bootApp(emu, { timezone: 'UTC' });
  setClock('2026-05-10T12:00:00Z');
  await app.routing.subscribe(channel('C0ADDED'), 'all', ['failures'], 'UADMIN');
  setClock('2026-05-12T10:00:00Z'); // after the 08:00 due time
  await app.routing.subscribe(channel('C0ADDED'), 'all', ['digest'], 'UADMIN');
  await app.tickAt('2026-05-12T10:00:00Z');
  assert.equal(posts('C0ADDED').length, 0);
  await app.tickAt('2026-05-13T08:00:00Z');
  assertOneDigest('C0ADDED', 'Tuesday, May 12, 2026');
});

test('another environment digest channel after a restart starts counting when it is first seen', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'finsync-digest-env-'));
  try {
    const first = await bootApp(emu, { timezone: 'UTC', digestChannel: 'C0ENV1' }, dir);
    await first.tickAt('2026-05-10T06:00:00Z');
    await first.stop();
    setClock('2026-05-12T10:00:00Z');
    const second = await bootApp(emu, { timezone: 'UTC', digestChannel: 'C0ENV2' }, dir);
    await second.tickAt('2026-05-12T10:00:00Z');
    assert.equal(posts('C0ENV2').length, 0, 'no late digest for a day due before C0ENV2 was configured');
    assert.equal((await second.routing.digestRoute()).since, '2026-05-12T10:00:00.000Z');
    await second.tickAt('2026-05-13T08:00:00Z');
    assertOneDigest('C0ENV2', 'Tuesday, May 12, 2026');
    await second.stop();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
