/**
 * Factories for the sync tests: a real embedded store in a temp dir, a real SyncEngine wired the way
 * src/core.ts wires it (connector streams bound to sealed credentials), and expectations computed from
 * the emulators' wire data, independently of our normalizers.
 */

import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Transaction } from 'plaid';
import { createPlaidConnector, type PlaidConnectorOptions } from '../../connectors/plaid/connector.ts';
import type { PlaidEmulator } from '../../connectors/plaid/emulator.ts';
import type { PlaidSettings } from '../../connectors/plaid/settings.ts';
import { createStripeConnector, type StripeConnectorOptions } from '../../connectors/stripe/connector.ts';
import { EMULATOR_SECRET_KEY } from '../../connectors/stripe/emulator.ts';
import type { StripeSettings } from '../../connectors/stripe/settings.ts';
import type { Connector, Credentials } from '../../connectors/types.ts';
import { silentLogger } from '../../src/log.ts';
import type { RetryOptions } from '../../src/retry.ts';
import { Keyring } from '../../src/security/crypto.ts';
import { openCredentials } from '../../src/services/connections.ts';
import { EmbeddedStore } from '../../src/store/embedded/embedded-store.ts';
import type { Connection, Store, SyncRun } from '../../src/store/types.ts';
import { type RunRequest, SyncEngine } from '../../src/sync/engine.ts';
import type { BatchOptions } from '../../src/sync/page-batcher.ts';

const dirs: string[] = [];

export function tempDir(prefix = 'finsync-sync-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export const ENCRYPTION_KEY = randomBytes(32);
export const KEYRING = new Keyring(ENCRYPTION_KEY);

/** The settings of the two providers these tests sync, by provider id. */
export interface SyncSettings {
  readonly stripe: StripeSettings;
  readonly plaid: PlaidSettings;
}

/** The settings of `provider` (each connector's context carries its own provider's settings only). */
export function settingsOf(settings: SyncSettings, provider: string): StripeSettings | PlaidSettings {
  if (provider !== 'stripe' && provider !== 'plaid') throw new Error(`no settings for ${provider}`);
  return settings[provider];
}

export function settingsFor(urls: { stripe?: string; plaid?: PlaidEmulator }): SyncSettings {
  return {
    stripe: { apiBase: urls.stripe ?? 'http://127.0.0.1:9' },
    plaid: {
      baseUrl: urls.plaid?.url ?? 'http://127.0.0.1:9',
      clientId: urls.plaid?.clientId ?? 'unused',
      secret: urls.plaid?.secret ?? 'unused',
    },
  };
}

/** A connection as the connect flow stores it: credentials sealed with the keyring. */
export async function addConnection(
  store: EmbeddedStore,
  name: string,
  provider: 'stripe' | 'plaid',
  credentials: Credentials,
  keyring = KEYRING,
): Promise<Connection> {
  const connection: Connection = {
    name,
    provider,
    accountLabel: `${provider} test account`,
    accountId: null,
    credentials: keyring.seal(JSON.stringify(credentials), `connection:${name}`),
    state: 'active',
    stateReason: null,
    schedule: null,
    createdAt: '2026-01-01T00:00:00.000Z',
    createdBy: 'UADMIN0001',
  };
  await store.createConnection(connection);
  return connection;
}

export const stripeCredentials = (key = EMULATOR_SECRET_KEY): Credentials => ({ api_key: key });

export interface Rig {
  readonly store: EmbeddedStore;
  readonly engine: SyncEngine;
  readonly dataDir: string;
  /** Every wait the connectors and the engine asked for, in ms (nothing really waits). */
  readonly sleeps: number[];
  /** Another engine wired the same way over a different store (e.g. one that fails on purpose). */
  engineOver(store: Store): SyncEngine;
  run(connection: string, extra?: Partial<RunRequest>): Promise<SyncRun>;
  close(): Promise<void>;
}

export interface RigOptions {
  readonly settings: SyncSettings;
  readonly stripe?: StripeConnectorOptions;
  readonly plaid?: PlaidConnectorOptions;
  readonly dataDir?: string;
  readonly streamRetry?: Partial<RetryOptions>;
  /** Defaults to one page per transaction, so tests can place faults after a given page. */
  readonly batch?: BatchOptions;
}

/** One commit per page: progress events then mark page boundaries, where tests inject faults and kills. */
export const PAGE_PER_COMMIT: BatchOptions = { maxRecords: 1, maxAgeMs: 0 };

/** A store in a temp dir and an engine over it, wired as src/core.ts does, with a recording sleep. */
export async function rig(options: RigOptions): Promise<Rig> {
  const dataDir = options.dataDir ?? tempDir();
  const store = await EmbeddedStore.open(dataDir);
  const sleeps: number[] = [];
  const sleep = async (ms: number) => {
    sleeps.push(ms);
  };
  const connectors: Record<string, Connector> = {
    stripe: createStripeConnector(options.stripe ?? {}),
    plaid: createPlaidConnector(options.plaid ?? {}),
  };
  const log = silentLogger();
  const engineOver = (over: Store) =>
    new SyncEngine({
      store: over,
      log,
      streamsFor: (connection) =>
        connectors[connection.provider]!.streams(openCredentials(KEYRING, connection)),
      connectorContext: (provider, signal) => ({
        settings: settingsOf(options.settings, provider),
        log,
        sleep,
        ...(signal ? { signal } : {}),
      }),
      batch: options.batch ?? PAGE_PER_COMMIT,
      streamRetry: {
        attempts: 3,
        baseDelayMs: 1_000,
        maxDelayMs: 5_000,
        maxRateLimitWaitMs: 120_000,
        ...options.streamRetry,
        sleep,
      },
    });
  const engine = engineOver(store);
  return {
    store,
    engine,
    dataDir,
    sleeps,
    engineOver,
    run: (connection, extra = {}) =>
      engine.run({ connection, trigger: 'manual', triggeredBy: 'UADMIN0001', ...extra }),
    close: () => store.close(),
  };
}

/** The part of a record the tests compare: identity, money and time. */
export interface Money {
  readonly id: string;
  readonly amount: number;
  readonly currency: string | null;
  readonly occurredAt: string;
  readonly moneyMovement: boolean;
}

const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

export async function storedMoney(store: EmbeddedStore, connection: string): Promise<Money[]> {
  const out: Money[] = [];
  for await (const r of store.iterateRecords({ connection })) {
    out.push({
      id: r.id,
      amount: r.amount,
      currency: r.currency,
      occurredAt: r.occurredAt,
      moneyMovement: r.moneyMovement,
    });
  }
  return out.sort(byId);
}

// ---------------------------------------------------------------- Stripe, read raw over HTTP

export const STRIPE_LISTS = ['balance_transactions', 'charges', 'refunds', 'payouts', 'customers'] as const;
export type StripeList = (typeof STRIPE_LISTS)[number];

export interface RawStripe {
  readonly id: string;
  readonly amount?: number;
  /** Balance transactions only: the fee Stripe took (negative when it gave one back), and amount - fee. */
  readonly fee?: number;
  readonly net?: number;
  readonly currency?: string | null;
  readonly created: number;
}

/** Every object of one list, newest first, with plain fetch (no SDK, no connector). */
export async function listStripeRaw(baseUrl: string, list: StripeList): Promise<RawStripe[]> {
  const out: RawStripe[] = [];
  let after: string | undefined;
  for (;;) {
    const query = new URLSearchParams({ limit: '100', ...(after ? { starting_after: after } : {}) });
    const response = await fetch(`${baseUrl}/v1/${list}?${query}`, {
      headers: { authorization: `Bearer ${EMULATOR_SECRET_KEY}` },
    });
    if (response.status !== 200) throw new Error(`raw list ${list}: HTTP ${response.status}`);
    const body = (await response.json()) as { data: RawStripe[]; has_more: boolean };
    out.push(...body.data);
    if (!body.has_more) return out;
    after = body.data.at(-1)!.id;
  }
}

/**
 * The records CONVENTIONS.md promises for a Stripe account: integer minor units as Stripe sends them
 * (JPY has no decimals, KWD three, and neither is rescaled), positive = money into the business.
 * Balance transactions carry Stripe's signed amount and are the money movements, together with one fee
 * record (`<balance transaction record id>:fee`, amount `-fee`) for each balance transaction whose fee is
 * not 0; charges are positive, refunds and payouts negative; customers carry no money.
 */
export async function expectedStripe(baseUrl: string): Promise<Money[]> {
  const out: Money[] = [];
  for (const list of STRIPE_LISTS) {
    for (const raw of await listStripeRaw(baseUrl, list)) {
      const sign = list === 'refunds' || list === 'payouts' ? -1 : 1;
      const money = list !== 'customers';
      const record = {
        id: `stripe:${list}:${raw.id}`,
        amount: money ? sign * raw.amount! + 0 : 0,
        currency: money ? raw.currency!.toUpperCase() : null,
        occurredAt: new Date(raw.created * 1000).toISOString(),
        moneyMovement: list === 'balance_transactions',
      };
      out.push(record);
      if (list === 'balance_transactions' && raw.fee !== 0) {
        out.push({ ...record, id: `${record.id}:fee`, amount: -raw.fee! + 0 });
      }
    }
  }
  return out.sort(byId);
}

/** Minimal list requests for a full listing of `n` objects with limit 100 (an empty list still costs one). */
export function pagesFor(n: number, limit = 100): number {
  return Math.max(1, Math.ceil(n / limit));
}

// ---------------------------------------------------------------- Plaid

const EXPONENT: Readonly<Record<string, number>> = { USD: 2, JPY: 0, KWD: 3 };

/**
 * Plaid's decimal amount (positive = money leaving the account) as ledger minor units (positive = money
 * in). Computed through the decimal text, not `amount * 100`, so 0.1 + 0.2-style doubles stay exact.
 */
export function plaidToMinor(amount: number, currency: string): number {
  const exponent = EXPONENT[currency];
  if (exponent === undefined) throw new Error(`test knows no exponent for ${currency}`);
  const [whole = '0', fraction = ''] = Math.abs(amount).toFixed(exponent).split('.');
  const minor = Number(whole + fraction);
  return amount > 0 ? -minor : minor;
}

export function expectedPlaidTransactions(transactions: readonly Transaction[]): Money[] {
  return transactions
    .map((t) => ({
      id: `plaid:transactions:${t.transaction_id}`,
      amount: plaidToMinor(t.amount, t.iso_currency_code!),
      currency: t.iso_currency_code!,
      occurredAt: new Date(t.datetime ?? `${t.date}T00:00:00Z`).toISOString(),
      // Pending bank rows are not cash: only the posted row is a money movement.
      moneyMovement: t.pending !== true,
    }))
    .sort(byId);
}

/** Seeded Mulberry32, so "random" kill points and delays repeat run to run. */
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

// ---------------------------------------------------------------- the CLI as a child process

const ROOT = join(import.meta.dirname, '..', '..');

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** `npx finsync …` as an operator runs it: bin/finsync.js in a child process with only the given settings. */
export function runCli(args: readonly string[], env: Record<string, string>): Promise<CliResult> {
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'finsync.js'), ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

/** The settings the CLI needs to open a data dir sealed with KEYRING and reach the emulators. */
export function cliEnv(
  dataDir: string,
  urls: { stripe?: string; plaid?: PlaidEmulator },
): Record<string, string> {
  const settings = settingsFor(urls);
  return {
    FINSYNC_DATA_DIR: dataDir,
    FINSYNC_ENCRYPTION_KEY: ENCRYPTION_KEY.toString('base64'),
    STRIPE_API_BASE: settings.stripe.apiBase,
    PLAID_BASE_URL: settings.plaid.baseUrl,
    PLAID_CLIENT_ID: settings.plaid.clientId ?? '',
    PLAID_SECRET: settings.plaid.secret ?? '',
    LOG_LEVEL: 'warn',
  };
}
