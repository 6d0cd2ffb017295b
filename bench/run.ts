/**
 * `npm run bench` runs every benchmark; `npm run bench -- ack` (or `full-sync`, `incremental`) runs one.
 * Each benchmark runs in its own process, one after the other, so none inherits another's memory or
 * warm caches; each has a time limit. Benchmarks measure and print, they do not assert: a missed goal
 * still exits 0. Only a benchmark that could not run (crash, time limit) makes this exit 1.
 *
 * `--quick` runs every benchmark at reduced sizes (BENCH_QUICK=1 in each child; see summary.ts `sized`).
 * At the end, one summary table of every benchmark's headline figures (`recordFigures`, collected through a
 * temporary BENCH_SUMMARY_FILE per child), each compared with the previous run of the same mode read from
 * bench/results/latest.json, which is then rewritten. `--markdown` prints that table as Markdown.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchFile } from './children.ts';
import {
  compareFigures,
  type Mode,
  markdownTable,
  mergeEntry,
  plainTable,
  readFigureFile,
  readLatest,
  type SummaryRow,
  TABLE_HEADER,
  tableCells,
  WORSE_PCT,
  writeLatest,
} from './summary.ts';

interface Benchmark {
  readonly name: string;
  readonly aliases: readonly string[];
  readonly file: string;
  readonly limitMs: number;
}

const BENCHMARKS: readonly Benchmark[] = [
  { name: 'ack', aliases: ['ack-latency'], file: 'ack-latency.ts', limitMs: 180_000 },
  { name: 'full-sync', aliases: ['stripe-full-sync', 'full'], file: 'stripe-full-sync.ts', limitMs: 150_000 },
  { name: 'incremental', aliases: ['incremental-sync'], file: 'incremental-sync.ts', limitMs: 150_000 },
  {
    name: 'quickbooks-full-load',
    aliases: ['quickbooks'],
    file: 'quickbooks-full-load.ts',
    limitMs: 150_000,
  },
  { name: 'paypal-full-load', aliases: ['paypal'], file: 'paypal-full-load.ts', limitMs: 300_000 },
  { name: 'sage-full-load', aliases: ['sage'], file: 'sage-full-load.ts', limitMs: 150_000 },
  { name: 'powerbi-publish', aliases: ['powerbi'], file: 'powerbi-publish.ts', limitMs: 300_000 },
  { name: 'digest', aliases: ['daily-digest'], file: 'digest.ts', limitMs: 300_000 },
];

const FLAGS = ['--quick', '--markdown'] as const;
const LATEST_FILE = benchFile('results/latest.json');

interface Outcome {
  readonly name: string;
  readonly ok: boolean;
  readonly ms: number;
  readonly reason: string;
  readonly ranAt: string;
  readonly summaryFile: string;
}

function runOne(benchmark: Benchmark, env: NodeJS.ProcessEnv, summaryFile: string): Promise<Outcome> {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', benchFile(benchmark.file)], {
      stdio: 'inherit',
      env: { ...env, BENCH_SUMMARY_FILE: summaryFile },
    });
    const timer = setTimeout(() => {
      console.log(`\n${benchmark.name}: time limit of ${benchmark.limitMs / 1000} s reached, stopping it`);
      child.kill('SIGKILL');
    }, benchmark.limitMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const ms = performance.now() - started;
      resolve({
        name: benchmark.name,
        ok: code === 0,
        ms,
        reason: code === 0 ? 'ran' : `failed (${signal ?? `exit ${code}`})`,
        ranAt: new Date().toISOString(),
        summaryFile,
      });
    });
  });
}

const args = process.argv.slice(2).filter((arg) => arg !== '--');
const badFlags = args.filter((arg) => arg.startsWith('-') && !(FLAGS as readonly string[]).includes(arg));
const wanted = args.filter((arg) => !arg.startsWith('-'));
const unknown = wanted.filter((w) => !BENCHMARKS.some((b) => b.name === w || b.aliases.includes(w)));
if (unknown.length > 0 || badFlags.length > 0) {
  if (unknown.length > 0)
    console.log(
      `unknown benchmark: ${unknown.join(', ')}. Known: ${BENCHMARKS.map((b) => b.name).join(', ')}`,
    );
  if (badFlags.length > 0) console.log(`unknown option: ${badFlags.join(', ')}. Known: ${FLAGS.join(', ')}`);
  process.exit(2);
}
const selected =
  wanted.length === 0
    ? BENCHMARKS
    : BENCHMARKS.filter((b) => wanted.some((w) => w === b.name || b.aliases.includes(w)));
// BENCH_QUICK=1 in the environment counts as --quick, so the table is never filed under the wrong mode.
const mode: Mode = args.includes('--quick') || process.env.BENCH_QUICK === '1' ? 'quick' : 'full';
const markdown = args.includes('--markdown');

const env: NodeJS.ProcessEnv = { ...process.env };
if (mode === 'quick') env.BENCH_QUICK = '1';
else delete env.BENCH_QUICK;

const summaryDir = mkdtempSync(join(tmpdir(), 'finsync-bench-summary-'));
const startedAll = performance.now();
const outcomes: Outcome[] = [];
try {
  for (const benchmark of selected)
    outcomes.push(await runOne(benchmark, env, join(summaryDir, `${benchmark.name}.jsonl`)));
  report(outcomes);
} finally {
  rmSync(summaryDir, { recursive: true, force: true });
}
process.exit(outcomes.every((r) => r.ok) ? 0 : 1);

function report(results: readonly Outcome[]): void {
  const totalS = (performance.now() - startedAll) / 1000;
  console.log(`\n=== bench summary (${mode} mode${mode === 'quick' ? ': reduced sizes' : ''})`);
  for (const r of results)
    console.log(`${r.name.padEnd(20)} ${r.reason.padEnd(22)} ${(r.ms / 1000).toFixed(1)} s`);
  console.log(`${'total'.padEnd(20)} ${''.padEnd(22)} ${totalS.toFixed(1)} s`);

  const latest = readLatest(LATEST_FILE);
  const previous = latest.modes[mode];
  const perRun = results.map((r) => ({
    outcome: r,
    rows: compareFigures(readFigureFile(r.summaryFile), previous),
  }));
  const rows: SummaryRow[] = perRun.flatMap((p) => p.rows);
  if (rows.length === 0) {
    console.log('\nNo figures were recorded.');
  } else {
    const cells = tableCells(rows);
    console.log(
      `\nFigures, compared with the previous ${mode} run (${LATEST_FILE.replace(`${process.cwd()}/`, '')}); flag: worse than it by more than ${WORSE_PCT}%`,
    );
    console.log(markdown ? markdownTable(TABLE_HEADER, cells) : plainTable(TABLE_HEADER, cells));
  }
  // Figures the previous run had and this one did not (renamed, or a case skipped this time).
  const ranNames = new Set(rows.map((r) => r.benchmark));
  const missing = [...ranNames].flatMap((name) =>
    (previous?.benchmarks[name]?.figures ?? [])
      .filter((p) => !rows.some((r) => r.benchmark === name && r.figure === p.figure))
      .map((p) => `${name}: ${p.figure}`),
  );
  if (missing.length > 0) console.log(`Not measured this time (were last time): ${missing.join('; ')}.`);
  const failed = perRun.filter((p) => !p.outcome.ok);
  for (const p of failed)
    console.log(
      `${p.outcome.name} ${p.outcome.reason}: ${p.rows.length} figure(s) shown above; latest.json keeps its previous figures.`,
    );
  const worse = rows.filter((r) => r.worse).length;
  if (worse > 0) console.log(`${worse} figure(s) worse than the previous run by more than ${WORSE_PCT}%.`);

  const saved = perRun
    .filter((p) => p.outcome.ok && p.rows.length > 0)
    .map((p) => ({
      name: p.outcome.name,
      seconds: p.outcome.ms / 1000,
      ranAt: p.outcome.ranAt,
      rows: p.rows,
    }));
  if (saved.length > 0) {
    writeLatest(LATEST_FILE, { version: 1, modes: { ...latest.modes, [mode]: mergeEntry(previous, saved) } });
  }
}
