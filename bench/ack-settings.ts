/** Settings of the ack-latency benchmark, shared by its files. */
import { sized } from './summary.ts';

export const SIGNING_SECRET = 'bench-signing-secret-5d1e';
export const BOT_TOKEN = 'xoxb-bench-0000-finsync';
export const ADMIN = 'UADMIN0001';
export const CONNECTIONS = 50;
export const RUNS_PER_CONNECTION = 20;
export const RECORDS_PER_CONNECTION = 1_000;
/** Scenario C: the same 50 connections after ~3 weeks of hourly runs (25,000 runs). */
export const HISTORY_RUNS_PER_CONNECTION = 500;
/** History sizes (runs per connection) at which `finsync.status()` alone is timed. */
export const STATUS_STEPS = sized(
  [RUNS_PER_CONNECTION, 100, HISTORY_RUNS_PER_CONNECTION, 2_000],
  [RUNS_PER_CONNECTION, HISTORY_RUNS_PER_CONNECTION],
);
export const RATE = Number(process.env.BENCH_ACK_RATE ?? 100);
export const DURATION_MS = Number(process.env.BENCH_ACK_SECONDS ?? sized(10, 4)) * 1000;
export const WARMUP_MS = sized(2_000, 1_000);
export const REQUEST_TIMEOUT_MS = 10_000;
export const GOAL_P99_MS = 50;
export const GOAL_RATIO = 1.5;
/** CPU per request in the app process, finsync over a bare Bolt ack. */
export const GOAL_CPU_RATIO = 2;
