/**
 * Pacing: the publisher stays inside Microsoft's push limits on its own (the emulator would answer 429
 * otherwise), waits no longer than the limits demand, and still copes with a 429 it could not foresee.
 * Time is the fake clock shared by emulator and client: an hour of pacing takes milliseconds.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { createPowerBiDestination } from '../../../connectors/powerbi/destination.ts';
import type { LoggedRequest } from '../../../connectors/powerbi/emulator.ts';
import { POWER_BI_LIMITS, PushPacer } from '../../../connectors/powerbi/pacer.ts';
import { credentials, FakeClock, publishRows, type World, world } from './helpers.ts';

let w: World | undefined;
afterEach(() => w?.emu.close());

const rowPosts = (emu: World['emu']) =>
  emu.control.requestLog.filter((r) => r.method === 'POST' && r.path.endsWith('/rows'));

/** Most accepted POSTs the server saw in any 60 s window. */
function peakPerMinute(log: readonly LoggedRequest[]): number {
  const times = log.filter((r) => r.status === 200).map((r) => r.at);
  return Math.max(0, ...times.map((t) => times.filter((u) => u > t - 60_000 && u <= t).length));
}

describe('power bi pacing against the emulator', () => {
  test('a burst of 130 pushes stays within 120 POSTs a minute, waiting only for the 121st', async () => {
    w = await world();
    const p = w.destination.publisher(credentials(w.emu), w.ctx);
    for (let i = 0; i < 130; i++) await p.push('records', publishRows(i + 1, 1), `b${i}`);
    const posts = rowPosts(w.emu);
    assert.equal(posts.length, 130);
    assert.ok(posts.every((r) => r.status === 200));
    assert.ok(peakPerMinute(posts) <= 120, `peak ${peakPerMinute(posts)}`);
    assert.equal(w.emu.control.rows('records').length, 130);
    // The minimum is just over 60 s (the 121st POST must wait for the first to leave the minute); the pacer
    // adds its 1 s margin, no more.
    assert.equal(w.clock.elapsed, 61_000);
  });

  test('without the pacer the emulator would refuse: the same burst with the limit lifted meets a 429, waited out', async () => {
    w = await world({}, { limits: { postsPerMinute: 1_000 } });
    const p = w.destination.publisher(credentials(w.emu), w.ctx);
    for (let i = 0; i < 125; i++) await p.push('records', publishRows(i + 1, 1), `b${i}`);
    const statuses = rowPosts(w.emu).map((r) => r.status);
    assert.equal(statuses.filter((s) => s === 429).length, 1);
    assert.equal(statuses.filter((s) => s === 200).length, 125);
    assert.equal(new Set(w.emu.control.rows('records').map((r) => r.id)).size, 125);
    assert.ok(w.clock.sleeps.length === 1 && w.clock.sleeps[0]! <= 60_000, `slept ${w.clock.sleeps}`);
  });

  test('concurrent pushes from two publishers never have more than 5 POSTs pending', async () => {
    w = await world({ latencyMs: 20 });
    const a = w.destination.publisher(credentials(w.emu), w.ctx);
    const b = w.destination.publisher(credentials(w.emu), w.ctx);
    await a.prepare();
    await Promise.all(
      Array.from({ length: 24 }, (_, i) =>
        (i % 2 ? a : b).push('records', publishRows(i * 100 + 1, 100), `c${i}`),
      ),
    );
    assert.equal(w.emu.control.rows('records').length, 2_400);
    assert.ok(rowPosts(w.emu).every((r) => r.status === 200));
    const peak = w.emu.control.peakPending();
    assert.equal(peak, 5, 'as many as allowed, never more');
  });

  test('rows per hour: past the budget the pacer waits for the oldest rows to leave the hour, no 429', async () => {
    const limits = { rowsPerHour: 30_000 };
    w = await world({ limits }, { limits });
    const p = w.destination.publisher(credentials(w.emu), w.ctx);
    for (let i = 0; i < 5; i++) await p.push('records', publishRows(i * 10_000 + 1, 10_000), `h${i}`);
    assert.ok(rowPosts(w.emu).every((r) => r.status !== 429));
    assert.equal(w.emu.control.rows('records').length, 50_000);
    // 50,000 rows at 30,000 an hour: the last 20,000 can go once the first 10,000 are an hour old.
    assert.equal(w.clock.elapsed, 3_601_000);
  });

  test('past 250,000 rows in a table (here 30) the pacer keeps to 120 POSTs an hour (here 3)', async () => {
    const limits = { largeTableRows: 30, postsPerHourLargeTable: 3 };
    w = await world({ limits, tokenLifetimeSeconds: 86_400 }, { limits });
    const p = w.destination.publisher(credentials(w.emu), w.ctx);
    for (let i = 0; i < 4; i++) await p.push('records', publishRows(i * 10 + 1, 10), `l${i}`);
    assert.ok(rowPosts(w.emu).every((r) => r.status === 200));
    assert.equal(w.clock.elapsed, 3_601_000);
    // A process that starts later (a fresh pacer) learns the table's size from prepare() and paces at once.
    w.clock.t += 3_601_000;
    const phase = w.clock.t;
    const later = createPowerBiDestination({ now: w.clock.now, timeoutMs: 2_000, limits });
    const q = later.publisher(credentials(w.emu), w.ctx);
    await q.prepare();
    for (let i = 4; i < 8; i++) await q.push('records', publishRows(i * 10 + 1, 10), `l${i}`);
    assert.ok(rowPosts(w.emu).every((r) => r.status === 200));
    assert.equal(w.clock.t - phase, 3_601_000);
  });
});

describe('power bi pacer on its own', () => {
  test('100,000 rows (10 POSTs) with Microsoft limits: no wait at all, the minimum the limits allow', async () => {
    const clock = new FakeClock();
    const pacer = new PushPacer(POWER_BI_LIMITS, clock.now);
    for (let i = 0; i < 10; i++) await pacer.run('records', 10_000, async () => {}, clock);
    assert.equal(clock.elapsed, 0);
  });

  test('2,000,000 rows: one hour and the 1 s margin, against a minimum of one hour', async () => {
    const clock = new FakeClock();
    const pacer = new PushPacer(POWER_BI_LIMITS, clock.now);
    for (let i = 0; i < 200; i++) await pacer.run('records', 10_000, async () => {}, clock);
    assert.equal(clock.elapsed, 3_601_000);
  });

  test('at most 5 sends in flight; the sixth starts when one finishes', async () => {
    const clock = new FakeClock();
    const pacer = new PushPacer(POWER_BI_LIMITS, clock.now);
    const gates: (() => void)[] = [];
    let peak = 0;
    const runs = Array.from({ length: 12 }, () =>
      pacer.run(
        'records',
        1,
        () =>
          new Promise<void>((resolve) => {
            peak = Math.max(peak, pacer.inFlight);
            gates.push(resolve);
          }),
        clock,
      ),
    );
    while (gates.length < 5) await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    assert.equal(gates.length, 5, 'the sixth waits');
    while (gates.length > 0 || pacer.inFlight > 0) {
      gates.shift()?.();
      await new Promise((r) => setImmediate(r));
    }
    await Promise.all(runs);
    assert.equal(peak, 5);
  });

  test('a 429 seen by one push holds every push until its Retry-After', () => {
    const pacer = new PushPacer(POWER_BI_LIMITS, () => 1_000);
    pacer.holdUntil(4_000);
    assert.equal(pacer.delayFor(1, 1_000), 3_000);
    assert.equal(pacer.delayFor(1, 4_000), 0);
  });
});
