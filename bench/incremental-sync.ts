/**
 * Incremental sync of 1,000 new Stripe balance transactions into a store that already holds 1,000,000
 * records, beside the same sync into an empty store.
 *
 * Set-up (not measured, reported separately): 1,000,000 records of connection `stripe` are written
 * straight through `store.applyPage` in pages of 10,000. Each repetition then starts a fresh emulator
 * (its own seed, so new ids) holding 1,000 old objects dated 2024, appends 1,000 new balance transactions
 * created now (`control.addObjects(1000)`), and sets the `balance_transactions` cursor of both stores to
 * `{ since: <now> }`, exactly what a previous run that finished now would have left. The next run then
 * lists `created >= since - overlap`: the 1,000 new objects only.
 *
 * Measured: `engine.run({ streams: ['balance_transactions'] })` through the production core, in a fresh
 * worker process that has already opened the store (open time is shown apart): run record, cursor read,
 * 10 pages of 100 from the emulator (own process), normalization, 10 `applyPage` transactions, run update.
 */
import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { EMULATOR_SECRET_KEY } from '../connectors/stripe/emulator.ts';
import type { LedgerRecord } from '../src/records.ts';
import { Keyring } from '../src/security/crypto.ts';
import { DATABASE_FILE } from '../src/store/embedded/embedded-store.ts';
import { openStore } from '../src/store/open-store.ts';
import type { Store } from '../src/store/types.ts';
import { runInWorker, startChild } from './children.ts';
import {
  fmtInt,
  fmtMb,
  fmtMs,
  fmtRatio,
  fmtS,
  heading,
  isMain,
  median,
  note,
  printTable,
  tempDir,
  verdict,
} from './common.ts';
import { recordFigures, sized, sizeLabel } from './summary.ts';
import type { FinsyncMeasurement } from './sync-worker.ts';

const EXISTING = Number(process.env.BENCH_INCREMENTAL_EXISTING ?? sized(1_000_000, 100_000));
const NEW_OBJECTS = 1_000;
const SEED_PAGE = 10_000;
const REPEATS = Number(process.env.BENCH_INCREMENTAL_REPEATS ?? 3);
const CONNECTION = 'stripe';
const STREAM = 'balance_transactions';
const WORKER_TIMEOUT_MS = 120_000;
const GOAL_RATIO = 2;

/** Stripe-like records; ids grow with time (as Stripe's do), dates spread over the last ~3 years. */
function seedPage(from: number, count: number, now: number): LedgerRecord[] {
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
      occurredAt: new Date(now - (EXISTING - i) * 90_000).toISOString(),
      description: `Order #${10_000 + i}`,
      counterparty: i % 4 === 0 ? null : `cus_bench${i % 5000}`,
      status: 'available',
      moneyMovement: true,
      raw: { type: 'balance_transaction', id: external },
    };
  });
}

async function openWithConnection(dataDir: string, keyring: Keyring): Promise<Store> {
  const store = await openStore({ dataDir: dataDir, mongodbUri: undefined });
  if (!(await store.getConnection(CONNECTION))) {
    await store.createConnection({
      name: CONNECTION,
      provider: 'stripe',
      accountLabel: 'Emulated Stripe (bench)',
      accountId: null,
      credentials: keyring.seal(JSON.stringify({ api_key: EMULATOR_SECRET_KEY }), `connection:${CONNECTION}`),
      state: 'active',
      stateReason: null,
      schedule: null,
      createdAt: new Date().toISOString(),
      createdBy: 'bench',
    });
  }
  return store;
}

async function seedBigStore(dataDir: string, keyring: Keyring): Promise<{ ms: number; bytes: number }> {
  const store = await openWithConnection(dataDir, keyring);
  const started = performance.now();
  const now = Date.now();
  for (let from = 0; from < EXISTING; from += SEED_PAGE) {
    await store.applyPage({
      connection: CONNECTION,
      stream: STREAM,
      records: seedPage(from, Math.min(SEED_PAGE, EXISTING - from), now),
      removedIds: [],
      cursor: undefined,
    });
  }
  const ms = performance.now() - started;
  await store.close();
  return { ms, bytes: statSync(join(dataDir, DATABASE_FILE)).size };
}

/** The cursor a run that ended at `sinceSeconds` leaves behind. */
async function setCursor(dataDir: string, keyring: Keyring, sinceSeconds: number): Promise<number> {
  const store = await openWithConnection(dataDir, keyring);
  try {
    await store.applyPage({
      connection: CONNECTION,
      stream: STREAM,
      records: [],
      removedIds: [],
      cursor: { since: sinceSeconds },
    });
    return await store.countRecords(CONNECTION);
  } finally {
    await store.close();
  }
}

interface Sample {
  readonly scenario: 'empty' | 'big';
  readonly repeat: number;
  readonly before: number;
  readonly m: FinsyncMeasurement;
}

export async function run(): Promise<void> {
  heading(
    `incremental-sync: ${fmtInt(NEW_OBJECTS)} new records into ${fmtInt(EXISTING)} existing vs into an empty store`,
  );
  const keyBase64 = randomBytes(32).toString('base64');
  const keyring = new Keyring(Buffer.from(keyBase64, 'base64'));
  const big = tempDir('incremental-1m');
  const samples: Sample[] = [];
  let seeding = { ms: 0, bytes: 0 };
  try {
    seeding = await seedBigStore(big.path, keyring);
    for (let r = 1; r <= REPEATS; r++) {
      const emulator = await startChild<{ url: string }>('stripe-emulator-child.ts', [
        '1000',
        String(100 + r),
      ]);
      const empty = tempDir('incremental-empty');
      try {
        const since = Math.floor(Date.now() / 1000);
        const added = await emulator.call<{ added: number }>('addObjects', { count: NEW_OBJECTS });
        if (added.added !== NEW_OBJECTS) throw new Error(`emulator added ${added.added} objects`);
        const stores = { big: big.path, empty: empty.path };
        const before = {
          big: await setCursor(big.path, keyring, since),
          empty: await setCursor(empty.path, keyring, since),
        };
        // Alternate which store goes first, so neither always gets the colder emulator.
        const order: ('empty' | 'big')[] = r % 2 === 1 ? ['empty', 'big'] : ['big', 'empty'];
        for (const scenario of order) {
          const m = await runInWorker<FinsyncMeasurement>(
            'sync-worker.ts',
            'finsync',
            {
              dataDir: stores[scenario],
              keyBase64,
              stripeUrl: emulator.info.url,
              connection: CONNECTION,
              createConnection: false,
              streams: [STREAM],
              milestones: [],
            },
            WORKER_TIMEOUT_MS,
          );
          samples.push({ scenario, repeat: r, before: before[scenario], m });
        }
      } finally {
        await emulator.stop();
        empty.remove();
      }
    }
  } finally {
    big.remove();
  }
  report(samples, seeding);
}

function report(samples: readonly Sample[], seeding: { ms: number; bytes: number }): void {
  const peak = (m: FinsyncMeasurement) => m.rssPeakSampled;
  const counts = (m: FinsyncMeasurement) => m.run.streams[STREAM] ?? { fetched: 0, inserted: 0, updated: 0 };
  printTable(
    'Per run (each a fresh worker process; the store was opened before the clock started)',
    [
      'store',
      'rep',
      'records before',
      'fetched',
      'inserted',
      'after',
      'run wall',
      'store open',
      'RSS before',
      'peak in run',
      'growth',
      'process peak',
      'status',
    ],
    samples.map((s) => [
      s.scenario === 'big' ? `${fmtInt(EXISTING)} records` : 'empty',
      String(s.repeat),
      fmtInt(s.before),
      fmtInt(counts(s.m).fetched),
      fmtInt(counts(s.m).inserted),
      fmtInt(s.m.storeCountAfter),
      fmtMs(s.m.wallMs),
      fmtMs(s.m.openMs),
      fmtMb(s.m.rssBefore),
      fmtMb(peak(s.m)),
      fmtMb(s.m.rssPeakSampled - s.m.rssBefore),
      fmtMb(s.m.kernelPeakAfter),
      s.m.run.status,
    ]),
  );
  const of = (scenario: Sample['scenario']) => samples.filter((s) => s.scenario === scenario).map((s) => s.m);
  const emptyWall = median(of('empty').map((m) => m.wallMs));
  const bigWall = median(of('big').map((m) => m.wallMs));
  const ratio = bigWall / emptyWall;
  printTable(
    `Summary (medians of ${REPEATS} repetitions)`,
    ['figure', 'empty store', `${fmtInt(EXISTING)}-record store`, 'ratio', 'goal', 'verdict'],
    [
      [
        'run wall time',
        fmtMs(emptyWall),
        fmtMs(bigWall),
        fmtRatio(ratio),
        `≤ ${GOAL_RATIO}×`,
        verdict(ratio <= GOAL_RATIO),
      ],
      [
        'peak RSS during the run',
        fmtMb(median(of('empty').map(peak))),
        fmtMb(median(of('big').map(peak))),
        fmtRatio(median(of('big').map(peak)) / median(of('empty').map(peak))),
        '',
        '',
      ],
      [
        'store open (createCore)',
        fmtMs(median(of('empty').map((m) => m.openMs))),
        fmtMs(median(of('big').map((m) => m.openMs))),
        '',
        '',
        '',
      ],
    ],
  );
  const mb = (bytes: number) => bytes / 1024 / 1024;
  const size = `${sizeLabel(NEW_OBJECTS)} new into ${sizeLabel(EXISTING)}`;
  const benchmark = 'incremental';
  const bigPeak = median(of('big').map(peak));
  recordFigures([
    {
      benchmark,
      figure: `${size}: run wall, empty store`,
      value: emptyWall,
      unit: 'ms',
      lowerIsBetter: true,
    },
    {
      benchmark,
      figure: `${size}: run wall, ${sizeLabel(EXISTING)}-record store`,
      value: bigWall,
      unit: 'ms',
      lowerIsBetter: true,
    },
    {
      benchmark,
      figure: `${size}: ratio ${sizeLabel(EXISTING)}/empty`,
      value: ratio,
      unit: '×',
      lowerIsBetter: true,
      goal: `≤ ${GOAL_RATIO}×`,
      meets: ratio <= GOAL_RATIO,
    },
    {
      benchmark,
      figure: `${size}: peak RSS, ${sizeLabel(EXISTING)}-record store`,
      value: mb(bigPeak),
      unit: 'MB',
      lowerIsBetter: true,
    },
    {
      benchmark,
      figure: `${size}: store open, ${sizeLabel(EXISTING)}-record store`,
      value: median(of('big').map((m) => m.openMs)),
      unit: 'ms',
      lowerIsBetter: true,
    },
  ]);
  note(`Seeding (not measured above): ${fmtInt(EXISTING)} records through store.applyPage in pages of`);
  note(
    `${fmtInt(SEED_PAGE)} took ${fmtS(seeding.ms)} (${fmtInt(EXISTING / (seeding.ms / 1000))} records/s); ${DATABASE_FILE} is ${fmtMb(seeding.bytes)}.`,
  );
  note('What is measured: engine.run() for the balance_transactions stream of connection `stripe`, whose');
  note('stored cursor is { since: <now> } (as left by a run that just ended); the emulator (own process,');
  note('fresh per repetition, new seed) holds 1,000 objects from 2024 plus 1,000 created now, so the run');
  note('fetches exactly the 1,000 new ones (see "fetched") and inserts them. RSS is the worker process\'s,');
  note('imports and open store included: "RSS before" when the clock started, "peak in run" sampled every');
  note('50 ms during the run, "process peak" the kernel\'s lifetime peak (getrusage; includes start-up).');
}

if (isMain(import.meta.url)) await run();
