/**
 * The figures every benchmark reports for the one summary table `npm run bench` prints at the end (and
 * writes to bench/results/latest.json, so the next run can say which figure worsened). A benchmark calls
 * `recordFigures` with its headline figures; run.ts collects them through the file named by
 * BENCH_SUMMARY_FILE (one JSON line per figure). Outside run.ts (a benchmark run on its own) nothing is
 * written.
 *
 * The rest of this file is run.ts's side: reading the figures back, comparing them with the previous run of
 * the same mode (quick or full) and printing the table.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface SummaryFigure {
  /** The benchmark's name in run.ts (`ack`, `full-sync`, …). */
  readonly benchmark: string;
  /** What was measured, in words ("ack p99, generator in a child process"). */
  readonly figure: string;
  readonly value: number;
  /** `ms`, `×`, `records/s`, `MB`… (`yes/no`: 1 is yes, 0 is no). */
  readonly unit: string;
  /** Whether a smaller value is better (latency, ratio, memory) or a larger one (throughput). */
  readonly lowerIsBetter: boolean;
  /** The goal in words (`≤ 1.5×`), when the benchmark has one. */
  readonly goal?: string;
  readonly meets?: boolean;
  /**
   * A change smaller than this (in `unit`) is never flagged, whatever its percentage: for figures that sit
   * near zero (memory growth), where a few MB are a large percentage and mean nothing.
   */
  readonly tolerance?: number;
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

/** A size for a figure's name: 20000 → `20k`, 1000000 → `1M`, 2500 → `2.5k`. */
export function sizeLabel(n: number): string {
  const short = (v: number, suffix: string) => `${Number(v.toFixed(1))}${suffix}`;
  if (n >= 1_000_000) return short(n / 1_000_000, 'M');
  if (n >= 1_000) return short(n / 1_000, 'k');
  return String(n);
}

// ---------------------------------------------------------------------------------------- run.ts's side

export type Mode = 'quick' | 'full';

/** A figure with its comparison against the previous run of the same mode. */
export interface SummaryRow extends SummaryFigure {
  /** The same benchmark+figure in the previous run (undefined: not measured then). */
  readonly previous?: number;
  /** When that previous run of the benchmark ended (ISO). */
  readonly previousAt?: string;
  /** (value − previous) / |previous| × 100; undefined without a previous value or when it was 0. */
  readonly changePct?: number;
  /** Worse than the previous value by more than WORSE_PCT percent (direction from `lowerIsBetter`). */
  readonly worse: boolean;
}

export const WORSE_PCT = 25;

export interface BenchmarkEntry {
  /** When this benchmark's run ended (ISO). */
  readonly ranAt: string;
  readonly seconds: number;
  readonly figures: readonly SummaryRow[];
}

export interface ModeEntry {
  readonly updatedAt: string;
  readonly benchmarks: Readonly<Record<string, BenchmarkEntry>>;
}

/** bench/results/latest.json: the last figures of each benchmark, per mode. */
export interface LatestFile {
  readonly version: 1;
  readonly modes: Partial<Record<Mode, ModeEntry>>;
}

/** The figures a child wrote, one JSON object per line; a torn or foreign line is skipped. */
export function readFigureFile(path: string): SummaryFigure[] {
  if (!existsSync(path)) return [];
  const figures: SummaryFigure[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    try {
      const f = JSON.parse(line) as Partial<SummaryFigure>;
      if (
        typeof f.benchmark === 'string' &&
        typeof f.figure === 'string' &&
        typeof f.value === 'number' &&
        typeof f.unit === 'string' &&
        typeof f.lowerIsBetter === 'boolean'
      )
        figures.push(f as SummaryFigure);
    } catch {
      // A line cut short by a benchmark killed mid-write: nothing to show.
    }
  }
  return figures;
}

export function readLatest(path: string): LatestFile {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<LatestFile>;
    if (parsed.version === 1 && parsed.modes && typeof parsed.modes === 'object')
      return { version: 1, modes: parsed.modes };
  } catch {
    // Missing or unreadable: no previous run to compare with.
  }
  return { version: 1, modes: {} };
}

export function writeLatest(path: string, latest: LatestFile): void {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(latest, null, 2)}\n`);
  renameSync(temporary, path);
}

/** Compares each figure with the same benchmark+figure of the previous run (`previous`: that mode's entry). */
export function compareFigures(
  figures: readonly SummaryFigure[],
  previous: ModeEntry | undefined,
): SummaryRow[] {
  return figures.map((f) => {
    const entry = previous?.benchmarks[f.benchmark];
    const before = entry?.figures.find((p) => p.figure === f.figure);
    if (!entry || !before || !Number.isFinite(before.value) || !Number.isFinite(f.value))
      return { ...f, worse: false };
    const changePct =
      before.value === 0 ? undefined : ((f.value - before.value) / Math.abs(before.value)) * 100;
    const worsened = f.lowerIsBetter ? f.value > before.value : f.value < before.value;
    const beyondTolerance = Math.abs(f.value - before.value) > (f.tolerance ?? 0);
    const worse =
      worsened &&
      beyondTolerance &&
      (changePct === undefined ? f.value !== before.value : Math.abs(changePct) > WORSE_PCT);
    return {
      ...f,
      previous: before.value,
      previousAt: entry.ranAt,
      ...(changePct === undefined ? {} : { changePct }),
      worse,
    };
  });
}

/**
 * The mode's new entry: the benchmarks that ran and recorded figures replace theirs; the others (not run
 * this time, or crashed before recording anything) keep their previous entry, so a single-benchmark run
 * or a crash does not wipe the comparison base of the rest.
 */
export function mergeEntry(
  previous: ModeEntry | undefined,
  ran: readonly { name: string; seconds: number; ranAt: string; rows: readonly SummaryRow[] }[],
): ModeEntry {
  const benchmarks: Record<string, BenchmarkEntry> = { ...(previous?.benchmarks ?? {}) };
  for (const r of ran) {
    // A benchmark may record under a name other than run.ts's: group by the name in the figures.
    for (const name of new Set(r.rows.map((row) => row.benchmark)))
      benchmarks[name] = {
        ranAt: r.ranAt,
        seconds: Math.round(r.seconds * 10) / 10,
        figures: r.rows.filter((row) => row.benchmark === name),
      };
  }
  return { updatedAt: new Date().toISOString(), benchmarks };
}

const grouped = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** A value with its unit, as the benchmarks print it. */
export function formatValue(value: number, unit: string): string {
  if (!Number.isFinite(value)) return 'n/a';
  switch (unit) {
    case 'yes/no':
      return value ? 'yes' : 'no';
    case '×':
      return `${value.toFixed(2)}×`;
    case 'ms':
      return `${grouped(value, Math.abs(value) < 10 ? 2 : 1)} ms`;
    case 's':
      return `${value.toFixed(2)} s`;
    case 'MB':
      return `${value < -0.5 ? '−' : ''}${grouped(Math.abs(value))} MB`;
    case '':
      return grouped(value, Number.isInteger(value) ? 0 : 2);
    default:
      return `${grouped(value, Number.isInteger(value) || Math.abs(value) >= 100 ? 0 : 2)} ${unit}`;
  }
}

function formatChange(pct: number | undefined): string {
  if (pct === undefined) return '–';
  if (Math.abs(pct) < 0.05) return '0.0%';
  return `${pct > 0 ? '+' : '−'}${Math.abs(pct).toFixed(1)}%`;
}

export const TABLE_HEADER = [
  'benchmark',
  'figure',
  'value',
  'goal',
  'verdict',
  'previous',
  'change',
  'flag',
] as const;

export function tableCells(rows: readonly SummaryRow[]): string[][] {
  return rows.map((r) => [
    r.benchmark,
    r.figure,
    formatValue(r.value, r.unit),
    r.goal ?? '–',
    r.meets === undefined ? '–' : r.meets ? 'meets' : 'MISSES',
    r.previous === undefined ? '–' : formatValue(r.previous, r.unit),
    formatChange(r.changePct),
    r.worse ? `WORSE >${WORSE_PCT}%` : '',
  ]);
}

/** Plain aligned text (text columns left, numbers right), to paste into a note. */
export function plainTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const right = new Set([2, 5, 6]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (right.has(i) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const right = new Set([2, 5, 6]);
  const escaped = (cell: string) => cell.replaceAll('|', '\\|');
  const line = (cells: readonly string[]) => `| ${cells.map(escaped).join(' | ')} |`;
  return [
    line(header),
    `|${header.map((_, i) => (right.has(i) ? '---:' : '---')).join('|')}|`,
    ...rows.map(line),
  ].join('\n');
}
