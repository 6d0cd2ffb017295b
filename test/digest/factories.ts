/**
 * Small factories for the digest tests: a real embedded store in a temp dir, connections, records written
 * through `store.applyPage` (Plaid and QuickBooks ones made by their real normalizers), runs through
 * `store.startRun/updateRun`, the real status report, and an independent recomputation of a day's money
 * straight from the stored records (no SQL, no day.ts, no rule from src/digest).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Transaction } from 'plaid';
import { normalizeTransaction } from '../../connectors/plaid/normalize.ts';
import { normalizePayment } from '../../connectors/quickbooks/normalize.ts';
import { computeDigest, type Digest, type SystemMoney } from '../../src/digest/compute.ts';
import type { StaleRule } from '../../src/digest/stale.ts';
import { minorToDecimal } from '../../src/money.ts';
import type { LedgerRecord } from '../../src/records.ts';
import { Keyring } from '../../src/security/crypto.ts';
import { type StatusReport, statusReport } from '../../src/services/status.ts';
import { EmbeddedStore } from '../../src/store/embedded/embedded-store.ts';
import type { Connection, RunStatus, Store, StreamCounts } from '../../src/store/types.ts';

const dirs: string[] = [];
const stores: EmbeddedStore[] = [];
const keyring = new Keyring(randomBytes(32));

export async function openStore(): Promise<EmbeddedStore> {
  const dir = mkdtempSync(join(tmpdir(), 'finsync-digest-'));
  dirs.push(dir);
  const store = await EmbeddedStore.open(dir);
  stores.push(store);
  return store;
}

export async function cleanUp(): Promise<void> {
  for (const store of stores.splice(0)) await store.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export function connection(name: string, overrides: Partial<Connection> = {}): Connection {
  return {
    name,
    provider: 'stripe',
    accountLabel: `${name} account`,
    accountId: null,
    credentials: keyring.seal('{"api_key":"sk_test_x"}', `connection:${name}`),
    state: 'active',
    stateReason: null,
    schedule: null,
    createdAt: '2026-01-01T00:00:00.000Z',
    createdBy: 'UOWNER0001',
    ...overrides,
  };
}

let nextId = 0;

export function record(
  occurredAt: string,
  amount: number,
  currency: string,
  overrides: Partial<LedgerRecord> = {},
): LedgerRecord {
  const external = `txn_${++nextId}`;
  return {
    id: `stripe:balance_transactions:${external}`,
    connection: 'stripe',
    provider: 'stripe',
    stream: 'balance_transactions',
    kind: amount >= 0 ? 'charge' : 'payout',
    amount,
    currency,
    occurredAt,
    description: 'Payment',
    counterparty: null,
    status: 'available',
    moneyMovement: true,
    raw: { type: 'balance_transaction', id: external },
    ...overrides,
  };
}

let nextPlaid = 0;

/**
 * A Plaid transaction as connectors/plaid/normalize.ts stores it. `amount` is the ledger's (positive = money
 * in; Plaid's own sign is the opposite); `datetime` null means Plaid gave only the posting date.
 */
export function plaidTransaction(
  date: string,
  amount: number,
  currency: string,
  options: {
    datetime?: string | null;
    connection?: string;
    /** Plaid's id; default a fresh one. */
    transactionId?: string;
    pending?: boolean;
    /** On a posted transaction: the pending one it replaces. */
    pendingTransactionId?: string | null;
  } = {},
): LedgerRecord {
  const raw = {
    transaction_id: options.transactionId ?? `plaid_txn_${++nextPlaid}`,
    account_id: 'acc_1',
    amount: Number(minorToDecimal(-amount, currency)),
    iso_currency_code: currency,
    unofficial_currency_code: null,
    date,
    datetime: options.datetime ?? null,
    name: 'Card purchase',
    merchant_name: 'Corner Shop',
    pending: options.pending ?? false,
    pending_transaction_id: options.pendingTransactionId ?? null,
  } as unknown as Transaction;
  const stored = { ...normalizeTransaction(raw), connection: options.connection ?? 'bank' };
  assert.equal(stored.amount, amount, "the amount survives Plaid's decimal form");
  return stored;
}

let nextQuickBooks = 0;

/** A QuickBooks payment (money received) as connectors/quickbooks/normalize.ts stores it, by its TxnDate. */
export function quickbooksPayment(
  txnDate: string,
  amount: number,
  currency: string,
  options: { connection?: string } = {},
): LedgerRecord {
  const raw = {
    Id: String(++nextQuickBooks),
    TxnDate: txnDate,
    TotalAmt: minorToDecimal(amount, currency),
    CurrencyRef: { value: currency },
    CustomerRef: { value: '1', name: 'Acme Corp' },
    MetaData: { CreateTime: '2026-01-02T10:15:00-08:00' },
  };
  return { ...normalizePayment(raw), connection: options.connection ?? 'books' };
}

/** Writes records through applyPage, one page per connection and stream. */
export async function storeRecords(target: Store, records: readonly LedgerRecord[]): Promise<void> {
  const pages = new Map<string, LedgerRecord[]>();
  for (const r of records) {
    const key = `${r.connection}\u0000${r.stream}`;
    pages.set(key, [...(pages.get(key) ?? []), r]);
  }
  for (const [key, page] of pages) {
    const [connection = '', stream = ''] = key.split('\u0000');
    await target.applyPage({ connection, stream, records: page, removedIds: [], cursor: undefined });
  }
}

let nextRun = 0;

/** A finished run: started at `startedAt`, ended at `endedAt`, with inserted/updated counts per stream. */
export async function finishedRun(
  target: Store,
  connection: string,
  startedAt: string,
  endedAt: string,
  status: RunStatus = 'success',
  streams: Record<string, Partial<StreamCounts>> = {},
): Promise<string> {
  const id = `run-${++nextRun}`;
  await target.startRun({
    id,
    connection,
    trigger: 'schedule',
    triggeredBy: null,
    startedAt,
    endedAt: null,
    status: 'running',
    streams: {},
    errorClass: null,
    errorMessage: null,
    skipped: [],
  });
  const full = Object.fromEntries(
    Object.entries(streams).map(([name, c]) => [
      name,
      { fetched: 0, inserted: 0, updated: 0, deleted: 0, skipped: 0, ...c },
    ]),
  );
  await target.updateRun(id, {
    endedAt,
    status,
    streams: full,
    errorClass: status === 'failed' ? 'transient' : null,
    errorMessage: status === 'failed' ? 'HTTP 503' : null,
  });
  return id;
}

/** Display names, as the connector registry gives them. */
const PROVIDER_NAMES: Readonly<Record<string, string>> = {
  stripe: 'Stripe',
  plaid: 'Plaid',
  quickbooks: 'QuickBooks',
};

export function statusOf(
  target: Store,
  now: Date,
  nextRuns: ReadonlyMap<string, Date> = new Map(),
): Promise<StatusReport> {
  return statusReport({
    store: target,
    providerName: (p) => PROVIDER_NAMES[p] ?? p,
    nextRuns: async () => nextRuns,
    now: () => now,
  });
}

export async function digestOf(
  target: Store,
  now: Date,
  timezone: string,
  options: { staleRule?: StaleRule; nextRuns?: ReadonlyMap<string, Date> } = {},
): Promise<Digest> {
  return computeDigest({
    store: target,
    status: await statusOf(target, now, options.nextRuns),
    timezone,
    now,
    ...(options.staleRule ? { staleRule: options.staleRule } : {}),
  });
}

/** Providers that send calendar dates for money, which the ledger stores at 00:00 UTC of the date. */
const DATE_PROVIDERS = new Set(['plaid', 'quickbooks']);

/** One system's money in one currency, as the tests compare it. */
export interface SystemTotals {
  readonly connection: string;
  readonly currency: string;
  readonly moneyIn: bigint;
  readonly moneyOut: bigint;
  readonly movements: number;
}

/** The digest's money without its labels (provider name, still connected), for comparing with `recompute`. */
export function moneyRows(money: readonly SystemMoney[] | null): SystemTotals[] | null {
  return (
    money?.map(({ connection, currency, moneyIn, moneyOut, movements }) => ({
      connection,
      currency,
      moneyIn,
      moneyOut,
      movements,
    })) ?? null
  );
}

/** `{ 'stripe/USD': 12 }`: money in only, one movement each, sorted as the digest sorts. */
export function moneyIn(entries: Record<string, number>): SystemTotals[] {
  return bySystem(
    Object.entries(entries).map(([key, amount]) => {
      const [connection = '', currency = ''] = key.split('/');
      return { connection, currency, moneyIn: BigInt(amount), moneyOut: 0n, movements: 1 };
    }),
  );
}

/** Sorted by connection, then currency. */
function bySystem(rows: SystemTotals[]): SystemTotals[] {
  const order = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return rows.sort((a, b) => order(a.connection, b.connection) || order(a.currency, b.currency));
}

/**
 * The day's money recomputed from every stored record, read one by one: instants compared as numbers
 * (not strings), sums in BigInt, bounds given by the caller (not day.ts), per connection and currency (sorted
 * so). A Plaid or QuickBooks record at a whole UTC day is a calendar date and counts when it is `date`; every
 * other record counts when its instant is in `[startMs, endMs)`.
 */
export async function recompute(
  target: Store,
  startMs: number,
  endMs: number,
  date: string,
): Promise<SystemTotals[]> {
  const dateMs = Date.parse(`${date}T00:00:00Z`);
  assert.ok(Number.isFinite(dateMs), `recompute needs a YYYY-MM-DD date, not "${date}"`);
  const sums = new Map<
    string,
    { connection: string; currency: string; moneyIn: bigint; moneyOut: bigint; movements: number }
  >();
  for await (const r of target.iterateRecords({})) {
    const at = Date.parse(r.occurredAt);
    const calendarDate = DATE_PROVIDERS.has(r.provider) && at % 86_400_000 === 0;
    const inDay = calendarDate ? at === dateMs : at >= startMs && at < endMs;
    if (!r.moneyMovement || r.currency === null || !inDay) continue;
    const key = JSON.stringify([r.connection, r.currency]);
    const entry = sums.get(key) ?? {
      connection: r.connection,
      currency: r.currency,
      moneyIn: 0n,
      moneyOut: 0n,
      movements: 0,
    };
    if (r.amount > 0) entry.moneyIn += BigInt(r.amount);
    if (r.amount < 0) entry.moneyOut += BigInt(-r.amount);
    entry.movements++;
    sums.set(key, entry);
  }
  return bySystem([...sums.values()]);
}

/** Seeded Mulberry32, so "random" amounts repeat run to run. */
export function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
