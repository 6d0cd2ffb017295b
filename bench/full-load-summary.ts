/**
 * The summary a provider's full-load benchmark prints and records (QuickBooks, PayPal, Sage): finsync's
 * engine beside a bare client paging the same emulator, as medians of the runs, with full-sync's goals
 * (≤ 1.5× bare, ≥ 20,000 records/s, peak RSS ≤ 300 MB) and "every record stored". One place, so the
 * figures' names, units and verdicts stay the same across benchmarks and across runs (bench/results).
 */
import {
  fmtInt,
  fmtMb,
  fmtMs,
  fmtRatio,
  fmtS,
  median,
  printTable,
  type Timed,
  tempDir,
  verdict,
  type WorkerMeasurement,
} from './common.ts';
import { recordFigures } from './summary.ts';

export const FULL_LOAD_GOALS = { ratio: 1.5, rate: 20_000, rssBytes: 300 * 1024 * 1024 } as const;

/** What a finsync worker reports beyond the timing: how its run ended and what the store holds after it. */
export interface FinsyncOutcome extends WorkerMeasurement {
  readonly run: { readonly status: string };
  readonly storeCountAfter: number;
}

export interface FullLoadSpec {
  readonly benchmark: string;
  /** The size in figure names: `10k payments`. */
  readonly size: string;
  /** The summary table's title. */
  readonly title: string;
  /** The bare contender in the table (`bare fetch loop`) and in the recorded figure's name (`bare fetch`). */
  readonly bareRow: string;
  readonly bareFigure: string;
  /** `every payment stored, run succeeded`. */
  readonly completeLabel: string;
  /** Records the store must hold after each finsync run. */
  readonly expected: number;
  /** Rows shown after finsync's records/s (not recorded): e.g. PayPal's rows/s. */
  readonly extraRows?: (finsyncWallMs: number) => readonly (readonly string[])[];
}

export interface FullLoadFigures {
  readonly bareWallMs: number;
  readonly finsyncWallMs: number;
  readonly ratio: number;
  readonly finsyncRate: number;
  readonly finsyncPeak: number;
  readonly complete: boolean;
}

export const recordsPerSecond = (m: WorkerMeasurement): number => m.records / (m.wallMs / 1000);

/**
 * Runs the contenders `repeats` times, alternating bare then finsync, so both see a warm emulator equally often.
 * Each finsync run gets a fresh data folder (named after `benchmark`), removed after it.
 */
export async function alternateRuns<F extends FinsyncOutcome>(
  benchmark: string,
  repeats: number,
  bareRun: () => Promise<Timed<WorkerMeasurement>>,
  finsyncRun: (dataDir: string) => Promise<Timed<F>>,
): Promise<{ bare: Timed<WorkerMeasurement>[]; finsync: Timed<F>[] }> {
  const bare: Timed<WorkerMeasurement>[] = [];
  const finsync: Timed<F>[] = [];
  for (let r = 0; r < repeats; r++) {
    bare.push(await bareRun());
    const data = tempDir(benchmark);
    try {
      finsync.push(await finsyncRun(data.path));
    } finally {
      data.remove();
    }
  }
  return { bare, finsync };
}

/** The per-run table of a full-load benchmark: each contender's runs, every one in a fresh worker process. */
export function printFullLoadRuns(
  bare: readonly Timed<WorkerMeasurement>[],
  finsync: readonly Timed<FinsyncOutcome>[],
  labels: { readonly bare: string; readonly finsync: string },
): void {
  const row = (name: string, t: Timed<WorkerMeasurement>, status: string) => [
    name,
    fmtInt(t.result.records),
    fmtS(t.result.wallMs),
    `${fmtInt(recordsPerSecond(t.result))}/s`,
    fmtMs(t.result.cpuMs),
    fmtMs(t.emulatorCpuMs),
    fmtInt(t.emulatorRequests),
    fmtMb(t.result.rssBefore),
    fmtMb(t.result.rssPeakSampled),
    fmtMb(t.result.kernelPeakAfter),
    fmtMb(t.result.heapAfterGc),
    status,
  ];
  printTable(
    'Per run (each in a fresh worker process). CPU = the worker; emulator CPU and requests = the emulator child for that run',
    [
      'run',
      'records',
      'wall',
      'records/s',
      'CPU',
      'emulator CPU',
      'requests',
      'RSS before',
      'peak in run',
      'process peak',
      'heap after GC',
      'run status',
    ],
    [
      ...bare.map((t, i) => row(`${labels.bare} #${i + 1}`, t, '')),
      ...finsync.map((t, i) =>
        row(
          `${labels.finsync} #${i + 1}`,
          t,
          `${t.result.run.status}, ${fmtInt(t.result.storeCountAfter)} stored`,
        ),
      ),
    ],
  );
}

/** Prints the summary table, records its figures for the run's table, and prints finsync's RSS milestones. */
export function summarizeFullLoad(
  spec: FullLoadSpec,
  bare: readonly Timed<WorkerMeasurement>[],
  finsync: readonly Timed<FinsyncOutcome>[],
): FullLoadFigures {
  const { ratio: goalRatio, rate: goalRate, rssBytes: goalRss } = FULL_LOAD_GOALS;
  const finsyncWallMs = median(finsync.map((t) => t.result.wallMs));
  const bareWallMs = median(bare.map((t) => t.result.wallMs));
  const ratio = finsyncWallMs / bareWallMs;
  const finsyncRate = median(finsync.map((t) => recordsPerSecond(t.result)));
  const finsyncPeak = Math.max(
    ...finsync.map((t) => Math.max(t.result.rssPeakSampled, t.result.kernelPeakAfter)),
  );
  const complete = finsync.every(
    (t) => t.result.run.status === 'success' && t.result.storeCountAfter === spec.expected,
  );
  printTable(
    spec.title,
    ['figure', 'value', 'goal', 'verdict'],
    [
      [`${spec.bareRow} wall time`, fmtS(bareWallMs), '', ''],
      ['finsync wall time', fmtS(finsyncWallMs), '', ''],
      ['finsync records/s', fmtInt(finsyncRate), `≥ ${fmtInt(goalRate)}`, verdict(finsyncRate >= goalRate)],
      ...(spec.extraRows?.(finsyncWallMs) ?? []).map((row) => [...row]),
      ['ratio finsync/bare', fmtRatio(ratio), `≤ ${goalRatio}×`, verdict(ratio <= goalRatio)],
      [
        'finsync peak RSS (worst run)',
        fmtMb(finsyncPeak),
        `≤ ${fmtMb(goalRss)}`,
        verdict(finsyncPeak <= goalRss),
      ],
      [spec.completeLabel, complete ? 'yes' : 'no', `${fmtInt(spec.expected)} stored`, verdict(complete)],
    ],
  );
  const { benchmark, size } = spec;
  recordFigures([
    {
      benchmark,
      figure: `${size}: ${spec.bareFigure} wall time`,
      value: bareWallMs / 1000,
      unit: 's',
      lowerIsBetter: true,
    },
    {
      benchmark,
      figure: `${size}: finsync wall time`,
      value: finsyncWallMs / 1000,
      unit: 's',
      lowerIsBetter: true,
    },
    {
      benchmark,
      figure: `${size}: finsync records/s`,
      value: finsyncRate,
      unit: 'records/s',
      lowerIsBetter: false,
      goal: `≥ ${fmtInt(goalRate)}`,
      meets: finsyncRate >= goalRate,
    },
    {
      benchmark,
      figure: `${size}: ratio finsync/bare`,
      value: ratio,
      unit: '×',
      lowerIsBetter: true,
      goal: `≤ ${goalRatio}×`,
      meets: ratio <= goalRatio,
    },
    {
      benchmark,
      figure: `${size}: finsync peak RSS (worst run)`,
      value: finsyncPeak / 1024 / 1024,
      unit: 'MB',
      lowerIsBetter: true,
      goal: `≤ ${fmtMb(goalRss)}`,
      meets: finsyncPeak <= goalRss,
    },
    {
      benchmark,
      figure: `${size}: ${spec.completeLabel}`,
      value: complete ? 1 : 0,
      unit: 'yes/no',
      lowerIsBetter: false,
      goal: 'yes',
      meets: complete,
    },
  ]);
  const first = finsync[0]?.result;
  if (first) {
    printTable(
      'finsync RSS as records arrive (run #1)',
      ['records stored', 'elapsed', 'RSS', 'V8 heap used'],
      [
        ['0 (before run)', '0 ms', fmtMb(first.rssBefore), ''],
        ...first.milestones.map((m) => [fmtInt(m.records), fmtS(m.ms), fmtMb(m.rss), fmtMb(m.heapUsed)]),
      ],
    );
  }
  return { bareWallMs, finsyncWallMs, ratio, finsyncRate, finsyncPeak, complete };
}
