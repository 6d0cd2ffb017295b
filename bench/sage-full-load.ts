/**
 * Sage full load of 50,000 contact payments (issue 17, "Measured"): from the Sage emulator into a fresh embedded
 * store through the production core and SyncEngine, only the `contact_payments` stream (via
 * `RunRequest.streams`), beside a bare `fetch` loop paging the same payments from the same emulator in the same
 * run and storing nothing. The connection is made as a person makes it (consent redirect, code exchange,
 * `finsync.connect`), before the clock starts. Each contender runs in its own fresh worker process
 * (bench/sage-worker.ts); the emulator runs in a third (bench/sage-emulator-child.ts). Runs alternate bare,
 * finsync, bare, finsync, so both see a warm emulator equally often.
 *
 * Goal (issue 17): finsync within 1.5× of the bare loop; records/s and peak RSS reported, the RSS and rate
 * goals being those the other full loads are held to.
 */
import { randomBytes } from 'node:crypto';
import type { SageTokenResponse } from '../connectors/sage/emulator-oauth.ts';
import { runInWorker, startChild } from './children.ts';
import { emulatorTimer, fmtInt, fmtMs, fmtS, heading, isMain, note, type Timed } from './common.ts';
import { alternateRuns, printFullLoadRuns, summarizeFullLoad } from './full-load-summary.ts';
import type { SageFinsyncMeasurement } from './sage-worker.ts';
import { sized, sizeLabel } from './summary.ts';
import type { WorkerMeasurement } from './sync-worker.ts';

const PAYMENTS = Number(process.env.BENCH_SAGE_PAYMENTS ?? sized(50_000, 10_000));
const REPEATS = Number(process.env.BENCH_SAGE_REPEATS ?? 3);
const MILESTONES = [0.25, 0.5, 0.75, 1].map((f) => Math.round(PAYMENTS * f));
const WORKER_TIMEOUT_MS = 180_000;

interface EmulatorInfo {
  readonly url: string;
  readonly apiBase: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly businessId: string;
  readonly setupMs: number;
  readonly payments: number;
}

export async function run(): Promise<void> {
  heading(`sage-full-load: ${fmtInt(PAYMENTS)} contact payments, finsync SyncEngine vs a bare fetch loop`);
  const startedAt = performance.now();
  const emulator = await startChild<EmulatorInfo>('sage-emulator-child.ts', [String(PAYMENTS)]);
  const emulatorReadyMs = performance.now() - startedAt;
  const info = emulator.info;
  const keyBase64 = randomBytes(32).toString('base64');
  const timed = emulatorTimer(emulator);
  let statuses: Record<string, number> = {};
  let runs: { bare: Timed<WorkerMeasurement>[]; finsync: Timed<SageFinsyncMeasurement>[] };
  try {
    runs = await alternateRuns(
      'sage-full-load',
      REPEATS,
      async () => {
        // The bare loop gets a token pair as if the person had just consented (its five minutes are enough).
        await emulator.call('clear');
        const tokens = await emulator.call<SageTokenResponse>('issueTokens');
        return timed(() =>
          runInWorker<WorkerMeasurement>(
            'sage-worker.ts',
            'bare',
            {
              apiBase: info.apiBase,
              businessId: info.businessId,
              accessToken: tokens.access_token,
              milestones: MILESTONES,
            },
            WORKER_TIMEOUT_MS,
          ),
        );
      },
      (dataDir) =>
        timed(() =>
          runInWorker<SageFinsyncMeasurement>(
            'sage-worker.ts',
            'finsync',
            {
              dataDir,
              keyBase64,
              url: info.url,
              apiBase: info.apiBase,
              clientId: info.clientId,
              clientSecret: info.clientSecret,
              milestones: MILESTONES,
            },
            WORKER_TIMEOUT_MS,
          ),
        ),
    );
    statuses = await emulator.call<Record<string, number>>('statuses');
  } finally {
    await emulator.stop();
  }
  report(runs.bare, runs.finsync, info, emulatorReadyMs, statuses);
}

function report(
  bare: readonly Timed<WorkerMeasurement>[],
  finsync: readonly Timed<SageFinsyncMeasurement>[],
  info: EmulatorInfo,
  emulatorReadyMs: number,
  statuses: Record<string, number>,
): void {
  printFullLoadRuns(bare, finsync, { bare: 'bare fetch loop', finsync: 'finsync' });
  summarizeFullLoad(
    {
      benchmark: 'sage-full-load',
      size: `${sizeLabel(PAYMENTS)} payments`,
      title: `Summary (medians of ${REPEATS} runs each). Goals: ratio from issue 17; rate and RSS those of full-sync (bench/README.md)`,
      bareRow: 'bare fetch loop',
      bareFigure: 'bare fetch loop',
      completeLabel: 'every payment stored, run succeeded',
      expected: info.payments,
    },
    bare,
    finsync,
  );
  const first = finsync[0]?.result;
  const answers = Object.entries(statuses)
    .map(([status, n]) => `${fmtInt(n)} × ${status}`)
    .join(', ');
  note(
    `The emulator (business "${first?.accountLabel ?? info.businessId}": ${fmtInt(info.payments)} contact payments, generated in`,
  );
  note(
    `${fmtMs(info.setupMs)}; ready after ${fmtS(emulatorReadyMs)}) runs in its own process; its API answers: ${answers || 'none'}.`,
  );
  note(
    'Both contenders page `GET /contact_payments?attributes=all&items_per_page=200` and follow `$next`, one request',
  );
  note(
    'in flight at a time (finsync asks for the next page as soon as the current page arrives, reading `$next` ahead of',
  );
  note(
    '`$items`, and parses and stores the current page meanwhile). Amounts are half decimal strings, half number literals: finsync reads',
  );
  note(
    'them exactly from the body text (connectors/sage/exact-json.ts), the bare loop with response.json().',
  );
  note(
    'Wall time = engine.run() (finsync: pages, exact normalization, store writes) or the paging loop (bare). Not in it:',
  );
  note(
    'store open (createCore) and connecting, which finsync did first as a person would (consent redirect, code',
  );
  note(
    `exchange, verify with /businesses and /financial_settings): store open ${finsync.map((t) => fmtMs(t.result.openMs)).join(', ')}; connect ${finsync.map((t) => fmtMs(t.result.connectMs)).join(', ')}.`,
  );
  note(
    '"peak in run": RSS sampled every 50 ms and at milestones; "process peak": the kernel\'s lifetime peak',
  );
  note('of the worker (getrusage, start-up included). The RSS goal is judged on the larger of the two.');
}

if (isMain(import.meta.url)) await run();
