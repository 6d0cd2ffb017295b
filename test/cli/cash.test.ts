/**
 * `npx finsync cash … [--json|--csv]` as an operator runs it (a child process on the app's data folder): the
 * same figures as Slack's, exact (minor units as digit strings), and a CSV a spreadsheet cannot run.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { minorToDecimal } from '../../src/money.ts';
import { EmbeddedStore } from '../../src/store/embedded/embedded-store.ts';
import { ADMIN, closeEmulators, connectStripe, type Harness, startHarness } from '../helpers/app-harness.ts';
import { runCli } from '../sync/helpers.ts';

const ZONE = 'Asia/Tokyo';
let h: Harness;
/** Per currency: in, out, movements of every stored money movement (all fall in the period asked). */
const expected = new Map<string, { in: bigint; out: bigint; count: number }>();
let from = '';
let to = '';

const localDate = (iso: string) =>
  new Intl.DateTimeFormat('en-CA', {
    timeZone: ZONE,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(new Date(iso));

describe('npx finsync cash', () => {
  before(async () => {
    const nowSeconds = Math.floor(Date.now() / 1000);
    h = await startHarness({
      env: { FINSYNC_TIMEZONE: ZONE },
      emulators: { stripe: { count: 120, startTime: nowSeconds - 120 * 1800, spacingSeconds: 1800 } },
    });
    await connectStripe(h);
    await h.app.finsync.syncNow({
      target: 'stripe',
      trigger: 'manual',
      actor: ADMIN,
      notify: { kind: 'none' },
    });
    // The job goes through the scheduler: wait for its run to succeed, not only for what has started.
    const deadline = Date.now() + 30_000;
    while ((await h.app.store.listRuns('stripe', 1))[0]?.status !== 'success') {
      assert.ok(Date.now() < deadline, 'the Stripe sync succeeds');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await h.app.core.jobs.drain();
    // One process writes the embedded store at a time: stop the app, keep its data and the emulators.
    await h.app.stop();
    const store = await EmbeddedStore.open(h.dataDir);
    try {
      const dates: string[] = [];
      for await (const r of store.iterateRecords({ connection: 'stripe' })) {
        if (!r.moneyMovement || r.currency === null) continue;
        dates.push(localDate(r.occurredAt));
        const sum = expected.get(r.currency) ?? { in: 0n, out: 0n, count: 0 };
        if (r.amount > 0) sum.in += BigInt(r.amount);
        else sum.out += BigInt(-r.amount);
        sum.count++;
        expected.set(r.currency, sum);
      }
      dates.sort();
      [from, to] = [dates[0]!, dates.at(-1)!];
    } finally {
      await store.close();
    }
  });
  after(async () => {
    await closeEmulators(h);
    rmSync(h.dataDir, { recursive: true, force: true });
  });

  test('--json: per system and currency, exact minor units equal to the ledger, and the balance', async () => {
    const cli = await runCli(['cash', `${from}..${to}`, '--json'], { ...h.env, LOG_LEVEL: 'warn' });
    assert.equal(cli.code, 0, cli.stderr);
    const data = JSON.parse(cli.stdout) as {
      period: { from: string; to: string; timezone: string };
      systems: {
        connection: string;
        totals: { currency: string; moneyIn: string; moneyOut: string; net: string; movements: number }[];
        balances: { kind: string; currency: string }[];
      }[];
    };
    assert.deepEqual(data.period, { label: `${from} to ${to}`, from, to, timezone: ZONE } as never);
    const [stripe] = data.systems;
    assert.equal(stripe?.connection, 'stripe');
    assert.deepEqual(
      Object.fromEntries(stripe.totals.map((t) => [t.currency, [t.moneyIn, t.moneyOut, t.net, t.movements]])),
      Object.fromEntries(
        [...expected].map(([c, s]) => [c, [String(s.in), String(s.out), String(s.in - s.out), s.count]]),
      ),
    );
    assert.ok(stripe.balances.some((b) => b.kind === 'available'));
  });

  test('--csv: decimals in the currency, negative nets stay numbers, no cell a spreadsheet would run', async () => {
    const cli = await runCli(['cash', `${from}..${to}`, '--csv'], { ...h.env, LOG_LEVEL: 'warn' });
    assert.equal(cli.code, 0, cli.stderr);
    const lines = cli.stdout.trim().split('\r\n');
    assert.match(lines[0]!, /^row,connection,provider,currency,money_in,money_out,net,movements/);
    for (const [currency, s] of expected) {
      const row = `"movements","stripe","stripe","${currency}","${minorToDecimal(s.in, currency)}","${minorToDecimal(s.out, currency)}","${minorToDecimal(s.in - s.out, currency)}","${s.count}"`;
      assert.ok(
        lines.some((l) => l.startsWith(row)),
        `missing ${row}`,
      );
    }
    for (const line of lines.slice(1))
      for (const cell of line.split('","')) assert.doesNotMatch(cell.replace(/^"/, ''), /^[=+@]/);
  });

  test('a bad period exits 2 with the usage of cash', async () => {
    const cli = await runCli(['cash', '2026-13-01'], { ...h.env, LOG_LEVEL: 'warn' });
    assert.equal(cli.code, 2);
    assert.match(cli.stdout, /finsync cash \[today/);
  });
});
