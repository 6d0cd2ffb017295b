/**
 * Small helpers shared by the benchmarks: statistics, tables, RSS sampling, temporary folders and a
 * logger that discards its lines. Nothing here asserts: benchmarks measure and print, and exit 0.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { createLogger, type Logger } from '../src/log.ts';

export interface Summary {
  readonly n: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export function summarize(values: readonly number[]): Summary {
  const sorted = [...values].sort((a, b) => a - b);
  const mean = sorted.reduce((sum, v) => sum + v, 0) / Math.max(1, sorted.length);
  return {
    n: sorted.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? Number.NaN,
    mean,
  };
}

export const median = (values: readonly number[]): number =>
  percentile(
    [...values].sort((a, b) => a - b),
    50,
  );

export const fmtMs = (ms: number): string =>
  Number.isFinite(ms) ? `${ms.toFixed(ms < 10 ? 2 : 1)} ms` : 'n/a';
export const fmtS = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
export const fmtMb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
export const fmtInt = (n: number): string => Math.round(n).toLocaleString('en-US');
export const fmtRatio = (r: number): string => (Number.isFinite(r) ? `${r.toFixed(2)}×` : 'n/a');
export const verdict = (ok: boolean): string => (ok ? 'meets' : 'MISSES');

/** Prints a titled, column-aligned table (first column left-aligned, the others right-aligned). */
export function printTable(
  title: string,
  header: readonly string[],
  rows: readonly (readonly string[])[],
): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
  console.log(`\n${title}`);
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) console.log(line(row));
}

export function note(text: string): void {
  console.log(`  ${text}`);
}

/** Samples this process's RSS on a timer; `maxRss` is the kernel's own peak (getrusage), which no sampling can miss. */
export class RssSampler {
  private timer: NodeJS.Timeout | undefined;
  readonly baseline = process.memoryUsage().rss;
  peak = this.baseline;
  samples = 0;

  start(intervalMs = 50): this {
    this.timer = setInterval(() => this.sample(), intervalMs);
    return this;
  }

  sample(): number {
    const rss = process.memoryUsage().rss;
    this.samples++;
    if (rss > this.peak) this.peak = rss;
    return rss;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.sample();
  }
}

/** Peak RSS of this process since it started, in bytes (getrusage maxrss). */
export function kernelPeakRss(): number {
  return process.resourceUsage().maxRSS * 1024;
}

export function tempDir(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), `finsync-bench-${prefix}-`));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** A finsync logger whose lines go nowhere (production formatting cost, no terminal noise). */
export function discardLogger(level = 'info'): Logger {
  return createLogger({ level, stream: discardStream() });
}

export function discardStream(): Writable {
  return new Writable({
    write(_chunk, _encoding, callback) {
      callback();
    },
  });
}

/** True when the module at `moduleUrl` is the script node was started with. */
export function isMain(moduleUrl: string): boolean {
  const script = process.argv[1];
  return script !== undefined && moduleUrl === pathToFileURL(script).href;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function heading(text: string): void {
  console.log(`\n=== ${text} ${'='.repeat(Math.max(0, 100 - text.length))}`);
}

/** RSS and heap after a forced full GC (node --expose-gc): what stays once garbage is gone. */
export function afterGc(): { rssAfterGc: number; heapAfterGc: number } {
  global.gc?.();
  const memory = process.memoryUsage();
  return { rssAfterGc: memory.rss, heapAfterGc: memory.heapUsed };
}

export interface Milestone {
  readonly records: number;
  readonly ms: number;
  readonly rss: number;
  readonly heapUsed: number;
}

/** Samples time and memory when the record count first reaches each target. */
export function milestoneTracker(
  targets: readonly number[],
  started: () => number,
  sampler: RssSampler,
  gcFirst = false,
) {
  const pending = [...targets].sort((a, b) => a - b);
  const reached: Milestone[] = [];
  return {
    reached,
    progress(records: number) {
      while (pending.length > 0 && records >= pending[0]!) {
        pending.shift();
        if (gcFirst) global.gc?.();
        const memory = process.memoryUsage();
        sampler.sample();
        reached.push({
          records,
          ms: performance.now() - started(),
          rss: memory.rss,
          heapUsed: memory.heapUsed,
        });
      }
    },
  };
}

export interface WorkerMeasurement {
  readonly wallMs: number;
  readonly records: number;
  readonly cpuMs: number;
  /** RSS just before the measured work started (process, imports and open store included). */
  readonly rssBefore: number;
  /** Highest RSS sampled (every 50 ms and at each milestone) during the measured work. */
  readonly rssPeakSampled: number;
  /** The kernel's peak RSS of the whole process (getrusage), before and after the measured work. */
  readonly kernelPeakBefore: number;
  readonly kernelPeakAfter: number;
  readonly rssAfter: number;
  /** After the work and a forced full GC: what stays (garbage excluded). */
  readonly rssAfterGc: number;
  readonly heapAfterGc: number;
  readonly milestones: readonly Milestone[];
}

/**
 * Times `work` with everything the workers report: wall and CPU time, RSS sampled every 50 ms and at each
 * milestone (record counts passed to `progress`), the kernel's peak, and memory after a forced GC.
 */
export async function measureWork<T>(
  milestoneTargets: readonly number[],
  work: (progress: (records: number) => void) => Promise<{ records: number; result: T }>,
  gcAtMilestones = false,
): Promise<WorkerMeasurement & { result: T }> {
  global.gc?.();
  const kernelPeakBefore = kernelPeakRss();
  const sampler = new RssSampler();
  let started = 0;
  const milestones = milestoneTracker(milestoneTargets, () => started, sampler, gcAtMilestones);
  const cpuBefore = process.cpuUsage();
  sampler.start(50);
  started = performance.now();
  const { records, result } = await work((n) => milestones.progress(n));
  const wallMs = performance.now() - started;
  sampler.stop();
  const cpu = process.cpuUsage(cpuBefore);
  return {
    wallMs,
    records,
    cpuMs: (cpu.user + cpu.system) / 1000,
    rssBefore: sampler.baseline,
    rssPeakSampled: sampler.peak,
    kernelPeakBefore,
    kernelPeakAfter: kernelPeakRss(),
    rssAfter: process.memoryUsage().rss,
    ...afterGc(),
    milestones: milestones.reached,
    result,
  };
}

/** A result with the CPU the emulator child spent serving it, in ms, and the requests it answered. */
export interface Timed<T> {
  readonly result: T;
  readonly emulatorCpuMs: number;
  readonly emulatorRequests: number;
}

interface EmulatorCpu {
  readonly user: number;
  readonly system: number;
  readonly requests: number;
}

/** Wraps work so the emulator child's CPU for it is measured too (its `cpu` op), to tell emulator-bound runs. */
export function emulatorTimer(emulator: { call<R>(op: string): Promise<R> }) {
  return async <T>(work: () => Promise<T>): Promise<Timed<T>> => {
    const before = await emulator.call<EmulatorCpu>('cpu');
    const result = await work();
    const after = await emulator.call<EmulatorCpu>('cpu');
    return {
      result,
      emulatorCpuMs: (after.user + after.system - before.user - before.system) / 1000,
      emulatorRequests: after.requests - before.requests,
    };
  };
}
