/**
 * QuickBooks full load of 50,000 invoices (issue 4, "Measured"): from the QuickBooks emulator into a fresh
 * embedded store through the production core and SyncEngine, only the `invoices` stream (via
 * `RunRequest.streams`), beside bare node-quickbooks paging the same invoices and storing nothing.
 * The connection is made as a person makes it (consent redirect, code exchange, `finsync.connect`), before
 * the clock starts. Each contender runs in its own fresh worker process (bench/quickbooks-worker.ts); the
 * emulator, with Intuit's limits on, runs in a third (bench/quickbooks-emulator-child.ts). Runs alternate
 * bare, finsync, bare, finsync, so both see a warm emulator equally often.
 *
 * Issue 4 asks for records/s and peak RSS without setting goals; the goals printed are those the full-sync
 * benchmark (bench/stripe-full-sync.ts) holds the Stripe load to, applied here for comparison.
 */
import { randomBytes } from 'node:crypto';
import type { TokenResponse } from '../connectors/quickbooks/emulator-oauth.ts';
import { runInWorker, startChild } from './children.ts';
import { emulatorTimer, fmtInt, fmtMs, fmtS, heading, isMain, note, type Timed } from './common.ts';
import { alternateRuns, printFullLoadRuns, summarizeFullLoad } from './full-load-summary.ts';
import type { QuickBooksFinsyncMeasurement } from './quickbooks-worker.ts';
import { sized, sizeLabel } from './summary.ts';
import type { WorkerMeasurement } from './sync-worker.ts';

const INVOICES = Number(process.env.BENCH_QUICKBOOKS_INVOICES ?? sized(50_000, 10_000));
const CUSTOMERS = 1_000;
const PAYMENTS = Math.min(5_000, Math.floor(INVOICES / 2));
const REPEATS = Number(process.env.BENCH_QUICKBOOKS_REPEATS ?? 3);
const MILESTONES = [0.25, 0.5, 0.75, 1].map((f) => Math.round(INVOICES * f));
const WORKER_TIMEOUT_MS = 180_000;

interface EmulatorInfo {
  readonly url: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly realmId: string;
  readonly setupMs: number;
  readonly counts: { invoices: number; customers: number; payments: number };
}

export async function run(): Promise<void> {
  heading(`quickbooks-full-load: ${fmtInt(INVOICES)} invoices, finsync SyncEngine vs bare node-quickbooks`);
  const startedAt = performance.now();
  const emulator = await startChild<EmulatorInfo>('quickbooks-emulator-child.ts', [
    String(INVOICES),
    String(CUSTOMERS),
    String(PAYMENTS),
  ]);
  const emulatorReadyMs = performance.now() - startedAt;
  const info = emulator.info;
  const keyBase64 = randomBytes(32).toString('base64');
  const timed = emulatorTimer(emulator);
  let statuses: Record<string, number> = {};
  let runs: { bare: Timed<WorkerMeasurement>[]; finsync: Timed<QuickBooksFinsyncMeasurement>[] };
  try {
    runs = await alternateRuns(
      'quickbooks-full-load',
      REPEATS,
      async () => {
        // The bare SDK gets a token pair as if the person had just consented (no refresh is needed within the hour).
        const tokens = await emulator.call<TokenResponse>('issueTokens');
        return timed(() =>
          runInWorker<WorkerMeasurement>(
            'quickbooks-worker.ts',
            'bare',
            {
              url: info.url,
              clientId: info.clientId,
              clientSecret: info.clientSecret,
              realmId: info.realmId,
              accessToken: tokens.access_token,
              milestones: MILESTONES,
            },
            WORKER_TIMEOUT_MS,
          ),
        );
      },
      (dataDir) =>
        timed(() =>
          runInWorker<QuickBooksFinsyncMeasurement>(
            'quickbooks-worker.ts',
            'finsync',
            {
              dataDir,
              keyBase64,
              url: info.url,
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
  finsync: readonly Timed<QuickBooksFinsyncMeasurement>[],
  info: EmulatorInfo,
  emulatorReadyMs: number,
  statuses: Record<string, number>,
): void {
  printFullLoadRuns(bare, finsync, { bare: 'bare node-quickbooks', finsync: 'finsync' });
  summarizeFullLoad(
    {
      benchmark: 'quickbooks-full-load',
      size: `${sizeLabel(INVOICES)} invoices`,
      title: `Summary (medians of ${REPEATS} runs each). Goals: those of full-sync (bench/README.md); issue 4 sets none`,
      bareRow: 'bare node-quickbooks',
      bareFigure: 'bare node-quickbooks',
      completeLabel: 'every invoice stored, run succeeded',
      expected: info.counts.invoices,
    },
    bare,
    finsync,
  );
  const first = finsync[0]?.result;
  const answers = Object.entries(statuses)
    .map(([status, n]) => `${fmtInt(n)} × ${status}`)
    .join(', ');
  note(
    `The emulator (company "${first?.accountLabel ?? info.realmId}": ${fmtInt(info.counts.invoices)} invoices, ${fmtInt(info.counts.customers)} customers,`,
  );
  note(
    `${fmtInt(info.counts.payments)} payments, generated in ${fmtMs(info.setupMs)}; ready after ${fmtS(emulatorReadyMs)}) runs in its own process with`,
  );
  note(
    `Intuit's limits on (10 in flight, 500 requests/min per company); its API answers: ${answers || 'none'}.`,
  );
  note(
    'Both contenders have one query in flight at a time: `SELECT * FROM Invoice ORDERBY Id STARTPOSITION n',
  );
  note(
    'MAXRESULTS 1000`, pages of 1,000 plus a last, empty one (finsync fetches the next page while it stores',
  );
  note('the current one; its 2 extra requests are the connect-time verify and are not in the wall time).');
  note('Wall time = engine.run() (finsync: query pages, normalization to exact minor units, store writes)');
  note('or the paging loop (bare). Not in it: store open (createCore) and connecting, which finsync did');
  note('first as a person would (consent redirect, code exchange, verify with CompanyInfo and Preferences):');
  note(
    `store open ${finsync.map((t) => fmtMs(t.result.openMs)).join(', ')}; connect ${finsync.map((t) => fmtMs(t.result.connectMs)).join(', ')}.`,
  );
  note(
    '"peak in run": RSS sampled every 50 ms and at milestones; "process peak": the kernel\'s lifetime peak',
  );
  note('of the worker (getrusage, start-up included). The RSS goal is judged on the larger of the two.');
}

if (isMain(import.meta.url)) await run();
