/**
 * Daily digest over 1,000,000 stored records and 200 connections (issue 5, "Measured"): time and peak RSS
 * of computing the digest on the embedded store. Goal: ≤ 1 s and ≤ 300 MB.
 *
 * Set-up (not measured, reported apart): a store with 200 connections (hourly, daily, every 15 minutes and
 * manual schedules; 10 failing, some stale), 1,000,000 records (5,000 per connection) written through
 * `store.applyPage` — half of them money movements, half the same money seen through a second stream, as
 * Stripe's charges and balance transactions are — in USD, EUR, GBP, JPY and KWD, and hourly runs of every
 * connection through `store.startRun/updateRun`. Two connections in five are Plaid or QuickBooks ones whose
 * movements carry a calendar date only (stored at 00:00 UTC of the date, counted on that date in the team's
 * zone; `BENCH_DIGEST_DATED=0` makes every connection Stripe). Two spreads of the records: over 30 days (the
 * digest day holds 1/30 of them) and all in the digest day (the worst case for the money query: its instants
 * then hold the next date's calendar dates too, which the query must skip).
 *
 * Measured, in a fresh child process that has opened the store (open time shown apart): the status report
 * (as the service builds it), `computeDigest` and `digestMessage`, the first call after open and the median
 * of the repeats. RSS is the child's: sampled during the calls, and the kernel's lifetime peak (getrusage).
 * The totals, per connection and currency (the digest never adds systems together), are checked against sums
 * kept while seeding.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { computeDigest, type Digest } from '../src/digest/compute.ts';
import { digestMessage } from '../src/messages/digest.ts';
import type { LedgerRecord } from '../src/records.ts';
import { nextRunAfter, parseSchedule } from '../src/scheduler/schedule-spec.ts';
import { Keyring } from '../src/security/crypto.ts';
import { statusReport } from '../src/services/status.ts';
import { DATABASE_FILE } from '../src/store/embedded/embedded-store.ts';
import { openStore } from '../src/store/open-store.ts';
import type { Connection, Store } from '../src/store/types.ts';
import { serveParent, startChild } from './children.ts';
import {
  fmtInt,
  fmtMb,
  fmtMs,
  fmtS,
  heading,
  isMain,
  kernelPeakRss,
  median,
  note,
  printTable,
  RssSampler,
  tempDir,
  verdict,
} from './common.ts';
import { recordFigures, type SummaryFigure, sized, sizeLabel } from './summary.ts';

const RECORDS = Number(process.env.BENCH_DIGEST_RECORDS ?? sized(1_000_000, 100_000));
const CONNECTIONS = 200;
/** Days of hourly runs seeded; --quick keeps 3 (the digest reads the day, the day before and 30-hour streaks). */
const RUN_DAYS = Number(process.env.BENCH_DIGEST_RUN_DAYS ?? sized(14, 3));
const SPREADS = (process.env.BENCH_DIGEST_SPREADS ?? '30,1').split(',').map(Number);
const REPEATS = Number(process.env.BENCH_DIGEST_REPEATS ?? 5);
const TIMEZONE = 'America/New_York';
/** The digest covers Monday 2026-06-15 in New York: 04:00 UTC to 04:00 UTC the next day. */
const NOW = Date.parse('2026-06-16T12:00:00Z');
const DAY_START = Date.parse('2026-06-15T04:00:00Z');
const DAY_END = Date.parse('2026-06-16T04:00:00Z');
const DAY_MS = 86_400_000;
/** The digest day's date: calendar-date records count when they carry it. */
const DAY_DATE = '2026-06-15';
const DATED = process.env.BENCH_DIGEST_DATED !== '0';
const CURRENCIES = ['USD', 'USD', 'EUR', 'GBP', 'JPY', 'KWD'] as const;
const GOAL_MS = 1_000;
const GOAL_RSS = 300 * 1024 * 1024;

const nameOf = (c: number) => `conn-${String(c).padStart(3, '0')}`;
/** Plaid and QuickBooks send dates (no time) for their money; Stripe sends instants. */
const providerOf = (c: number) =>
  !DATED ? 'stripe' : ['stripe', 'plaid', 'stripe', 'quickbooks', 'stripe'][c % 5]!;
const scheduleOf = (c: number) =>
  c >= 190 ? null : ['hourly', 'daily 02:00', 'every 15 minutes', 'hourly'][c % 4]!;

// ------------------------------------------------------------------------------------------- worker side

interface MoneyRow {
  readonly connection: string;
  readonly currency: string;
  readonly moneyIn: string;
  readonly moneyOut: string;
  readonly movements: number;
}

const PROVIDER_NAMES: Readonly<Record<string, string>> = {
  stripe: 'Stripe',
  plaid: 'Plaid',
  quickbooks: 'QuickBooks',
};

interface Measurement {
  readonly openMs: number;
  readonly calls: readonly { status: number; compute: number; render: number; total: number }[];
  readonly rssBefore: number;
  readonly rssPeakSampled: number;
  readonly kernelPeak: number;
  readonly blocks: number;
  readonly money: readonly MoneyRow[];
  readonly verdict: string;
  readonly synced: Digest['synced'];
}

async function measure(request: Record<string, unknown>): Promise<Measurement> {
  const openStart = performance.now();
  const store = await openStore({ dataDir: String(request['dataDir']), mongodbUri: undefined });
  const openMs = performance.now() - openStart;
  const now = new Date(NOW);
  // What Agenda would hold as each job's next run.
  const nextRuns = async () => {
    const out = new Map<string, Date>();
    for (const c of await store.listConnections()) {
      const parsed = c.schedule ? parseSchedule(c.schedule) : null;
      if (parsed?.ok && parsed.spec.kind !== 'off') out.set(c.name, nextRunAfter(parsed.spec, TIMEZONE, now));
    }
    return out;
  };
  global.gc?.();
  const sampler = new RssSampler().start(5);
  const calls: { status: number; compute: number; render: number; total: number }[] = [];
  let digest: Digest | undefined;
  let blocks = 0;
  for (let i = 0; i < REPEATS; i++) {
    const t0 = performance.now();
    const status = await statusReport({
      store,
      providerName: (p) => PROVIDER_NAMES[p] ?? p,
      nextRuns,
      now: () => now,
    });
    const t1 = performance.now();
    digest = await computeDigest({ store, status, timezone: TIMEZONE, now });
    const t2 = performance.now();
    blocks = digestMessage(digest).blocks.length;
    const t3 = performance.now();
    calls.push({ status: t1 - t0, compute: t2 - t1, render: t3 - t2, total: t3 - t0 });
    sampler.sample();
  }
  sampler.stop();
  await store.close();
  return {
    openMs,
    calls,
    rssBefore: sampler.baseline,
    rssPeakSampled: sampler.peak,
    kernelPeak: kernelPeakRss(),
    blocks,
    money: (digest?.money ?? []).map((m) => ({
      connection: m.connection,
      currency: m.currency,
      moneyIn: String(m.moneyIn),
      moneyOut: String(m.moneyOut),
      movements: m.movements,
    })),
    verdict: digest?.verdict ?? '',
    synced: digest?.synced ?? { day: null, dayBefore: null },
  };
}

// ------------------------------------------------------------------------------------------- parent side

interface Seeded {
  readonly ms: number;
  readonly runs: number;
  readonly bytes: number;
  /** Per connection and currency: `${connection} ${currency}`. */
  readonly expected: Map<string, { moneyIn: bigint; moneyOut: bigint; movements: number }>;
  /** Movements of the digest day that carry a calendar date (Plaid, QuickBooks). */
  readonly datedInDay: number;
}

async function seed(dataDir: string, spreadDays: number): Promise<Seeded> {
  const keyring = new Keyring(Buffer.alloc(32, 7));
  const started = performance.now();
  const store = await openStore({ dataDir: dataDir, mongodbUri: undefined });
  const expected: Seeded['expected'] = new Map();
  const windowStart = DAY_END - spreadDays * DAY_MS;
  const perConnection = Math.ceil(RECORDS / CONNECTIONS);
  let runs = 0;
  let datedInDay = 0;
  for (let c = 0; c < CONNECTIONS; c++) {
    const name = nameOf(c);
    const connection: Connection = {
      name,
      provider: providerOf(c),
      accountLabel: `Bench account ${c}`,
      accountId: null,
      credentials: keyring.seal('{"api_key":"sk_test_bench"}', `connection:${name}`),
      state: 'active',
      stateReason: null,
      schedule: scheduleOf(c),
      createdAt: '2026-01-01T00:00:00.000Z',
      createdBy: `UBENCH${c}`,
    };
    await store.createConnection(connection);
    const records: LedgerRecord[] = [];
    for (let k = 0; k < perConnection && c * perConnection + k < RECORDS; k++) {
      const i = c * perConnection + k;
      // Pairs: the balance transaction (a movement) and the charge that shows the same money.
      const pair = k >> 1;
      const at = windowStart + Math.floor(((pair * CONNECTIONS + c) / (RECORDS / 2)) * spreadDays * DAY_MS);
      const currency = CURRENCIES[(pair + c) % CURRENCIES.length]!;
      const magnitude = ((pair * 7919 + c * 104_729) % 2_500_000) + 1;
      const amount = Math.floor((pair + c) / CURRENCIES.length) % 3 === 0 ? -magnitude : magnitude;
      const movement = k % 2 === 0;
      const stream = movement ? 'balance_transactions' : 'charges';
      const provider = providerOf(c);
      // A dated movement: the UTC calendar date of `at`, at 00:00 UTC (as the Plaid and QuickBooks normalizers
      // store a date).
      const date = movement && provider !== 'stripe' ? new Date(at).toISOString().slice(0, 10) : null;
      records.push({
        id: `${provider}:${stream}:obj_${i}`,
        connection: name,
        provider,
        stream,
        kind: amount > 0 ? 'charge' : 'payout',
        amount,
        currency,
        occurredAt: date === null ? new Date(at).toISOString() : `${date}T00:00:00.000Z`,
        description: `Order #${i}`,
        counterparty: i % 4 === 0 ? null : `cus_${i % 5000}`,
        status: 'available',
        moneyMovement: movement,
        raw: { type: movement ? 'balance_transaction' : 'charge', id: `obj_${i}` },
      });
      if (movement && (date === null ? at >= DAY_START && at < DAY_END : date === DAY_DATE)) {
        const key = `${name} ${currency}`;
        const entry = expected.get(key) ?? { moneyIn: 0n, moneyOut: 0n, movements: 0 };
        if (amount > 0) entry.moneyIn += BigInt(amount);
        else entry.moneyOut += BigInt(-amount);
        entry.movements++;
        expected.set(key, entry);
        if (date !== null) datedInDay++;
      }
    }
    for (const stream of ['balance_transactions', 'charges']) {
      const page = records.filter((r) => r.stream === stream);
      await store.applyPage({ connection: name, stream, records: page, removedIds: [], cursor: undefined });
    }
    runs += await seedRuns(store, c);
  }
  await store.close();
  return {
    ms: performance.now() - started,
    runs,
    expected,
    datedInDay,
    bytes: statSync(join(dataDir, DATABASE_FILE)).size,
  };
}

/** Hourly runs (daily for manual ones) for RUN_DAYS up to `now`; connections 0–9 fail for the last 30 hours. */
async function seedRuns(store: Store, c: number): Promise<number> {
  const name = nameOf(c);
  const step = scheduleOf(c) === null ? 24 : 1;
  // Manual connections' last success is 2 days old: stale.
  const last = c >= 190 ? NOW - 2 * DAY_MS : NOW - 600_000;
  let runs = 0;
  for (let h = RUN_DAYS * 24 - 1; h >= 0; h -= step) {
    const startedAt = last - h * 3_600_000;
    const failed = c < 10 && h < 30;
    const id = `${name}-run-${h}`;
    await store.startRun({
      id,
      connection: name,
      trigger: 'schedule',
      triggeredBy: null,
      startedAt: new Date(startedAt).toISOString(),
      endedAt: null,
      status: 'running',
      streams: {},
      errorClass: null,
      errorMessage: null,
      skipped: [],
    });
    await store.updateRun(id, {
      endedAt: new Date(startedAt + 45_000).toISOString(),
      status: failed ? 'failed' : 'success',
      streams: {
        balance_transactions: { fetched: 60, inserted: 50 + (h % 7), updated: h % 3, deleted: 0, skipped: 0 },
      },
      errorClass: failed ? 'transient' : null,
      errorMessage: failed ? 'HTTP 503 from the provider' : null,
    });
    runs++;
  }
  return runs;
}

interface Result {
  readonly spreadDays: number;
  readonly seeded: Seeded;
  readonly m: Measurement;
}

export async function run(): Promise<void> {
  heading(
    `digest: ${fmtInt(RECORDS)} records, ${CONNECTIONS} connections, embedded store (goal ≤ ${fmtMs(GOAL_MS)}, ≤ ${fmtMb(GOAL_RSS)})`,
  );
  const results: Result[] = [];
  for (const spreadDays of SPREADS) {
    const dir = tempDir(`digest-${spreadDays}d`);
    try {
      const seeded = await seed(dir.path, spreadDays);
      const worker = await startChild<{ ready: true }>('digest.ts', ['--worker'], { profile: true });
      try {
        const m = await worker.call<Measurement>('measure', { dataDir: dir.path }, 300_000);
        results.push({ spreadDays, seeded, m });
      } finally {
        await worker.stop();
      }
    } finally {
      dir.remove();
    }
  }
  report(results);
}

function report(results: readonly Result[]): void {
  const spread = (r: Result) => (r.spreadDays === 1 ? 'all in the digest day' : `over ${r.spreadDays} days`);
  printTable(
    'Per spread (each measured in a fresh child process that had opened the store)',
    [
      'records',
      'movements in day',
      'systems × currencies',
      'runs stored',
      'store open',
      'first digest',
      `median of ${REPEATS}`,
      'of which compute',
      'status',
      'render',
      'RSS before',
      'peak RSS',
      'process peak',
      'blocks',
    ],
    results.map((r) => {
      const rest = r.m.calls.length > 1 ? r.m.calls.slice(1) : r.m.calls;
      return [
        spread(r),
        fmtInt(r.m.money.reduce((sum, m) => sum + m.movements, 0)),
        fmtInt(r.m.money.length),
        fmtInt(r.seeded.runs),
        fmtMs(r.m.openMs),
        fmtMs(r.m.calls[0]?.total ?? Number.NaN),
        fmtMs(median(rest.map((c) => c.total))),
        fmtMs(median(rest.map((c) => c.compute))),
        fmtMs(median(rest.map((c) => c.status))),
        fmtMs(median(rest.map((c) => c.render))),
        fmtMb(r.m.rssBefore),
        fmtMb(r.m.rssPeakSampled),
        fmtMb(r.m.kernelPeak),
        String(r.m.blocks),
      ];
    }),
  );
  printTable(
    'Summary (the first digest after open is the one a morning send pays)',
    ['spread', 'figure', 'measured', 'goal', 'verdict'],
    results.flatMap((r) => {
      const worst = Math.max(...r.m.calls.map((c) => c.total));
      return [
        [
          spread(r),
          'digest time (slowest call)',
          fmtMs(worst),
          `≤ ${fmtMs(GOAL_MS)}`,
          verdict(worst <= GOAL_MS),
        ],
        [
          spread(r),
          'peak RSS (process lifetime)',
          fmtMb(r.m.kernelPeak),
          `≤ ${fmtMb(GOAL_RSS)}`,
          verdict(r.m.kernelPeak <= GOAL_RSS),
        ],
        [
          spread(r),
          'per-system totals = sums kept while seeding',
          reconciled(r) ? 'yes' : 'NO',
          'yes',
          verdict(reconciled(r)),
        ],
      ];
    }),
  );
  recordFigures(
    results.flatMap((r): SummaryFigure[] => {
      const where = r.spreadDays === 1 ? 'all in the day' : `over ${r.spreadDays} d`;
      const size = `${sizeLabel(RECORDS)} records ${where}, ${RUN_DAYS} d of runs`;
      const worst = Math.max(...r.m.calls.map((c) => c.total));
      const ok = reconciled(r);
      return [
        {
          benchmark: 'digest',
          figure: `${size}: slowest digest call`,
          value: worst,
          unit: 'ms',
          lowerIsBetter: true,
          goal: `≤ ${fmtMs(GOAL_MS)}`,
          meets: worst <= GOAL_MS,
        },
        {
          benchmark: 'digest',
          figure: `${size}: peak RSS (process lifetime)`,
          value: r.m.kernelPeak / 1024 / 1024,
          unit: 'MB',
          lowerIsBetter: true,
          goal: `≤ ${fmtMb(GOAL_RSS)}`,
          meets: r.m.kernelPeak <= GOAL_RSS,
        },
        {
          benchmark: 'digest',
          figure: `${size}: totals = sums kept while seeding`,
          value: ok ? 1 : 0,
          unit: 'yes/no',
          lowerIsBetter: false,
          goal: 'yes',
          meets: ok,
        },
      ];
    }),
  );
  for (const r of results) {
    note(
      `${spread(r)}: seeding took ${fmtS(r.seeded.ms)} (${fmtInt(RECORDS)} records through applyPage, ${fmtInt(r.seeded.runs)} runs through startRun/updateRun); ${DATABASE_FILE} is ${fmtMb(r.seeded.bytes)}.`,
    );
    note(
      `  ${fmtInt(r.seeded.datedInDay)} of the day's movements carry a calendar date; verdict "${r.m.verdict}"; records synced ${JSON.stringify(r.m.synced)}`,
    );
  }
  note('What is timed: statusReport (as the service builds it, next runs from the schedules), computeDigest');
  note(
    '(money per connection and currency by SQL aggregate over records_money_by_time_provider, records synced from the runs',
  );
  note('index, failure streaks, stale');
  note(
    'rules) and digestMessage, for Monday 2026-06-15 in America/New_York. "peak RSS" is sampled every 5 ms during',
  );
  note(
    'the calls; "process peak" is the kernel\'s lifetime peak of the child (getrusage: start-up and open included).',
  );
}

function reconciled(r: Result): boolean {
  // Connection names (`conn-000`) and currency codes hold no space: "conn-000 USD" sorts as the digest does.
  const expected = [...r.seeded.expected.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([key, e]) => ({
      connection: key.split(' ')[0],
      currency: key.split(' ')[1],
      moneyIn: String(e.moneyIn),
      moneyOut: String(e.moneyOut),
      movements: e.movements,
    }));
  return JSON.stringify(expected) === JSON.stringify(r.m.money);
}

if (process.argv.includes('--worker')) {
  serveParent({ measure });
  console.log(JSON.stringify({ ready: true }));
} else if (isMain(import.meta.url)) {
  await run();
}
