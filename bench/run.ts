/**
 * `npm run bench` runs every benchmark; `npm run bench -- ack` (or `full-sync`, `incremental`) runs one.
 * Each benchmark runs in its own process, one after the other, so none inherits another's memory or
 * warm caches; each has a time limit. Benchmarks measure and print, they do not assert: a missed goal
 * still exits 0. Only a benchmark that could not run (crash, time limit) makes this exit 1.
 */
import { spawn } from 'node:child_process';
import { benchFile } from './children.ts';

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
  { name: 'powerbi-publish', aliases: ['powerbi'], file: 'powerbi-publish.ts', limitMs: 300_000 },
  { name: 'digest', aliases: ['daily-digest'], file: 'digest.ts', limitMs: 300_000 },
];

function runOne(benchmark: Benchmark): Promise<{ ok: boolean; ms: number; reason: string }> {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', benchFile(benchmark.file)], {
      stdio: 'inherit',
    });
    const timer = setTimeout(() => {
      console.log(`\n${benchmark.name}: time limit of ${benchmark.limitMs / 1000} s reached, stopping it`);
      child.kill('SIGKILL');
    }, benchmark.limitMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const ms = performance.now() - started;
      resolve({ ok: code === 0, ms, reason: code === 0 ? 'ran' : `failed (${signal ?? `exit ${code}`})` });
    });
  });
}

const wanted = process.argv.slice(2).filter((arg) => !arg.startsWith('-'));
const unknown = wanted.filter((w) => !BENCHMARKS.some((b) => b.name === w || b.aliases.includes(w)));
if (unknown.length > 0) {
  console.log(`unknown benchmark: ${unknown.join(', ')}. Known: ${BENCHMARKS.map((b) => b.name).join(', ')}`);
  process.exit(2);
}
const selected =
  wanted.length === 0
    ? BENCHMARKS
    : BENCHMARKS.filter((b) => wanted.some((w) => w === b.name || b.aliases.includes(w)));

const results: { name: string; ok: boolean; ms: number; reason: string }[] = [];
for (const benchmark of selected) results.push({ name: benchmark.name, ...(await runOne(benchmark)) });

console.log('\n=== bench summary');
for (const r of results)
  console.log(`${r.name.padEnd(12)} ${r.reason.padEnd(22)} ${(r.ms / 1000).toFixed(1)} s`);
process.exit(results.every((r) => r.ok) ? 0 : 1);
