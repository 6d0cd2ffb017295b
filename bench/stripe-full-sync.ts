/**
 * Full sync of 100,000 Stripe balance transactions from the emulator into a fresh embedded store through
 * the real SyncEngine (only the `balance_transactions` stream, via `RunRequest.streams`), beside the bare
 * Stripe SDK paging through the same data and storing nothing. Each contender runs in its own fresh
 * worker process (bench/sync-worker.ts); the emulator runs in a third (bench/stripe-emulator-child.ts).
 * Runs alternate bare, finsync, bare, finsync, so both see a warm emulator equally often.
 *
 * Memory milestones sit at 25/50/75/100% of the run: for the bare SDK, of the balance transactions read;
 * for finsync, of the records they normalize to (a balance transaction with a fee is two records, gross and
 * fee), as the emulator counts them (`expectedRecords`), since the engine reports progress in records stored.
 */
import { randomBytes } from 'node:crypto';
import { runInWorker, startChild } from './children.ts';
import {
  emulatorTimer,
  fmtInt,
  fmtMb,
  fmtMs,
  fmtRatio,
  fmtS,
  heading,
  isMain,
  note,
  printTable,
  type Timed,
  tempDir,
  verdict,
} from './common.ts';
import { recordsPerSecond } from './full-load-summary.ts';
import { recordFigures, sized, sizeLabel } from './summary.ts';
import type { FinsyncMeasurement, WorkerMeasurement } from './sync-worker.ts';

const COUNT = Number(process.env.BENCH_FULL_SYNC_COUNT ?? sized(100_000, 20_000));
const REPEATS = Number(process.env.BENCH_FULL_SYNC_REPEATS ?? 2);
const FRACTIONS = [0.25, 0.5, 0.75, 1];
const milestonesOf = (total: number) => FRACTIONS.map((f) => Math.round(total * f));
const WORKER_TIMEOUT_MS = 180_000;
const GOAL_RATIO = 1.5;
const GOAL_RATE = 20_000;
const GOAL_RSS = 300 * 1024 * 1024;
const GOAL_FLAT = 10 * 1024 * 1024;

export async function run(): Promise<void> {
  heading(`stripe-full-sync: ${fmtInt(COUNT)} balance transactions, finsync SyncEngine vs bare Stripe SDK`);
  const startedAt = performance.now();
  const emulator = await startChild<{ url: string; setupMs: number; counts: Record<string, number> }>(
    'stripe-emulator-child.ts',
    [String(COUNT)],
  );
  const emulatorReadyMs = performance.now() - startedAt;
  const expected = await emulator.call<ExpectedRecords>('expectedRecords');
  const keyBase64 = randomBytes(32).toString('base64');
  const timed = emulatorTimer(emulator);
  const bare: Timed<WorkerMeasurement>[] = [];
  const finsync: Timed<FinsyncMeasurement>[] = [];
  let diagnostic: FinsyncMeasurement | undefined;
  const finsyncRun = async (gcAtMilestones: boolean) => {
    const data = tempDir('full-sync');
    try {
      return await runInWorker<FinsyncMeasurement>(
        'sync-worker.ts',
        'finsync',
        {
          dataDir: data.path,
          keyBase64,
          stripeUrl: emulator.info.url,
          connection: 'stripe',
          createConnection: true,
          streams: ['balance_transactions'],
          milestones: milestonesOf(expected.records),
          gcAtMilestones,
        },
        WORKER_TIMEOUT_MS,
      );
    } finally {
      data.remove();
    }
  };
  try {
    for (let r = 0; r < REPEATS; r++) {
      bare.push(
        await timed(() =>
          runInWorker<WorkerMeasurement>(
            'sync-worker.ts',
            'bare',
            { stripeUrl: emulator.info.url, milestones: milestonesOf(COUNT) },
            WORKER_TIMEOUT_MS,
          ),
        ),
      );
      finsync.push(await timed(() => finsyncRun(false)));
    }
    diagnostic = await finsyncRun(true);
  } finally {
    await emulator.stop();
  }
  report(bare, finsync, diagnostic, emulator.info, emulatorReadyMs, expected);
}

interface ExpectedRecords {
  readonly balanceTransactions: number;
  readonly withFee: number;
  readonly records: number;
}

type MilestoneValue = (milestone: WorkerMeasurement['milestones'][number]) => number;

/** Growth between the first and the last milestone (25% → 100% of the records), in bytes. */
function growthOf(m: WorkerMeasurement | undefined, pick: MilestoneValue): number | undefined {
  const first = m?.milestones[0];
  const last = m?.milestones.at(-1);
  return first && last ? pick(last) - pick(first) : undefined;
}

/** Growth between the first and the last milestone (25% → 100% of the records); flat means ≤ 10 MB. */
function growthRow(name: string, m: WorkerMeasurement | undefined, pick: MilestoneValue): string[] {
  const first = m?.milestones[0];
  const last = m?.milestones.at(-1);
  const growth = growthOf(m, pick);
  if (!first || !last || growth === undefined) return [name, 'n/a', '', ''];
  return [
    `${name}, ${fmtInt(first.records)} → ${fmtInt(last.records)}`,
    `${growth < -512 * 1024 ? '−' : '+'}${fmtMb(Math.abs(growth))}`,
    `flat (≤ ${fmtMb(GOAL_FLAT)})`,
    verdict(growth <= GOAL_FLAT),
  ];
}

const mean = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / values.length;

function report(
  bare: readonly Timed<WorkerMeasurement>[],
  finsync: readonly Timed<FinsyncMeasurement>[],
  diagnostic: FinsyncMeasurement | undefined,
  emulatorInfo: { setupMs: number; counts: Record<string, number> },
  emulatorReadyMs: number,
  expected: ExpectedRecords,
): void {
  const runRow = (name: string, t: Timed<WorkerMeasurement>, extra: string[]) => [
    name,
    fmtInt(t.result.records),
    fmtS(t.result.wallMs),
    `${fmtInt(recordsPerSecond(t.result))}/s`,
    fmtMs(t.result.cpuMs),
    fmtMs(t.emulatorCpuMs),
    fmtMb(t.result.rssBefore),
    fmtMb(t.result.rssPeakSampled),
    fmtMb(t.result.rssPeakSampled - t.result.rssBefore),
    fmtMb(t.result.kernelPeakAfter),
    fmtMb(t.result.heapAfterGc),
    ...extra,
  ];
  const finsyncWall = mean(finsync.map((t) => t.result.wallMs));
  const bareWall = mean(bare.map((t) => t.result.wallMs));
  const ratio = finsyncWall / bareWall;
  const finsyncRate = mean(finsync.map((t) => recordsPerSecond(t.result)));
  const finsyncPeak = Math.max(
    ...finsync.map((t) => Math.max(t.result.rssPeakSampled, t.result.kernelPeakAfter)),
  );
  printTable(
    'Per run (each in a fresh worker process). CPU = the worker; emulator CPU = the emulator child for that run',
    [
      'run',
      'records',
      'wall',
      'records/s',
      'CPU',
      'emulator CPU',
      'RSS before',
      'peak in run',
      'growth',
      'process peak',
      'heap after GC',
      'run status',
    ],
    [
      ...bare.map((t, i) => runRow(`bare SDK #${i + 1}`, t, [''])),
      ...finsync.map((t, i) =>
        runRow(`finsync #${i + 1}`, t, [
          `${t.result.run.status}, ${fmtInt(t.result.storeCountAfter)} stored`,
        ]),
      ),
    ],
  );
  printTable(
    'Summary (means over the runs)',
    ['figure', 'value', 'goal', 'verdict'],
    [
      ['bare SDK wall time', fmtS(bareWall), '', ''],
      ['finsync wall time', fmtS(finsyncWall), '', ''],
      ['ratio finsync/bare', fmtRatio(ratio), `≤ ${GOAL_RATIO}×`, verdict(ratio <= GOAL_RATIO)],
      ['finsync records/s', fmtInt(finsyncRate), `≥ ${fmtInt(GOAL_RATE)}`, verdict(finsyncRate >= GOAL_RATE)],
      [
        'finsync peak RSS (worst run)',
        fmtMb(finsyncPeak),
        `≤ ${fmtMb(GOAL_RSS)}`,
        verdict(finsyncPeak <= GOAL_RSS),
      ],
      growthRow('finsync RSS growth, timed run #1', finsync[0]?.result, (m) => m.rss),
      growthRow('finsync live heap growth (forced GC)', diagnostic, (m) => m.heapUsed),
    ],
  );
  const first = finsync[0]?.result;
  if (first) {
    printTable(
      'finsync RSS as records arrive (timed run #1)',
      ['records stored', 'elapsed', 'RSS', 'V8 heap used'],
      [
        ['0 (before run)', '0 ms', fmtMb(first.rssBefore), ''],
        ...first.milestones.map((m) => [fmtInt(m.records), fmtS(m.ms), fmtMb(m.rss), fmtMb(m.heapUsed)]),
      ],
    );
    if (diagnostic) {
      printTable(
        'finsync live memory: extra run with a full GC forced before each sample (not timed); flat = no growth',
        ['records stored', 'RSS', 'V8 heap used'],
        [
          ['0 (before run)', fmtMb(diagnostic.rssBefore), ''],
          ...diagnostic.milestones.map((m) => [fmtInt(m.records), fmtMb(m.rss), fmtMb(m.heapUsed)]),
          ['after run + GC', fmtMb(diagnostic.rssAfterGc), fmtMb(diagnostic.heapAfterGc)],
        ],
      );
    }
    const b = bare[0]?.result;
    if (b) {
      printTable(
        'bare SDK RSS as records arrive (run #1), for comparison',
        ['records read', 'elapsed', 'RSS', 'V8 heap used'],
        [
          ['0 (before run)', '0 ms', fmtMb(b.rssBefore), ''],
          ...b.milestones.map((m) => [fmtInt(m.records), fmtS(m.ms), fmtMb(m.rss), fmtMb(m.heapUsed)]),
        ],
      );
    }
  }
  note(
    `The emulator (${fmtInt(emulatorInfo.counts.balance_transactions ?? 0)} balance transactions, ${fmtInt(emulatorInfo.counts.customers ?? 0)} customers,`,
  );
  note(
    `generated in ${fmtMs(emulatorInfo.setupMs)}; ready after ${fmtS(emulatorReadyMs)}) runs in its own process, so its`,
  );
  note('CPU and memory are not in the figures above; its CPU per run is shown to tell whether a run was');
  note('bound by the emulator. Wall time = engine.run() (finsync) or the for-await loop (bare), from first');
  note('request to last record; store open and process start-up are excluded (finsync open time below).');
  note(`finsync store open (createCore): ${finsync.map((t) => fmtMs(t.result.openMs)).join(', ')}.`);
  note(
    '"peak in run": RSS sampled every 50 ms and at milestones; "process peak": the kernel\'s lifetime peak',
  );
  note('of the worker (getrusage, start-up included). The goal is judged on the larger of the two.');
  note(
    `Milestones: 25/50/75/100% of the ${fmtInt(expected.records)} records finsync stores (${fmtInt(expected.balanceTransactions)} balance transactions,`,
  );
  note(
    `${fmtInt(expected.withFee)} of them with a fee, stored as a second record); for the bare SDK, of the transactions read.`,
  );
  recordSummary(bareWall, finsyncWall, ratio, finsyncRate, finsyncPeak, finsync[0]?.result, diagnostic);
}

function recordSummary(
  bareWall: number,
  finsyncWall: number,
  ratio: number,
  finsyncRate: number,
  finsyncPeak: number,
  timed: WorkerMeasurement | undefined,
  diagnostic: WorkerMeasurement | undefined,
): void {
  const size = `${sizeLabel(COUNT)} txns`;
  const mb = (bytes: number) => bytes / 1024 / 1024;
  const benchmark = 'full-sync';
  const growth = (name: string, m: WorkerMeasurement | undefined, pick: MilestoneValue) => {
    const bytes = growthOf(m, pick);
    return bytes === undefined
      ? []
      : [
          {
            benchmark,
            figure: `${size}: ${name}, 25% → 100%`,
            value: mb(bytes),
            unit: 'MB',
            lowerIsBetter: true,
            goal: `flat (≤ ${fmtMb(GOAL_FLAT)})`,
            meets: bytes <= GOAL_FLAT,
            tolerance: mb(GOAL_FLAT) / 2,
          },
        ];
  };
  recordFigures([
    {
      benchmark,
      figure: `${size}: bare SDK wall time`,
      value: bareWall / 1000,
      unit: 's',
      lowerIsBetter: true,
    },
    {
      benchmark,
      figure: `${size}: finsync wall time`,
      value: finsyncWall / 1000,
      unit: 's',
      lowerIsBetter: true,
    },
    {
      benchmark,
      figure: `${size}: ratio finsync/bare`,
      value: ratio,
      unit: '×',
      lowerIsBetter: true,
      goal: `≤ ${GOAL_RATIO}×`,
      meets: ratio <= GOAL_RATIO,
    },
    {
      benchmark,
      figure: `${size}: finsync records/s`,
      value: finsyncRate,
      unit: 'records/s',
      lowerIsBetter: false,
      goal: `≥ ${fmtInt(GOAL_RATE)}`,
      meets: finsyncRate >= GOAL_RATE,
    },
    {
      benchmark,
      figure: `${size}: finsync peak RSS (worst run)`,
      value: mb(finsyncPeak),
      unit: 'MB',
      lowerIsBetter: true,
      goal: `≤ ${fmtMb(GOAL_RSS)}`,
      meets: finsyncPeak <= GOAL_RSS,
    },
    ...growth('finsync RSS growth (timed run #1)', timed, (m) => m.rss),
    ...growth('finsync live heap growth (forced GC)', diagnostic, (m) => m.heapUsed),
  ]);
}

if (isMain(import.meta.url)) await run();
