/**
 * PayPal full load of 100,000 Transaction Search rows (issue 17, "Measured"): from the PayPal emulator into a
 * fresh embedded store through the production core and SyncEngine, beside a bare `fetch` loop paging the same
 * emulator with the same requests and storing nothing. The connection is made as a person makes it (the
 * form's credentials verified by `finsync.connect`), before the clock starts. Each contender runs in its own
 * fresh worker process (bench/paypal-worker.ts); the emulator runs in a third (bench/paypal-emulator-child.ts).
 * Runs alternate bare, finsync, bare, finsync, so both see a warm emulator equally often.
 *
 * Both contenders read every window twice (`balance_affecting_records_only=N`, then `=Y`), because that is
 * how finsync learns which rows move the balance (connectors/paypal/streams.ts): the ratio compares equal
 * wire work. finsync's records are the ledger's (a row with a fee is two records); the bare loop counts rows.
 */
import { randomBytes } from 'node:crypto';
import { runInWorker, startChild } from './children.ts';
import { emulatorTimer, fmtInt, fmtMs, fmtS, heading, isMain, note, type Timed } from './common.ts';
import { alternateRuns, printFullLoadRuns, summarizeFullLoad } from './full-load-summary.ts';
import type { PayPalFinsyncMeasurement } from './paypal-worker.ts';
import { sized, sizeLabel } from './summary.ts';
import type { WorkerMeasurement } from './sync-worker.ts';

const ROWS = Number(process.env.BENCH_PAYPAL_ROWS ?? sized(100_000, 20_000));
/** About 250 rows a day: a 31-day window holds ~7,750, under PayPal's 10,000-row result set. */
const DAYS = Math.max(10, Math.ceil(ROWS / 250));
const REPEATS = Number(process.env.BENCH_PAYPAL_REPEATS ?? sized(2, 1));
const FRACTIONS = [0.25, 0.5, 0.75, 1];
const WORKER_TIMEOUT_MS = 180_000;

interface EmulatorInfo {
  readonly url: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly setupMs: number;
  readonly rows: number;
  readonly historyFrom: string;
}

export async function run(): Promise<void> {
  heading(`paypal-full-load: ${fmtInt(ROWS)} PayPal rows, finsync SyncEngine vs a bare fetch loop`);
  const startedAt = performance.now();
  const emulator = await startChild<EmulatorInfo>('paypal-emulator-child.ts', [String(ROWS), String(DAYS)]);
  const emulatorReadyMs = performance.now() - startedAt;
  const info = emulator.info;
  const expected = await emulator.call<number>('expected');
  const keyBase64 = randomBytes(32).toString('base64');
  const timed = emulatorTimer(emulator);
  const request = {
    url: info.url,
    clientId: info.clientId,
    clientSecret: info.clientSecret,
    historyFrom: info.historyFrom,
  };
  let statuses: Record<string, number> = {};
  let runs: { bare: Timed<WorkerMeasurement>[]; finsync: Timed<PayPalFinsyncMeasurement>[] };
  try {
    runs = await alternateRuns(
      'paypal-full-load',
      REPEATS,
      () =>
        timed(() =>
          runInWorker<WorkerMeasurement>(
            'paypal-worker.ts',
            'bare',
            { ...request, milestones: FRACTIONS.map((f) => Math.round(info.rows * f)) },
            WORKER_TIMEOUT_MS,
          ),
        ),
      (dataDir) =>
        timed(() =>
          runInWorker<PayPalFinsyncMeasurement>(
            'paypal-worker.ts',
            'finsync',
            {
              ...request,
              dataDir,
              keyBase64,
              milestones: FRACTIONS.map((f) => Math.round(expected * f)),
            },
            WORKER_TIMEOUT_MS,
          ),
        ),
    );
    statuses = await emulator.call<Record<string, number>>('statuses');
  } finally {
    await emulator.stop();
  }
  report(runs.bare, runs.finsync, info, expected, emulatorReadyMs, statuses);
}

function report(
  bare: readonly Timed<WorkerMeasurement>[],
  finsync: readonly Timed<PayPalFinsyncMeasurement>[],
  info: EmulatorInfo,
  expected: number,
  emulatorReadyMs: number,
  statuses: Record<string, number>,
): void {
  printFullLoadRuns(bare, finsync, { bare: 'bare fetch loop (rows)', finsync: 'finsync (records)' });
  summarizeFullLoad(
    {
      benchmark: 'paypal-full-load',
      size: `${sizeLabel(ROWS)} rows`,
      title: `Summary (medians of ${REPEATS} run${REPEATS === 1 ? '' : 's'} each). Goals: issue 17's ratio; rate and RSS those of full-sync`,
      bareRow: 'bare fetch loop',
      bareFigure: 'bare fetch',
      completeLabel: 'every record stored, run succeeded',
      expected: expected,
      extraRows: (wallMs) => [['finsync PayPal rows/s', fmtInt(info.rows / (wallMs / 1000)), '', '']],
    },
    bare,
    finsync,
  );
  const answers = Object.entries(statuses)
    .map(([status, n]) => `${fmtInt(n)} × ${status}`)
    .join(', ');
  const first = finsync[0]?.result;
  note(
    `The emulator (${fmtInt(info.rows)} rows over ${DAYS} days, ${fmtInt(expected)} ledger records, generated in ${fmtMs(info.setupMs)}; ready after ${fmtS(emulatorReadyMs)})`,
  );
  note(`runs in its own process; its reporting API answered ${answers || 'nothing'}.`);
  note(
    'Wall time = engine.run() (finsync: two searches per 31-day window, normalization to exact minor units,',
  );
  note(
    'gross and fee records, store writes) or the paging loop (bare). Not in it: store open and connecting',
  );
  note(
    `(token + one small search): store open ${finsync.map((t) => fmtMs(t.result.openMs)).join(', ')}; connect ${finsync.map((t) => fmtMs(t.result.connectMs)).join(', ')}${first ? ` (${first.accountLabel})` : ''}.`,
  );
}

if (isMain(import.meta.url)) await run();
