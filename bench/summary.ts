/**
 * The figures every benchmark reports for the one summary table `npm run bench` prints at the end (and
 * writes to bench/results/latest.json, so the next run can say which figure worsened). A benchmark calls
 * `recordFigures` with its headline figures; run.ts collects them through the file named by
 * BENCH_SUMMARY_FILE (one JSON line per figure). Outside run.ts (a benchmark run on its own) nothing is
 * written.
 */
import { appendFileSync } from 'node:fs';

export interface SummaryFigure {
  /** The benchmark's name in run.ts (`ack`, `full-sync`, …). */
  readonly benchmark: string;
  /** What was measured, in words ("ack p99, generator in a child process"). */
  readonly figure: string;
  readonly value: number;
  /** `ms`, `×`, `records/s`, `MB`… */
  readonly unit: string;
  /** Whether a smaller value is better (latency, ratio, memory) or a larger one (throughput). */
  readonly lowerIsBetter: boolean;
  /** The goal in words (`≤ 1.5×`), when the benchmark has one. */
  readonly goal?: string;
  readonly meets?: boolean;
}

/** `--quick` (set by run.ts): reduced sizes so that every benchmark together runs in under three minutes. */
export const QUICK = process.env['BENCH_QUICK'] === '1';

/** Picks the full or the quick size of a knob. */
export const sized = <T>(full: T, quick: T): T => (QUICK ? quick : full);

export function recordFigures(figures: readonly SummaryFigure[]): void {
  const file = process.env['BENCH_SUMMARY_FILE'];
  if (!file) return;
  appendFileSync(file, figures.map((f) => `${JSON.stringify(f)}\n`).join(''));
}
