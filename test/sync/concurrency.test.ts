import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type PlaidEmulator, startPlaidEmulator } from '../../connectors/plaid/emulator.ts';
import { type StripeEmulator, startStripeEmulator } from '../../connectors/stripe/emulator.ts';
import { ConflictError, StorageError } from '../../src/errors.ts';
import { silentLogger } from '../../src/log.ts';
import { Roles } from '../../src/security/roles.ts';
import { openCredentials } from '../../src/services/connections.ts';
import { Finsync, type SchedulerPort, type SyncJob } from '../../src/services/finsync.ts';
import { Publishing } from '../../src/services/publishing.ts';
import { EmbeddedStore } from '../../src/store/embedded/embedded-store.ts';
import {
  addConnection,
  cliEnv,
  expectedPlaidTransactions,
  expectedStripe,
  KEYRING,
  type Rig,
  removeTempDirs,
  rig,
  runCli,
  settingsFor,
  settingsOf,
  storedMoney,
  stripeCredentials,
} from './helpers.ts';

const ADMIN = 'UADMIN0001';
let stripe: StripeEmulator;
let plaid: PlaidEmulator;
let expectedStripeSet: Awaited<ReturnType<typeof expectedStripe>>;

before(async () => {
  stripe = await startStripeEmulator({ count: 300, seed: 4 });
  plaid = await startPlaidEmulator({ transactionsPerItem: 120, seed: 2 });
  expectedStripeSet = await expectedStripe(stripe.url);
});
after(async () => {
  await Promise.all([stripe.close(), plaid.close()]);
  removeTempDirs();
});

async function stripeRig(): Promise<Rig> {
  const r = await rig({ settings: settingsFor({ stripe: stripe.url, plaid }) });
  await addConnection(r.store, 'stripe', 'stripe', stripeCredentials());
  return r;
}

/** The services over a rig, with a scheduler that only holds jobs until the test runs them. */
function services(r: Rig): { finsync: Finsync; jobs: SyncJob[] } {
  const jobs: SyncJob[] = [];
  const scheduler: SchedulerPort = {
    enqueue: async (job) => {
      jobs.push(job);
    },
    setSchedule: async () => ({ description: 'off', nextRunAt: null }),
    nextRuns: async () => new Map(),
  };
  const log = silentLogger();
  const connectorContext = (provider: string) => ({
    settings: settingsOf(settingsFor({ stripe: stripe.url, plaid }), provider),
    log,
  });
  const finsync = new Finsync({
    store: r.store,
    keyring: KEYRING,
    roles: new Roles([ADMIN], undefined, async () => []),
    engine: r.engine,
    publishing: new Publishing({
      store: r.store,
      log,
      credentialsOf: (connection) => openCredentials(KEYRING, connection),
      connectorContext,
      now: () => new Date(),
    }),
    scheduler,
    log,
    connectorContext,
    now: () => new Date(),
  });
  return { finsync, jobs };
}

const syncNow = (finsync: Finsync) =>
  finsync.syncNow({ target: 'stripe', trigger: 'manual', actor: ADMIN, notify: { kind: 'none' } });

describe('one run per connection', () => {
  test('two engine.start calls for one connection in the same tick make exactly one run', async () => {
    const r = await stripeRig();
    try {
      const request = { connection: 'stripe', trigger: 'manual', triggeredBy: ADMIN } as const;
      const [a, b] = await Promise.allSettled([r.engine.start(request), r.engine.start(request)]);
      const started = [a, b].filter((x) => x.status === 'fulfilled');
      const refused = [a, b].filter((x) => x.status === 'rejected');
      assert.equal(started.length, 1, 'exactly one start succeeds');
      assert.ok(refused[0]?.status === 'rejected' && refused[0].reason instanceof ConflictError);
      assert.match(
        String((refused[0] as PromiseRejectedResult).reason.message),
        /already running since .* \(started /,
      );
      const run = await (started[0] as PromiseFulfilledResult<Awaited<ReturnType<Rig['engine']['start']>>>)
        .value.done;
      assert.equal(run.status, 'success', run.errorMessage ?? '');

      const runs = await r.store.listRuns('stripe', 10);
      assert.equal(runs.length, 1, JSON.stringify(runs.map((x) => x.status)));
      assert.deepEqual(await storedMoney(r.store, 'stripe'), expectedStripeSet);
    } finally {
      await r.close();
    }
  });

  test('finsync.syncNow twice: the second answers already queued, then already running; one run in all', async () => {
    const r = await stripeRig();
    try {
      const { finsync, jobs } = services(r);
      const [first, second] = await Promise.all([syncNow(finsync), syncNow(finsync)]);
      assert.deepEqual(
        [first[0]?.outcome, second[0]?.outcome].sort(),
        ['already_running', 'queued'],
        'two clicks in the same instant queue one sync',
      );
      assert.equal(jobs.length, 1);

      const running = finsync.runJob(jobs[0]!);
      await new Promise((resolve) => setImmediate(resolve));
      const third = await syncNow(finsync);
      assert.equal(third[0]?.outcome, 'already_running');
      assert.equal(jobs.length, 1);
      const run = await running;
      assert.equal(run.status, 'success', run.errorMessage ?? '');
      assert.equal((await r.store.listRuns('stripe', 10)).length, 1);

      // Once it has ended, a new trigger queues a new sync.
      assert.equal((await syncNow(finsync))[0]?.outcome, 'queued');
      assert.equal(jobs.length, 2);
    } finally {
      await r.close();
    }
  });
});

describe('failures stay with their connection', () => {
  test('a run whose own bookkeeping fails still ends (failed, storage) and frees its connection', {
    timeout: 15_000,
  }, async () => {
    const r = await stripeRig();
    try {
      let failures = 1;
      // The store refuses to record the end of the first run (disk full, database locked…).
      const flaky = new Proxy(r.store, {
        get(target, property) {
          if (property === 'updateRun' && failures > 0) {
            return async () => {
              failures--;
              throw new StorageError('finsync.db', 'disk I/O error while recording the run');
            };
          }
          const value = Reflect.get(target, property, target);
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
      const engine = r.engineOver(flaky);
      const broken = await engine.run({ connection: 'stripe', trigger: 'manual', triggeredBy: ADMIN });
      assert.deepEqual([broken.status, broken.errorClass], ['failed', 'storage']);
      assert.match(broken.errorMessage ?? '', /disk I\/O error/);
      assert.equal(engine.activeRun('stripe'), undefined, 'the connection is free again');

      const next = await engine.run({ connection: 'stripe', trigger: 'manual', triggeredBy: ADMIN });
      assert.equal(next.status, 'success', next.errorMessage ?? '');
      assert.deepEqual(await storedMoney(r.store, 'stripe'), expectedStripeSet);
    } finally {
      await r.close();
    }
  });

  test('`finsync sync all`: an auth failure marks its connection needs_reconnect, is not retried, and the others sync', async () => {
    const r = await rig({ settings: settingsFor({ stripe: stripe.url, plaid }) });
    const item = plaid.control.createItem();
    // Listed first, so the failure comes before the others.
    await addConnection(
      r.store,
      'a-revoked',
      'stripe',
      stripeCredentials('rk_test_51RevokedKeyStripeNoLongerKnows00'),
    );
    await addConnection(r.store, 'stripe', 'stripe', stripeCredentials());
    await addConnection(r.store, 'bank', 'plaid', { access_token: item.accessToken, item_id: item.itemId });
    await r.close();
    stripe.control.clearLog();

    const cli = await runCli(['sync', 'all', '--json'], cliEnv(r.dataDir, { stripe: stripe.url, plaid }));
    assert.equal(cli.code, 1, `exit 1 because one connection failed\n${cli.stderr}`);

    const store = await EmbeddedStore.open(r.dataDir);
    try {
      const revoked = await store.getConnection('a-revoked');
      assert.equal(revoked?.state, 'needs_reconnect');
      assert.match(revoked?.stateReason ?? '', /Invalid API Key/);
      const [failed] = await store.listRuns('a-revoked', 10);
      assert.equal(failed?.status, 'failed');
      assert.equal(failed?.errorClass, 'auth');
      assert.equal(
        stripe.control.requestLog.filter((q) => q.status === 401).length,
        1,
        'an auth failure is asked once, never retried',
      );

      assert.equal((await store.listRuns('stripe', 10))[0]?.status, 'success');
      assert.equal((await store.listRuns('bank', 10))[0]?.status, 'success');
      assert.equal((await store.getConnection('stripe'))?.state, 'active');
      assert.deepEqual(await storedMoney(store, 'stripe'), expectedStripeSet);
      const bank = (await storedMoney(store, 'bank')).filter((m) => m.id.startsWith('plaid:transactions:'));
      assert.deepEqual(bank, expectedPlaidTransactions(plaid.control.transactions(item.itemId)));
      assert.equal(await store.countRecords('a-revoked'), 0);
    } finally {
      await store.close();
    }
  });

  test('invalid objects are skipped with their id and reason, the rest is stored, and the run ends partial', async () => {
    const r = await rig({ settings: settingsFor({ plaid }) });
    try {
      const item = plaid.control.createItem();
      const n = item.itemId.replace('item-sandbox-', '');
      const bad = [`txn-${n}-00001`, `txn-${n}-00003`];
      plaid.control.modifyTransactions(bad, { date: 'yesterday' });
      await addConnection(r.store, 'bank', 'plaid', { access_token: item.accessToken, item_id: item.itemId });

      const run = await r.run('bank');
      assert.equal(run.status, 'partial');
      assert.equal(run.errorClass, null);
      assert.equal(run.streams.transactions?.skipped, 2);
      assert.deepEqual(
        run.skipped.map((s) => [s.stream, s.objectId]),
        bad.map((id) => ['transactions', id]),
      );
      for (const s of run.skipped) assert.match(s.reason, /date "yesterday" is not a YYYY-MM-DD date/);
      const [stored] = await r.store.listRuns('bank', 1);
      assert.deepEqual(stored?.skipped, run.skipped, 'the run record keeps them');

      const transactions = (await storedMoney(r.store, 'bank')).filter((m) =>
        m.id.startsWith('plaid:transactions:'),
      );
      const valid = plaid.control.transactions(item.itemId).filter((t) => !bad.includes(t.transaction_id));
      assert.deepEqual(transactions, expectedPlaidTransactions(valid));
    } finally {
      await r.close();
    }
  });
});
