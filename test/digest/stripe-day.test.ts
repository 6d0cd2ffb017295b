import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { type StripeEmulator, startStripeEmulator } from '../../connectors/stripe/emulator.ts';
import { digestMessage } from '../../src/messages/digest.ts';
import {
  addConnection,
  listStripeRaw,
  type Rig,
  removeTempDirs,
  rig,
  settingsFor,
  stripeCredentials,
} from '../sync/helpers.ts';
import { digestOf, moneyRows } from './factories.ts';

// Tuesday 2026-01-20 in New York: 05:00 UTC to 05:00 UTC the next day.
const START = Date.parse('2026-01-20T05:00:00Z') / 1000;
const END = Date.parse('2026-01-21T05:00:00Z') / 1000;
const NOW = (END + 10 * 3600) * 1000;

let emu: StripeEmulator | undefined;
let r: Rig | undefined;
after(async () => {
  await r?.close();
  await emu?.close();
  removeTempDirs();
});

describe('a Stripe day through the emulator, the engine and the store', () => {
  test('money where charges and balance transactions both synced is counted once, to the last minor unit', async () => {
    const now = () => NOW;
    emu = await startStripeEmulator({
      count: 150,
      seed: 21,
      startTime: START - 6 * 3600,
      spacingSeconds: 60,
      now,
    });
    // Objects exactly at the edges, and through the day (each call appends at that second or later).
    emu.control.addObjects(3, { created: START - 1 });
    emu.control.addObjects(3, { created: START });
    for (let hour = 1; hour < 24; hour += 2) emu.control.addObjects(12, { created: START + hour * 3600 });
    emu.control.addObjects(3, { created: END - 1 });
    emu.control.addObjects(3, { created: END });
    emu.control.addObjects(20, { created: END + 3600 });
    r = await rig({ settings: settingsFor({ stripe: emu.url }), stripe: { now } });
    await addConnection(r.store, 'stripe', 'stripe', stripeCredentials());
    const run = await r.run('stripe');
    assert.equal(run.status, 'success', run.errorMessage ?? '');

    // Expected, straight from Stripe's wire data: balance transactions created in the day, by currency.
    // Each is its gross amount, and its fee (when not 0) is a movement of its own: a fee taken is money out.
    const inDay = (created: number) => created >= START && created < END;
    const expected = new Map<string, { moneyIn: bigint; moneyOut: bigint; movements: number }>();
    let fees = 0n;
    for (const t of await listStripeRaw(emu.url, 'balance_transactions')) {
      if (!inDay(t.created)) continue;
      const currency = t.currency!.toUpperCase();
      const entry = expected.get(currency) ?? { moneyIn: 0n, moneyOut: 0n, movements: 0 };
      for (const amount of t.fee === 0 ? [t.amount!] : [t.amount!, -t.fee!]) {
        if (amount > 0) entry.moneyIn += BigInt(amount);
        if (amount < 0) entry.moneyOut += BigInt(-amount);
        entry.movements++;
      }
      fees += BigInt(t.fee!);
      expected.set(currency, entry);
    }
    assert.ok(fees > 0n, 'Stripe took fees that day');
    const chargesInDay = (await listStripeRaw(emu.url, 'charges')).filter((c) => inDay(c.created));
    assert.ok(chargesInDay.length > 10, 'the day holds charges, stored as records of their own');
    assert.ok(expected.size >= 3, `several currencies (${[...expected.keys()].join(', ')})`);

    const digest = await digestOf(r.store, new Date(NOW), 'America/New_York');
    assert.equal(digest.day.date, '2026-01-20');
    assert.deepEqual(
      moneyRows(digest.money),
      [...expected.entries()]
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([currency, e]) => ({ connection: 'stripe', currency, ...e })),
    );

    // Counting every stored record of the day (charges as well) would have counted the charges twice.
    let everyRecord = 0n;
    for await (const record of r.store.iterateRecords({})) {
      const at = Date.parse(record.occurredAt) / 1000;
      if (inDay(at) && record.amount > 0) everyRecord += BigInt(record.amount);
    }
    const digestIn = (digest.money ?? []).reduce((sum, m) => sum + m.moneyIn, 0n);
    assert.ok(everyRecord > digestIn, 'the charges are in the store, yet not in the totals');

    assert.match(JSON.stringify(digestMessage(digest).blocks), /each movement counted once/);
  });
});
