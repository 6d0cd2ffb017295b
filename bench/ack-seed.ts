/**
 * The store the ack benchmark's `/finsync status` reads: 50 connections with sealed dummy credentials,
 * 20 runs and 1,000 records each, and (scenario C) older run history grown in place.
 */
import { EMULATOR_SECRET_KEY } from '../connectors/stripe/emulator.ts';
import type { LedgerRecord } from '../src/records.ts';
import type { Keyring } from '../src/security/crypto.ts';
import { inOneTransaction } from '../src/store/embedded/seed.ts';
import type { RunStatus, Store } from '../src/store/types.ts';
import { ADMIN, CONNECTIONS, RECORDS_PER_CONNECTION, RUNS_PER_CONNECTION } from './ack-settings.ts';

export const nameOf = (c: number) => `stripe-${String(c + 1).padStart(2, '0')}`;

/** Runs `from` … `to - 1` of connection `c`, one per hour back from now (run 0 is the oldest of the first 20). */
async function seedRuns(store: Store, c: number, from: number, to: number, now: number): Promise<void> {
  const statuses: RunStatus[] = ['success', 'success', 'success', 'partial', 'failed'];
  const name = nameOf(c);
  for (let r = from; r < to; r++) {
    const startedAt = new Date(now - (RUNS_PER_CONNECTION - r) * 3_600_000 - c * 1000);
    const runStatus = statuses[(((c + r) % statuses.length) + statuses.length) % statuses.length]!;
    await store.startRun({
      id: `run-${name}-${r}`,
      connection: name,
      trigger: r % 3 === 0 ? 'manual' : 'schedule',
      triggeredBy: r % 3 === 0 ? ADMIN : null,
      startedAt: startedAt.toISOString(),
      endedAt: new Date(startedAt.getTime() + 42_000).toISOString(),
      status: runStatus,
      streams: { balance_transactions: { fetched: 100, inserted: 50, updated: 3, deleted: 0, skipped: 0 } },
      errorClass: runStatus === 'failed' ? 'transient' : null,
      errorMessage: runStatus === 'failed' ? 'Stripe error 503: upstream unavailable' : null,
      skipped: [],
    });
  }
}

/**
 * Grows every connection's history from `fromPer` to `toPer` runs with older runs (negative numbers, before
 * the 20 seeded first, so the latest runs and the status text stay the same), in one transaction.
 */
export async function growHistory(store: Store, fromPer: number, toPer: number, now: number): Promise<void> {
  await inOneTransaction(store, async () => {
    for (let c = 0; c < CONNECTIONS; c++) {
      await seedRuns(store, c, -(toPer - RUNS_PER_CONNECTION), -(fromPer - RUNS_PER_CONNECTION), now);
    }
  });
}

export async function seedStore(store: Store, keyring: Keyring, now: number): Promise<void> {
  const day = 86_400_000;
  for (let c = 0; c < CONNECTIONS; c++) {
    const name = nameOf(c);
    await store.createConnection({
      name,
      provider: c % 5 === 4 ? 'plaid' : 'stripe',
      accountLabel: `Bench account ${c + 1} (acct_bench${c}, test mode)`,
      accountId: `acct_bench${c}`,
      credentials: keyring.seal(JSON.stringify({ api_key: EMULATOR_SECRET_KEY }), `connection:${name}`),
      state: c % 17 === 3 ? 'needs_reconnect' : 'active',
      stateReason: c % 17 === 3 ? 'Invalid API Key provided' : null,
      schedule: null,
      createdAt: new Date(now - 90 * day).toISOString(),
      createdBy: ADMIN,
    });
    await seedRuns(store, c, 0, RUNS_PER_CONNECTION, now);
    const records: LedgerRecord[] = Array.from({ length: RECORDS_PER_CONNECTION }, (_, i) => ({
      id: `stripe:balance_transactions:txn_bench${c}_${i}`,
      connection: name,
      provider: 'stripe',
      stream: 'balance_transactions',
      kind: 'charge',
      amount: 1_000 + i,
      currency: 'USD',
      occurredAt: new Date(now - i * 60_000).toISOString(),
      description: `Order #${i}`,
      counterparty: null,
      status: 'available',
      moneyMovement: true,
      raw: { type: 'balance_transaction', id: `txn_bench${c}_${i}` },
    }));
    await store.applyPage({
      connection: name,
      stream: 'balance_transactions',
      records,
      removedIds: [],
      cursor: { since: Math.floor(now / 1000) },
    });
  }
}
