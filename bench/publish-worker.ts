/**
 * A fresh process for one measured Power BI publish. Each op first seeds a fresh embedded store with
 * `records` ledger records through `store.applyPage` (pages of 10,000; not timed, reported), so its change
 * log holds `records` entries. Ops:
 * - `finsync`: times the real `publishChanges` (src/sync/publish.ts) with `powerbiDestination.publisher`
 *   against the emulator (own process, real clock, Microsoft's limits): the whole call, from the first
 *   request (token, workspace, dataset creation) to the last publish-cursor save.
 * - `reference`: builds the very POST bodies finsync sends (same rows, batch ids and JSON) before the clock
 *   starts, gets a token and creates a fresh dataset with plain fetch, then times those POSTs sent one after
 *   the other with plain fetch and nothing else: how fast the emulator accepts them when nothing paces them.
 * - `simulated`: starts its own emulator child on a simulated clock, then runs `publishChanges` with the
 *   same destination code (`createPowerBiDestination({ now })`, the factory of `powerbiDestination`) whose
 *   clock and sleep are simulated: a wait moves the emulator's clock and this process's clock forward
 *   together instead of sleeping. Both clocks are the real clock plus the waits skipped so far, so
 *   processing time is real; the emulator enforces Microsoft's limits on that clock.
 */

import type { Publisher } from '../connectors/destination.ts';
import { createPowerBiDestination, powerbiDestination } from '../connectors/powerbi/destination.ts';
import { RECORDS_TABLE, recordRow, TABLES } from '../connectors/powerbi/schema.ts';
import type { Credentials } from '../connectors/types.ts';
import { loadConfig } from '../src/config.ts';
import type { LedgerRecord } from '../src/records.ts';
import { realSleep, type Sleep } from '../src/retry.ts';
import { openStore } from '../src/store/open-store.ts';
import type { Store } from '../src/store/types.ts';
import { publishChanges, toPublishRows } from '../src/sync/publish.ts';
import { type Child, serveParent, startChild } from './children.ts';
import { discardLogger, RssSampler } from './common.ts';

const DESTINATION = 'powerbi';
const ROWS_PER_POST = 10_000;
const SEED_PAGE = 10_000;
const CONNECTION = 'stripe';
const STREAM = 'balance_transactions';

export interface EmulatorInfo {
  readonly url: string;
  readonly tokenUrl: string;
  readonly tenantId: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly groupIds: readonly string[];
  readonly mode: 'real' | 'simulated';
}

export interface EmulatorSummary {
  readonly posts: readonly {
    readonly at: number;
    readonly rows: number;
    readonly status: number | string;
    readonly dataset: string;
  }[];
  readonly others: Readonly<Record<string, number>>;
  readonly datasets: readonly { readonly id: string; readonly records: number }[];
  readonly peakPending: number;
}

interface Request {
  readonly dataDir: string;
  readonly records: number;
  readonly emulator: EmulatorInfo;
  readonly groupId: string;
}

export interface FinsyncPublishMeasurement {
  readonly seedMs: number;
  readonly wallMs: number;
  readonly cpuMs: number;
  /** publisher.prepare(): token, workspace, dataset listing and creation. */
  readonly prepareMs: number;
  /** Each publisher.push() call (pacing, row mapping, JSON, POST). */
  readonly pushMs: readonly number[];
  /** The store calls publishChanges makes between pushes: change-log reads and publish-cursor writes. */
  readonly changesMs: number;
  readonly cursorMs: number;
  readonly cursorSaves: number;
  readonly pushed: number;
  readonly batches: number;
  readonly datasetId: string;
  readonly datasetLabel: string;
  /** Waits asked for through the context's sleep (pacer, retries). */
  readonly waits: number;
  readonly waitedMs: number;
  readonly rssBefore: number;
  readonly rssPeak: number;
}

export interface ReferenceMeasurement {
  readonly seedMs: number;
  readonly wallMs: number;
  readonly postMs: readonly number[];
  readonly statuses: readonly number[];
  readonly bytes: number;
  readonly rows: number;
  readonly datasetId: string;
}

export interface SimulatedMeasurement {
  readonly seedMs: number;
  readonly realMs: number;
  readonly simulatedMs: number;
  /** The waits skipped: simulatedMs − realMs, up to clock reads. */
  readonly skippedMs: number;
  readonly sleeps: readonly number[];
  readonly pushed: number;
  readonly batches: number;
  readonly datasetId: string;
  /** The emulator clock when publishChanges started, to put its log on the same origin. */
  readonly simulatedStart: number;
  readonly summary: EmulatorSummary;
}

/** Stripe-like ledger records; ids grow with the number, dates spread over the last ~3 years. */
function seedPage(from: number, count: number, total: number, now: number): LedgerRecord[] {
  const kinds = ['charge', 'refund', 'payout', 'fee', 'adjustment', 'transfer'] as const;
  const currencies = ['USD', 'USD', 'EUR', 'GBP', 'JPY'];
  return Array.from({ length: count }, (_, k) => {
    const i = from + k;
    const external = `txn_0Seed${i.toString(36).padStart(8, '0')}bench`;
    return {
      id: `stripe:${STREAM}:${external}`,
      connection: CONNECTION,
      provider: 'stripe',
      stream: STREAM,
      kind: kinds[i % kinds.length]!,
      amount: ((i * 7919) % 250_000) * (i % 3 === 0 ? -1 : 1),
      currency: currencies[i % currencies.length]!,
      occurredAt: new Date(now - (total - i) * 45_000).toISOString(),
      description: `Order #${10_000 + i}`,
      counterparty: i % 4 === 0 ? null : `cus_bench${i % 5000}`,
      status: 'available',
      moneyMovement: true,
      raw: { type: 'balance_transaction', id: external },
    };
  });
}

async function seededStore(dataDir: string, records: number): Promise<{ store: Store; seedMs: number }> {
  const store = await openStore({ dataDir: dataDir, mongodbUri: undefined });
  const started = performance.now();
  const now = Date.now();
  for (let from = 0; from < records; from += SEED_PAGE) {
    await store.applyPage({
      connection: CONNECTION,
      stream: STREAM,
      records: seedPage(from, Math.min(SEED_PAGE, records - from), records, now),
      removedIds: [],
      cursor: undefined,
    });
  }
  return { store, seedMs: performance.now() - started };
}

function credentialsFor(emulator: EmulatorInfo, groupId: string): Credentials {
  return {
    tenant_id: emulator.tenantId,
    client_id: emulator.clientId,
    client_secret: emulator.clientSecret,
    workspace_id: groupId,
  };
}

/** The production settings path: MS_TOKEN_URL and POWERBI_API_BASE through loadConfig. */
function settingsFor(emulator: EmulatorInfo, dataDir: string) {
  return loadConfig(
    {
      FINSYNC_DATA_DIR: dataDir,
      FINSYNC_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
      MS_TOKEN_URL: `${emulator.url}/{tenant}/oauth2/v2.0/token`,
      POWERBI_API_BASE: emulator.url,
      LOG_LEVEL: 'info',
    },
    { requireSlack: false },
  ).providers.powerbi;
}

/** The publisher, unchanged, with the time of each call written down. */
function timedPublisher(inner: Publisher) {
  const times = { prepareMs: 0, pushMs: [] as number[], datasetId: '' };
  const publisher: Publisher = {
    maxRowsPerPush: inner.maxRowsPerPush,
    async prepare() {
      const started = performance.now();
      const dataset = await inner.prepare();
      times.prepareMs += performance.now() - started;
      times.datasetId = dataset.datasetId;
      return dataset;
    },
    async push(table, rows, batchId) {
      const started = performance.now();
      await inner.push(table, rows, batchId);
      times.pushMs.push(performance.now() - started);
    },
    batchLanded: (table, batchId) => inner.batchLanded(table, batchId),
  };
  return { publisher, times };
}

/** The store, unchanged, with the time of the calls publishChanges makes written down. */
function timedStore(inner: Store) {
  const times = { changesMs: 0, cursorMs: 0, cursorSaves: 0 };
  const timing = <A extends unknown[], R>(fn: (...args: A) => Promise<R>, add: (ms: number) => void) => {
    return async (...args: A): Promise<R> => {
      const started = performance.now();
      try {
        return await fn.apply(inner, args);
      } finally {
        add(performance.now() - started);
      }
    };
  };
  const changesSince = timing(inner.changesSince, (ms) => {
    times.changesMs += ms;
  });
  const saveCursor = timing(inner.saveCursor, (ms) => {
    times.cursorMs += ms;
    times.cursorSaves++;
  });
  const store = new Proxy(inner, {
    get(target, prop) {
      if (prop === 'changesSince') return changesSince;
      if (prop === 'saveCursor') return saveCursor;
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { store, times };
}

async function measureFinsync(request: Request): Promise<FinsyncPublishMeasurement> {
  const seeded = await seededStore(request.dataDir, request.records);
  const { seedMs } = seeded;
  const { store, times: storeTimes } = timedStore(seeded.store);
  try {
    const log = discardLogger();
    let waits = 0;
    let waitedMs = 0;
    // Real sleeps, counted: the production path, with a record of whether the pacer ever waited.
    const sleep: Sleep = (ms, signal) => {
      waits++;
      waitedMs += ms;
      return realSleep(ms, signal);
    };
    const ctx = { settings: settingsFor(request.emulator, request.dataDir), log, sleep };
    const { publisher, times } = timedPublisher(
      powerbiDestination.publisher(credentialsFor(request.emulator, request.groupId), ctx),
    );
    global.gc?.();
    const sampler = new RssSampler();
    const cpuBefore = process.cpuUsage();
    sampler.start(50);
    const started = performance.now();
    const result = await publishChanges({ store, log, destination: DESTINATION, publisher });
    const wallMs = performance.now() - started;
    sampler.stop();
    const cpu = process.cpuUsage(cpuBefore);
    return {
      seedMs,
      wallMs,
      cpuMs: (cpu.user + cpu.system) / 1000,
      prepareMs: times.prepareMs,
      pushMs: times.pushMs,
      ...storeTimes,
      pushed: result.pushed,
      batches: result.batches,
      datasetId: times.datasetId,
      datasetLabel: result.datasetLabel,
      waits,
      waitedMs,
      rssBefore: sampler.baseline,
      rssPeak: sampler.peak,
    };
  } finally {
    await store.close();
  }
}

async function expectOk(response: Response, what: string): Promise<string> {
  const text = await response.text();
  if (!response.ok) throw new Error(`${what}: HTTP ${response.status} ${text.slice(0, 300)}`);
  return text;
}

async function measureReference(request: Request): Promise<ReferenceMeasurement> {
  const { store, seedMs } = await seededStore(request.dataDir, request.records);
  const bodies: string[] = [];
  let rows = 0;
  try {
    // The same ranges, batch ids and rows publishChanges builds (seq starts after 0 in a fresh store).
    for (let seq = 0, guard = 0; guard < 100_000; guard++) {
      const changes = await store.changesSince(seq, ROWS_PER_POST);
      if (changes.length === 0) break;
      const toSeq = changes[changes.length - 1]!.seq;
      const batchId = `${DESTINATION}:${seq + 1}-${toSeq}`;
      bodies.push(JSON.stringify({ rows: toPublishRows(changes).map((row) => recordRow(row, batchId)) }));
      rows += changes.length;
      seq = toSeq;
    }
  } finally {
    await store.close();
  }
  const { url, tokenUrl, clientId, clientSecret } = request.emulator;
  const tokenAnswer = await expectOk(
    await fetch(tokenUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: clientId,
        client_secret: clientSecret,
        scope: 'https://analysis.windows.net/powerbi/api/.default',
      }),
    }),
    'token',
  );
  const token = (JSON.parse(tokenAnswer) as { access_token: string }).access_token;
  const headers = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' };
  const group = `${url}/v1.0/myorg/groups/${request.groupId}`;
  const created = await expectOk(
    await fetch(`${group}/datasets?defaultRetentionPolicy=None`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ name: 'finsync', defaultMode: 'Push', tables: TABLES }),
    }),
    'dataset creation',
  );
  const datasetId = (JSON.parse(created) as { id: string }).id;
  const rowsUrl = `${group}/datasets/${datasetId}/tables/${RECORDS_TABLE.name}/rows`;
  const postMs: number[] = [];
  const statuses: number[] = [];
  const started = performance.now();
  for (const body of bodies) {
    const sent = performance.now();
    const response = await fetch(rowsUrl, { method: 'POST', headers, body });
    await response.text();
    postMs.push(performance.now() - sent);
    statuses.push(response.status);
  }
  const wallMs = performance.now() - started;
  return {
    seedMs,
    wallMs,
    postMs,
    statuses,
    bytes: bodies.reduce((sum, b) => sum + Buffer.byteLength(b), 0),
    rows,
    datasetId,
  };
}

async function measureSimulated(
  request: Omit<Request, 'emulator' | 'groupId'>,
): Promise<SimulatedMeasurement> {
  const emulator: Child<EmulatorInfo> = await startChild<EmulatorInfo>('powerbi-emulator-child.ts', [
    'simulated',
    '1',
  ]);
  try {
    const { store, seedMs } = await seededStore(request.dataDir, request.records);
    try {
      let offset = 0;
      const sleeps: number[] = [];
      const now = () => Date.now() + offset;
      // A wait moves both clocks instead of passing: first the emulator's, then ours, so the emulator is never
      // behind this process when the next request goes out.
      const sleep: Sleep = async (ms, signal) => {
        if (signal?.aborted) throw signal.reason;
        const step = Math.max(0, Math.ceil(ms));
        sleeps.push(step);
        if (step === 0) return;
        await emulator.call('advance', { ms: step });
        offset += step;
      };
      const log = discardLogger();
      const destination = createPowerBiDestination({ now });
      const ctx = { settings: settingsFor(emulator.info, request.dataDir), log, sleep };
      const { publisher, times } = timedPublisher(
        destination.publisher(credentialsFor(emulator.info, emulator.info.groupIds[0]!), ctx),
      );
      const simulatedStart = now();
      const realStart = performance.now();
      const result = await publishChanges({ store, log, destination: DESTINATION, publisher });
      const realMs = performance.now() - realStart;
      const simulatedMs = now() - simulatedStart;
      return {
        seedMs,
        realMs,
        simulatedMs,
        skippedMs: offset,
        sleeps,
        pushed: result.pushed,
        batches: result.batches,
        datasetId: times.datasetId,
        simulatedStart,
        summary: await emulator.call<EmulatorSummary>('summary'),
      };
    } finally {
      await store.close();
    }
  } finally {
    await emulator.stop();
  }
}

serveParent({
  finsync: (request) => measureFinsync(request as unknown as Request),
  reference: (request) => measureReference(request as unknown as Request),
  simulated: (request) => measureSimulated(request as unknown as Request),
});
console.log(JSON.stringify({ ready: true }));
