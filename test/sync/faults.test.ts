/**
 * Provider faults in the middle of a sync, through the real engine and store: a fault that passes is
 * retried and the run completes; a fault that persists fails the run with a clear class and message,
 * and the committed cursor loses nothing (the next run completes the exact set). No real waiting:
 * the connectors and the engine sleep through an injected function.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { type PlaidEmulator, startPlaidEmulator } from '../../connectors/plaid/emulator.ts';
import {
  EMULATOR_SECRET_KEY,
  type StripeEmulator,
  type StripeFault,
  startStripeEmulator,
} from '../../connectors/stripe/emulator.ts';
import { parseCursor } from '../../connectors/stripe/streams.ts';
import {
  addConnection,
  expectedPlaidTransactions,
  expectedStripe,
  type Money,
  type Rig,
  removeTempDirs,
  rig,
  settingsFor,
  storedMoney,
} from './helpers.ts';

const BT = '/v1/balance_transactions';
let emu: StripeEmulator;
let expected: Money[];
let btPages: number;

before(async () => {
  emu = await startStripeEmulator({ count: 700, seed: 21 });
  expected = await expectedStripe(emu.url);
  btPages = Math.ceil(emu.control.counts().balance_transactions / 100);
});
after(async () => {
  await emu.close();
  removeTempDirs();
});
beforeEach(() => {
  emu.control.clearFaults();
  emu.control.clearLog();
});

/**
 * A fresh store with one Stripe connection; few tries, no real sleeping, and a short client timeout
 * where the fault is a hang (elsewhere the default, so a slow machine cannot add timeouts of its own).
 */
async function stripeRig(fault: StripeFault): Promise<Rig> {
  const r = await rig({
    settings: settingsFor({ stripe: emu.url }),
    stripe: { ...(fault.type === 'hang' ? { timeoutMs: 300 } : {}), retry: { attempts: 3 } },
    streamRetry: { attempts: 2 },
  });
  await addConnection(r.store, 'stripe', 'stripe', { api_key: EMULATOR_SECRET_KEY });
  return r;
}

/**
 * Runs a sync that meets `times` faults on balance transactions once two of its pages are committed;
 * also returns the balance-transaction requests made from then on.
 */
async function runWithFault(r: Rig, fault: StripeFault, times: number) {
  let pages = 0;
  let injectedAt = Number.POSITIVE_INFINITY;
  const run = await r.run('stripe', {
    onProgress: (p) => {
      if (p.stream !== 'balance_transactions' || ++pages !== 2) return;
      injectedAt = emu.control.requestLog.length;
      emu.control.injectFault(fault, times, BT);
    },
  });
  const afterFault = emu.control.requestLog.slice(injectedAt).filter((q) => q.path === BT);
  return { run, afterFault };
}

interface FaultCase {
  readonly name: string;
  readonly fault: StripeFault;
  readonly logged: number | 'hang' | 'reset';
  readonly errorClass: string;
  readonly message: RegExp;
}

const CASES: readonly FaultCase[] = [
  {
    name: '429 with Retry-After',
    fault: { type: 'rate_limit', retryAfterSeconds: 7 },
    logged: 429,
    errorClass: 'rate_limited',
    message: /Stripe rate limit/,
  },
  {
    name: '500',
    fault: { type: 'server_error', status: 500 },
    logged: 500,
    errorClass: 'transient',
    message: /Stripe error 500/,
  },
  {
    name: 'timeout',
    fault: { type: 'hang' },
    logged: 'hang',
    errorClass: 'transient',
    message: /timed? ?out/i,
  },
  {
    name: 'connection reset mid-page',
    fault: { type: 'reset' },
    logged: 'reset',
    errorClass: 'transient',
    message: /Stripe connection failed/,
  },
  {
    name: 'malformed JSON',
    fault: { type: 'malformed_json' },
    logged: 200,
    errorClass: 'transient',
    message: /unreadable response/,
  },
];

describe('stripe faults in the middle of a sync', () => {
  for (const c of CASES) {
    test(`${c.name}: passing faults are retried and the run completes with the exact set`, async () => {
      const r = await stripeRig(c.fault);
      try {
        const { run, afterFault } = await runWithFault(r, c.fault, 2);
        assert.equal(run.status, 'success', run.errorMessage ?? '');
        assert.deepEqual(
          afterFault.slice(0, 3).map((q) => q.status),
          [c.logged, c.logged, 200],
        );
        assert.deepEqual(await storedMoney(r.store, 'stripe'), expected);
        if (c.fault.type === 'rate_limit')
          assert.deepEqual(r.sleeps, [7_000, 7_000], 'waited what Stripe asked');
        else assert.equal(r.sleeps.length, 2, 'one backoff per retried request');
      } finally {
        await r.close();
      }
    });

    test(`${c.name}: persistent faults fail the run clearly; the next run resumes and completes the exact set`, async () => {
      const r = await stripeRig(c.fault);
      try {
        const { run: failed, afterFault } = await runWithFault(r, c.fault, 1_000);
        assert.equal(failed.status, 'failed');
        assert.equal(failed.errorClass, c.errorClass);
        assert.match(failed.errorMessage ?? '', c.message);
        assert.ok(failed.endedAt);
        if (c.fault.type === 'rate_limit')
          assert.ok(
            r.sleeps.every((ms) => ms === 7_000),
            String(r.sleeps),
          );
        // Bounded: 3 tries per request, 2 reads of the stream.
        assert.deepEqual(
          afterFault.map((q) => q.status),
          Array(6).fill(c.logged),
        );

        // Committed pages stay committed: the two before the fault, and the one whose write was still on
        // its way or prefetched when the fault hit (pipelined); the cursor points after the last of them.
        const cursor = parseCursor(await r.store.getCursor('stripe', 'balance_transactions'));
        assert.ok(cursor.startingAfter, JSON.stringify(cursor));
        // Counted in balance transactions (pages hold 100); their fee records were committed with them.
        const storedTxns = (await storedMoney(r.store, 'stripe')).filter((m) =>
          m.id.startsWith('stripe:balance_transactions:'),
        );
        const committed = storedTxns.filter((m) => !m.id.endsWith(':fee')).length;
        assert.equal(failed.streams.balance_transactions?.inserted, storedTxns.length);
        assert.ok(committed >= 200 && committed % 100 === 0, `${committed} committed`);

        emu.control.clearFaults();
        emu.control.clearLog();
        const next = await r.run('stripe');
        assert.equal(next.status, 'success', next.errorMessage ?? '');
        const btRequests = emu.control.requestLog.filter((q) => q.path === BT);
        assert.equal(
          btRequests[0]?.query.starting_after,
          cursor.startingAfter,
          'resumed after the last commit',
        );
        assert.equal(btRequests.length, btPages - committed / 100, 'no committed page is fetched again');
        assert.deepEqual(await storedMoney(r.store, 'stripe'), expected);
      } finally {
        await r.close();
      }
    });
  }
});

describe('plaid faults in the middle of a pagination set', () => {
  let plaid: PlaidEmulator;
  before(async () => {
    // Enough pages (12 of 500) that the fault still lands mid-set with a page prefetched and a write in flight.
    plaid = await startPlaidEmulator({ transactionsPerItem: 6_000, seed: 5 });
  });
  after(() => plaid.close());

  test('a run failing mid-set, then the bank changes: the next run ends with the exact set (no ghosts)', async () => {
    const item = plaid.control.createItem();
    const r = await rig({
      settings: settingsFor({ plaid }),
      plaid: { retry: { attempts: 2 } },
      streamRetry: { attempts: 2 },
    });
    try {
      await addConnection(r.store, 'bank', 'plaid', { access_token: item.accessToken, item_id: item.itemId });
      let pages = 0;
      const failed = await r.run('bank', {
        onProgress: (p) => {
          // 2 tries of the next page, then 2 tries of the re-read's first page: all answer 500.
          if (p.stream === 'transactions' && ++pages === 1)
            plaid.control.failNext(4, 'server_error', '/transactions/sync');
        },
      });
      assert.equal(failed.status, 'failed');
      assert.equal(failed.errorClass, 'transient');
      assert.match(failed.errorMessage ?? '', /INTERNAL_SERVER_ERROR/);
      const stored = failed.streams.transactions?.inserted ?? 0;
      // The first page, and the next when its write was already on its way (writes are pipelined).
      assert.ok(
        stored >= 500 && stored % 500 === 0 && stored < 6_000,
        `${stored}: the pages before the fault were stored`,
      );

      // Before the retry, a pending transaction from that first page posts: Plaid removes it.
      const first = `txn-${item.itemId.replace('item-sandbox-', '')}-00005`;
      plaid.control.removeTransactions([first]);
      plaid.control.addTransactions(3, { itemId: item.itemId });

      const next = await r.run('bank');
      assert.equal(next.status, 'success', next.errorMessage ?? '');
      const transactions = (await storedMoney(r.store, 'bank')).filter((m) =>
        m.id.startsWith('plaid:transactions:'),
      );
      assert.ok(
        !transactions.some((m) => m.id === `plaid:transactions:${first}`),
        `${first} was removed at Plaid`,
      );
      assert.deepEqual(transactions, expectedPlaidTransactions(plaid.control.transactions(item.itemId)));
      assert.equal(await r.store.countRecords('bank'), transactions.length + 5);
    } finally {
      await r.close();
    }
  });
});
