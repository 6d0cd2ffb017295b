/**
 * `npx finsync alerts|subscribe|unsubscribe|digest` from a terminal, as an operator runs them (a child
 * process on a data folder): channels by id, audited as `cli`, visible to the app through the same store.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { EmbeddedStore } from '../../src/store/embedded/embedded-store.ts';
import { connection, record, storeRecords } from '../digest/factories.ts';
import { cliEnv, runCli } from '../sync/helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'finsync-cli-routing-'));
const env = cliEnv(dir, {});
after(() => rmSync(dir, { recursive: true, force: true }));

test('routing from the CLI: channels by id, subscriptions with --channel, listed as JSON', async () => {
  const named = await runCli(['alerts', '#finance'], env);
  assert.notEqual(named.code, 0);
  assert.match(named.stderr, /name the channel by its id/);

  const set = await runCli(['alerts', '<#C0ALERTS1|alerts>'], env);
  assert.equal(set.code, 0, set.stderr);
  assert.match(set.stdout, /Failure alerts and recoveries of every connection now go to/);

  const sub = await runCli(['subscribe', 'all', 'recoveries', 'digest', '--channel', 'C0SUBS001'], env);
  assert.equal(sub.code, 0, sub.stderr);

  const list = await runCli(['subscribe', 'list', '--channel', 'C0SUBS001', '--json'], env);
  assert.equal(list.code, 0, list.stderr);
  const routes = JSON.parse(list.stdout) as {
    alerts: { kind: string; channel: { id: string } };
    subscriptions: { target: string; kinds: string[] }[];
  };
  assert.equal(routes.alerts.channel.id, 'C0ALERTS1');
  assert.deepEqual(
    routes.subscriptions.map((s) => [s.target, s.kinds]),
    [['all', ['recoveries', 'digest']]],
  );

  // Read in-process: a fifth child process would add seconds to the suite for one assertion.
  const store = await EmbeddedStore.open(dir);
  try {
    const audit = await store.listAudit(10);
    assert.ok(audit.some((a) => a.actor === 'cli' && a.action === 'alerts #alerts'));
    assert.ok(audit.some((a) => a.actor === 'cli' && a.action === 'subscribe recoveries digest'));
  } finally {
    await store.close();
  }
});

test('digest now --json prints yesterday with exact money (minor units as digit strings)', async () => {
  const store = await EmbeddedStore.open(dir);
  try {
    if (!(await store.getConnection('stripe'))) await store.createConnection(connection('stripe'));
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    // Two of the largest exact amounts: their sum, 2^54 - 2, would lose units as a JSON number.
    await storeRecords(store, [
      record(`${yesterday}T12:00:00.000Z`, Number.MAX_SAFE_INTEGER, 'USD'),
      record(`${yesterday}T13:00:00.000Z`, Number.MAX_SAFE_INTEGER, 'USD'),
    ]);
  } finally {
    await store.close();
  }
  const result = await runCli(['digest', 'now', '--json'], env);
  assert.equal(result.code, 0, result.stderr);
  const digest = JSON.parse(result.stdout) as { money: { currency: string; moneyIn: string }[] };
  assert.deepEqual(
    digest.money.map((m) => [m.currency, m.moneyIn]),
    [['USD', '18014398509481982']],
  );
});
