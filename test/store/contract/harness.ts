/**
 * What the store contract needs of an implementation: a fresh, empty store, and a second handle on the same
 * location (another process, as far as the store can tell: the embedded store opens the same file again,
 * MongoDB connects to the same database again). Rules that must hold across processes are tried on both.
 */
import { randomBytes } from 'node:crypto';
import type { LedgerRecord } from '../../../src/records.ts';
import { Keyring } from '../../../src/security/crypto.ts';
import type { Connection, Store, SyncRun } from '../../../src/store/types.ts';

export interface OpenedStore {
  readonly store: Store;
  /** Another handle on the same location; closed by `close`. */
  openSecond(): Promise<Store>;
  /** Closes every handle and removes the location. */
  close(): Promise<void>;
}

export type OpenFreshStore = () => Promise<OpenedStore>;

const keyring = new Keyring(randomBytes(32));

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
    createdBy: 'U1',
    ...overrides,
  };
}

export function record(id: string, amount: number, overrides: Partial<LedgerRecord> = {}): LedgerRecord {
  return {
    id: `stripe:balance_transactions:${id}`,
    connection: 'stripe',
    provider: 'stripe',
    stream: 'balance_transactions',
    kind: 'charge',
    amount,
    currency: 'USD',
    occurredAt: '2026-01-02T03:04:05.000Z',
    description: 'Payment',
    counterparty: null,
    status: 'available',
    moneyMovement: true,
    raw: { type: 'balance_transaction', id },
    ...overrides,
  };
}

export function run(id: string, overrides: Partial<SyncRun> = {}): SyncRun {
  return {
    id,
    connection: 'stripe',
    trigger: 'manual',
    triggeredBy: 'U1',
    startedAt: '2026-01-02T04:00:00.000Z',
    endedAt: null,
    status: 'running',
    streams: {},
    errorClass: null,
    errorMessage: null,
    skipped: [],
    ...overrides,
  };
}

export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs a test on a fresh store and closes it afterwards, whatever happens.
 */
export function withStore(open: OpenFreshStore, body: (opened: OpenedStore) => Promise<void>) {
  return async () => {
    const opened = await open();
    try {
      await body(opened);
    } finally {
      await opened.close();
    }
  };
}
