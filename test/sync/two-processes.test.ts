/**
 * One run per connection across OS processes (the app and `npx finsync sync` on one folder): the run's
 * lease lives in the store. Two real processes sync one Plaid connection whose 1,200 transactions come in
 * three pages of one pagination set (no cursor until the last page: the case that used to lose 500 rows).
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { startPlaidEmulator } from '../../connectors/plaid/emulator.ts';
import { EmbeddedStore } from '../../src/store/embedded/embedded-store.ts';
import { plaidChildConfig, runChild, startChild } from './child-runner.ts';
import { expectedPlaidTransactions, removeTempDirs, storedMoney } from './helpers.ts';

after(removeTempDirs);

async function plaidWorld() {
  const emu = await startPlaidEmulator({ transactionsPerItem: 1_200, seed: 12 });
  const config = await plaidChildConfig(emu);
  const { dataDir } = config;
  const readBack = async () => {
    const store = await EmbeddedStore.open(dataDir);
    try {
      const money = await storedMoney(store, 'plaid');
      return {
        transactions: money.filter((m) => m.id.startsWith('plaid:transactions:')),
        runs: await store.listRuns('plaid', 20),
      };
    } finally {
      await store.close();
    }
  };
  return { emu, config, readBack, expected: () => expectedPlaidTransactions(emu.control.transactions()) };
}

describe('two processes, one connection', () => {
  test('a second process is refused while the first is mid-set ("already running since … (started …)"), and no transaction is lost', async () => {
    const world = await plaidWorld();
    try {
      // The first process gets the first page of the set and then waits for the second (held by the
      // emulator): its first page is stored, provisional, and it holds the lease but no database lock.
      const release = world.emu.control.holdAnswers('/transactions/sync', 1);
      let firstPageStored!: () => void;
      const stored = new Promise<void>((resolve) => {
        firstPageStored = resolve;
      });
      const first = startChild({ ...world.config, leaseMs: 20_000 }, (event) => {
        if (event.type === 'progress' && event.stream === 'transactions') firstPageStored();
        return undefined;
      });
      let second: Awaited<ReturnType<typeof runChild>>;
      try {
        await stored;
        second = await runChild({ ...world.config, waitForLease: false });
        // What the app does at start-up, meanwhile: a live run of another process is not an orphan.
        const probe = await EmbeddedStore.open(world.config.dataDir);
        assert.equal(await probe.closeOrphanRuns('finsync stopped'), 0);
        await probe.close();
      } finally {
        release();
      }
      const refusal = second.events.at(-1);
      assert.equal(refusal?.type, 'conflict', second.stderr.slice(0, 1000));
      assert.match(
        refusal?.type === 'conflict' ? refusal.message : '',
        /^plaid is already running since \d{4}-\d\d-\d\dT[\d:.]+Z \(started from the CLI, crash-test child pid \d+\)$/,
      );
      const done = await first.done;
      assert.deepEqual(done.events.at(-1), { type: 'done', status: 'success', error: null });

      const { transactions, runs } = await world.readBack();
      assert.equal(transactions.length, 1_200);
      assert.deepEqual(transactions, world.expected());
      assert.deepEqual(
        runs.map((r) => r.status),
        ['success'],
        'the refused process recorded no run',
      );
      // And nothing is waiting to come back: the next sync finds the ledger complete.
      const next = await runChild(world.config);
      assert.deepEqual(next.events.at(-1), { type: 'done', status: 'success', error: null });
      assert.deepEqual((await world.readBack()).transactions, world.expected());
    } finally {
      await world.emu.close();
    }
  });

  test('a SIGKILLed holder keeps the connection until its lease lapses; then the next run takes over from the committed cursor', async () => {
    const world = await plaidWorld();
    try {
      const killed = await runChild({ ...world.config, leaseMs: 10_000 }, (event) =>
        event.type === 'progress' && event.stream === 'transactions' ? 0 : undefined,
      );
      assert.equal(killed.signal, 'SIGKILL');
      const refused = await runChild({ ...world.config, waitForLease: false });
      assert.equal(refused.events.at(-1)?.type, 'conflict', 'the dead run still holds a live lease');

      const started = Date.now();
      const resumed = await runChild(world.config);
      assert.deepEqual(resumed.events.at(-1), { type: 'done', status: 'success', error: null });
      const start = resumed.events.find((e) => e.type === 'start');
      assert.deepEqual(start?.type === 'start' ? start.orphans : -1, 1, 'the lapsed run was closed');
      assert.ok(Date.now() - started < 25_000);

      const { transactions, runs } = await world.readBack();
      assert.deepEqual(transactions, world.expected());
      assert.deepEqual(
        runs.map((r) => r.status),
        ['success', 'failed'],
      );
      assert.match(runs[1]?.errorMessage ?? '', /sync process died/);
    } finally {
      await world.emu.close();
    }
  });
});
