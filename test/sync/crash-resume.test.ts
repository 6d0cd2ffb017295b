/**
 * Crash safety with real processes: a child syncs into the embedded store and is SIGKILLed at seeded
 * random points; the emulator runs here, in the parent, so it outlives every kill. After the last
 * restart runs to completion, the stored set must equal the provider's set exactly.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { startPlaidEmulator } from '../../connectors/plaid/emulator.ts';
import { EMULATOR_SECRET_KEY, startStripeEmulator } from '../../connectors/stripe/emulator.ts';
import { EmbeddedStore } from '../../src/store/embedded/embedded-store.ts';
import { type ChildResult, plaidChildConfig, runChild } from './child-runner.ts';
import {
  addConnection,
  expectedPlaidTransactions,
  expectedStripe,
  pagesFor,
  removeTempDirs,
  STRIPE_LISTS,
  seeded,
  settingsFor,
  storedMoney,
  tempDir,
} from './helpers.ts';
import type { ChildConfig } from './sync-child.ts';

after(removeTempDirs);

/** Runs a killed predecessor left `running`, as this child's start-up closed them. */
const orphansClosedBy = (result: ChildResult) =>
  result.events.reduce((n, e) => n + (e.type === 'start' ? e.orphans : 0), 0);
/** The stream the child was syncing when it died. */
const lastStream = (result: ChildResult) =>
  result.events.flatMap((e) => (e.type === 'progress' ? [e.stream] : [])).at(-1);

async function readBack(dataDir: string, connection: string) {
  const store = await EmbeddedStore.open(dataDir);
  try {
    return {
      money: await storedMoney(store, connection),
      counted: await store.countRecords(connection),
      runs: await store.listRuns(connection, 100),
    };
  } finally {
    await store.close();
  }
}

describe('a sync killed at random points and restarted', () => {
  test('stripe: 20,000 balance transactions, SIGKILL at 7 points, then the exact set (no duplicates, no gaps)', async () => {
    const emu = await startStripeEmulator({ count: 20_000, seed: 7 });
    try {
      const dataDir = tempDir();
      const setup = await EmbeddedStore.open(dataDir);
      await addConnection(setup, 'stripe', 'stripe', { api_key: EMULATOR_SECRET_KEY });
      await setup.close();
      const expected = await expectedStripe(emu.url);
      const total = expected.length;
      emu.control.clearLog();

      const config: ChildConfig = {
        dataDir,
        connection: 'stripe',
        provider: 'stripe',
        settings: settingsFor({ stripe: emu.url }),
        credentials: { api_key: EMULATOR_SECRET_KEY },
      };
      const random = seeded(20_260_131);
      const kills: ChildResult[] = [];
      // One kill early, a random few ms after start-up (possibly before the run is even recorded).
      kills.push(await runChild(config, (e) => (e.type === 'start' ? Math.floor(random() * 60) : undefined)));
      // Then six kills spread over the whole sync, each a random few ms after a commit: mid-page,
      // mid-transaction or between the two. One falls inside each stream's share of the records (streams sync
      // in STRIPE_LISTS order), so every stream's turn comes up however the records are split between them
      // (balance transactions carry their fee records too), and one more inside the first and largest.
      const segments: [number, number][] = [];
      let start = 0;
      for (const list of STRIPE_LISTS) {
        const size = expected.filter((m) => m.id.startsWith(`stripe:${list}:`)).length;
        segments.push([start, size]);
        start += size;
      }
      const targets = [segments[0]!, ...segments].map(([from, size]) =>
        Math.floor(from + (0.1 + 0.8 * random()) * size),
      );
      targets.sort((a, b) => a - b);
      for (const target of targets) {
        let stored = 0;
        const result = await runChild(config, (e) => {
          if (e.type === 'start') stored = e.stored;
          if (e.type === 'progress' && stored + e.records >= target) return Math.floor(random() * 20);
          return undefined;
        });
        assert.equal(
          result.signal,
          'SIGKILL',
          `killed mid-sync (target ${target}): ${result.stderr.slice(0, 500)}`,
        );
        kills.push(result);
      }
      const streamsHit = new Set(kills.map(lastStream).filter((s) => s !== undefined));
      assert.ok(streamsHit.size >= 3, `kills landed in ${[...streamsHit].join(', ')}`);
      const final = await runChild(config);
      assert.equal(final.code, 0, final.stderr.slice(0, 2000));
      assert.deepEqual(final.events.at(-1), { type: 'done', status: 'success', error: null });

      const { money, counted, runs } = await readBack(dataDir, 'stripe');
      assert.equal(money.length, total, 'no gaps, no duplicates');
      assert.deepEqual(money, expected);
      assert.equal(counted, total, 'the record counter survived the kills');

      // Every killed run was closed by the next start's orphan cleanup; none is left running.
      assert.ok(
        runs.every((run) => run.status !== 'running'),
        JSON.stringify(runs.map((run) => run.status)),
      );
      assert.equal(runs[0]?.status, 'success');
      const orphansClosed = [...kills, final].reduce((n, result) => n + orphansClosedBy(result), 0);
      assert.equal(runs.filter((run) => run.status === 'failed').length, orphansClosed);
      assert.ok(
        orphansClosed >= kills.length - 1,
        `${orphansClosed} orphan runs closed for ${kills.length} kills`,
      );
      for (const run of runs.filter((x) => x.status === 'failed'))
        assert.match(run.errorMessage ?? '', /process died/);

      // Resumed, not restarted: each kill costs at most the uncommitted batch (up to 1,000 records = 10
      // pages), the page prefetched and the one in flight, plus one short re-list per finished stream, so
      // the requests stay close to a single uninterrupted sync (a restart would cost ~400 per kill).
      const counts = emu.control.counts();
      const minimal = STRIPE_LISTS.reduce((n, list) => n + pagesFor(counts[list]), 0);
      const requests = emu.control.requestLog.length;
      assert.ok(requests >= minimal, `${requests} >= ${minimal}`);
      assert.ok(
        requests <= minimal + (kills.length + 1) * (STRIPE_LISTS.length + 12),
        `${requests} list requests for ${minimal} pages and ${kills.length} kills`,
      );
    } finally {
      await emu.close();
    }
  });

  test('plaid: killed inside pagination sets while the bank data changes, then the exact set', async () => {
    const emu = await startPlaidEmulator({ transactionsPerItem: 6_000, seed: 9 });
    try {
      // Commit per page so kills land inside pagination sets (pages without a cursor).
      const config = await plaidChildConfig(emu);
      const { dataDir } = config;
      const random = seeded(77);
      const id = (n: number) => `txn-1-${String(n).padStart(5, '0')}`;
      for (let round = 0; round < 3; round++) {
        const afterPages = 1 + Math.floor(random() * 9);
        let pages = 0;
        const result = await runChild(config, (e) => {
          if (e.type === 'progress' && e.stream === 'transactions' && ++pages >= afterPages) {
            return Math.floor(random() * 10);
          }
          return undefined;
        });
        assert.equal(
          result.signal,
          'SIGKILL',
          `${result.stderr.slice(0, 500)} ${JSON.stringify(result.events.slice(-3))}`,
        );
        // While the process is down, the bank changes: pending ones post (removed), some are amended, new arrive.
        emu.control.removeTransactions([id(20 + round), id(700 + round), id(3_000 + round)]);
        emu.control.modifyTransactions([id(40 + round)], { amount: 0.3 });
        emu.control.addTransactions(5);
      }
      const final = await runChild(config);
      assert.equal(final.code, 0, final.stderr.slice(0, 2000));
      assert.deepEqual(final.events.at(-1), { type: 'done', status: 'success', error: null });

      const { money, counted, runs } = await readBack(dataDir, 'plaid');
      const transactions = money.filter((m) => m.id.startsWith('plaid:transactions:'));
      assert.deepEqual(transactions, expectedPlaidTransactions(emu.control.transactions()));
      assert.equal(counted, money.length);
      assert.ok(runs.every((run) => run.status !== 'running'));
    } finally {
      await emu.close();
    }
  });
});
