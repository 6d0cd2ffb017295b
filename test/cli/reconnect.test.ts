/**
 * `npx finsync reconnect <connection> --api_key …` as an operator runs it (a child process on the app's data
 * folder): the same reconnect use case as Slack, with the same refusals, in the same words.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { EMULATOR_SECRET_KEY } from '../../connectors/stripe/emulator.ts';
import { EmbeddedStore } from '../../src/store/embedded/embedded-store.ts';
import { closeEmulators, connectStripe, type Harness, startHarness } from '../helpers/app-harness.ts';
import { runCli } from '../sync/helpers.ts';

const ROLLED_KEY = 'sk_test_51FinsyncEmulatorRolledKey00001';
const OTHER_KEY = 'sk_test_51FinsyncOtherAccountKey000001';

let h: Harness;

describe('a CLI reconnect', () => {
  before(async () => {
    h = await startHarness({
      emulators: {
        stripe: {
          count: 20,
          secretKeys: [EMULATOR_SECRET_KEY, ROLLED_KEY],
          otherAccounts: [{ key: OTHER_KEY, id: 'acct_1OtherCompany0001', name: 'Other Company' }],
        },
      },
    });
    await connectStripe(h);
    await h.app.store.updateConnection('stripe', { state: 'needs_reconnect', stateReason: 'key expired' });
    // One process writes the embedded store at a time: stop the app, keep its data and the emulators.
    await h.app.stop();
  });
  after(async () => {
    await closeEmulators(h);
    rmSync(h.dataDir, { recursive: true, force: true });
  });

  const cli = (args: string[]) => runCli(args, { ...h.env, LOG_LEVEL: 'warn' });

  test('connecting the same account again is refused with the words Slack uses', {
    timeout: 60_000,
  }, async () => {
    const result = await cli(['connect', 'stripe', '--name', 'stripe-2', '--set', `api_key=${ROLLED_KEY}`]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /already connected as `stripe`: use `\/finsync reconnect stripe`/);
  });

  test('a key of another account is refused naming both', { timeout: 60_000 }, async () => {
    const result = await cli(['reconnect', 'stripe', '--api_key', OTHER_KEY]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /Other Company \(acct_1OtherCompany0001.*Emulated Stripe/);
    assert.ok(!result.stderr.includes(OTHER_KEY));
  });

  test('a new key of the same account replaces the old one in place', { timeout: 60_000 }, async () => {
    const result = await cli(['reconnect', 'stripe', `--api_key=${ROLLED_KEY}`, '--json']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal((JSON.parse(result.stdout) as { name: string }).name, 'stripe');
    const store = await EmbeddedStore.open(h.dataDir);
    try {
      const connections = await store.listConnections();
      assert.deepEqual(
        connections.map((c) => [c.name, c.state]),
        [['stripe', 'active']],
      );
      const [entry] = await store.listAudit(1);
      assert.deepEqual([entry?.actor, entry?.action, entry?.outcome], ['cli', 'reconnect', 'ok']);
    } finally {
      await store.close();
    }
  });
});
