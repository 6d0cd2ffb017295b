/**
 * Power BI publish (issue 4, "Measured"): 100,000 ledger records published through the real
 * `publishChanges` (src/sync/publish.ts) with `powerbiDestination.publisher`, against the Power BI emulator
 * enforcing Microsoft's push limits, as elapsed time divided by the minimum those limits allow (goal ≤ 1.1).
 *
 * The minimum, honestly: at 10,000 rows per POST, 100,000 rows are 10 POSTs; the limits (120 POSTs per
 * minute, 5 pending, 1,000,000 rows per hour, 120 POSTs per hour once a table holds 250,000 rows) let 10
 * POSTs go at once, so no waiting is required and the minimum is the time the emulator needs to accept
 * those 10 POSTs. That is measured in the same run ("reference"): the very same 10 request bodies, built
 * before the clock starts, sent one after the other with plain fetch to a fresh dataset. Each contender
 * runs in its own fresh worker process (bench/publish-worker.ts) with its own freshly seeded store and its
 * own empty workspace; the emulator runs in another (bench/powerbi-emulator-child.ts). Runs alternate
 * which contender goes first.
 *
 * A second, larger case is one the limits do constrain: 2,000,000 records, i.e. 200 POSTs. Its minimum is
 * an hour (rows per hour), which this bench does not wait through: it runs on a simulated clock shared by
 * the emulator and the publisher, where a wait moves both clocks forward instead of passing (the
 * emulator's clock is injectable); processing time stays real. Reported: simulated elapsed / minimum.
 */
import { MICROSOFT_LIMITS } from '../connectors/powerbi/emulator-limits.ts';
import { runInWorker, startChild } from './children.ts';
import {
  fmtInt,
  fmtMb,
  fmtMs,
  fmtRatio,
  fmtS,
  heading,
  isMain,
  median,
  note,
  printTable,
  tempDir,
  verdict,
} from './common.ts';
import type {
  EmulatorInfo,
  EmulatorSummary,
  FinsyncPublishMeasurement,
  ReferenceMeasurement,
  SimulatedMeasurement,
} from './publish-worker.ts';
import { QUICK, recordFigures, type SummaryFigure, sized, sizeLabel } from './summary.ts';

const RECORDS = Number(process.env.BENCH_POWERBI_RECORDS ?? sized(100_000, 50_000));
/** The case the limits constrain; 0 skips it (as --quick does: seeding 2,000,000 records alone takes minutes). */
const LARGE_RECORDS = Number(process.env.BENCH_POWERBI_LARGE_RECORDS ?? sized(2_000_000, 0));
const REPEATS = Number(process.env.BENCH_POWERBI_REPEATS ?? sized(3, 2));
const BENCHMARK = 'powerbi-publish';
const ROWS_PER_POST = MICROSOFT_LIMITS.maxRowsPerPost;
const WORKER_TIMEOUT_MS = 120_000;
const LARGE_TIMEOUT_MS = 240_000;
const GOAL_RATIO = 1.1;
const MINUTE = 60_000;
const HOUR = 3_600_000;

interface EmulatorCpu {
  readonly user: number;
  readonly system: number;
}

interface Timed<T> {
  readonly result: T;
  /** CPU the emulator process spent during this run, in ms. */
  readonly emulatorCpuMs: number;
}

/**
 * The earliest Microsoft's limits let `posts` POSTs of `rowsPerPost` rows finish when they are sent one after
 * the other and each takes `serviceMs` to be accepted: each POST starts as soon as the previous one is
 * answered and every window has room (the emulator's rules: 120 per minute; rows per hour; 120 per hour
 * once a table holds 250,000 rows). Starting each as early as allowed is optimal for such windows.
 */
export function minimumSchedule(
  posts: number,
  rowsPerPost: number,
  serviceMs: number,
  limits = MICROSOFT_LIMITS,
): { readonly totalMs: number; readonly limitWaitMs: number; readonly starts: readonly number[] } {
  const starts: number[] = [];
  const perHourByRows = Math.floor(limits.rowsPerHour / rowsPerPost);
  let free = 0;
  let limitWaitMs = 0;
  for (let k = 0; k < posts; k++) {
    let t = free;
    // Each pass moves t to where one more window has room; three windows, so a few passes settle it.
    for (let pass = 0; pass < 100; pass++) {
      let next = t;
      const inMinute = starts.filter((s) => s > t - MINUTE);
      if (inMinute.length >= limits.postsPerMinute)
        next = Math.max(next, inMinute[inMinute.length - limits.postsPerMinute]! + MINUTE);
      const inHour = starts.filter((s) => s > t - HOUR);
      if (inHour.length >= perHourByRows)
        next = Math.max(next, inHour[inHour.length - perHourByRows]! + HOUR);
      if (k * rowsPerPost >= limits.largeTableRows && inHour.length >= limits.postsPerHourLargeTable)
        next = Math.max(next, inHour[inHour.length - limits.postsPerHourLargeTable]! + HOUR);
      if (next === t) break;
      t = next;
    }
    limitWaitMs += t - free;
    starts.push(t);
    free = t + serviceMs;
  }
  return { totalMs: free, limitWaitMs, starts };
}

export async function run(): Promise<void> {
  heading(
    `powerbi-publish: ${fmtInt(RECORDS)} records through publishChanges vs the minimum Microsoft's limits allow`,
  );
  const emulator = await startChild<EmulatorInfo>('powerbi-emulator-child.ts', ['real', String(2 * REPEATS)]);
  const timed = async <T>(work: () => Promise<T>): Promise<Timed<T>> => {
    const before = await emulator.call<EmulatorCpu>('cpu');
    const result = await work();
    const after = await emulator.call<EmulatorCpu>('cpu');
    return { result, emulatorCpuMs: (after.user + after.system - before.user - before.system) / 1000 };
  };
  const references: Timed<ReferenceMeasurement>[] = [];
  const finsync: Timed<FinsyncPublishMeasurement>[] = [];
  let summary: EmulatorSummary | undefined;
  try {
    for (let r = 0; r < REPEATS; r++) {
      const order = r % 2 === 0 ? (['reference', 'finsync'] as const) : (['finsync', 'reference'] as const);
      for (const op of order) {
        const data = tempDir(`powerbi-${op}`);
        const payload = {
          dataDir: data.path,
          records: RECORDS,
          emulator: emulator.info,
          groupId: emulator.info.groupIds[2 * r + (op === 'reference' ? 0 : 1)]!,
        };
        try {
          if (op === 'reference') {
            references.push(
              await timed(() =>
                runInWorker<ReferenceMeasurement>('publish-worker.ts', op, payload, WORKER_TIMEOUT_MS),
              ),
            );
          } else {
            finsync.push(
              await timed(() =>
                runInWorker<FinsyncPublishMeasurement>('publish-worker.ts', op, payload, WORKER_TIMEOUT_MS),
              ),
            );
          }
        } finally {
          data.remove();
        }
      }
    }
    summary = await emulator.call<EmulatorSummary>('summary');
  } finally {
    await emulator.stop();
  }
  const servicePerPostMs = median(references.flatMap((t) => t.result.postMs));
  reportRealTime(references, finsync, summary);

  if (LARGE_RECORDS > 0) {
    const data = tempDir('powerbi-simulated');
    let simulated: SimulatedMeasurement;
    try {
      simulated = await runInWorker<SimulatedMeasurement>(
        'publish-worker.ts',
        'simulated',
        { dataDir: data.path, records: LARGE_RECORDS },
        LARGE_TIMEOUT_MS,
      );
    } finally {
      data.remove();
    }
    reportSimulated(simulated, servicePerPostMs);
  } else {
    note(
      `The larger case the limits constrain (simulated clock) was skipped${QUICK && process.env.BENCH_POWERBI_LARGE_RECORDS === undefined ? ' (--quick)' : ''}: BENCH_POWERBI_LARGE_RECORDS=0.`,
    );
  }
}

/** A yes/no figure whose goal is yes. */
const check = (figure: string, ok: boolean, goal = 'yes'): SummaryFigure => ({
  benchmark: BENCHMARK,
  figure,
  value: ok ? 1 : 0,
  unit: 'yes/no',
  lowerIsBetter: false,
  goal,
  meets: ok,
});

function postsOf(summary: EmulatorSummary | undefined, datasetId: string) {
  return (summary?.posts ?? []).filter((p) => p.dataset === datasetId);
}

function statusText(statuses: readonly (number | string)[]): string {
  const counts = new Map<string, number>();
  for (const s of statuses) counts.set(String(s), (counts.get(String(s)) ?? 0) + 1);
  return [...counts].map(([status, n]) => `${n} × ${status}`).join(', ');
}

const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);

function reportRealTime(
  references: readonly Timed<ReferenceMeasurement>[],
  finsync: readonly Timed<FinsyncPublishMeasurement>[],
  summary: EmulatorSummary | undefined,
): void {
  const posts = Math.ceil(RECORDS / ROWS_PER_POST);
  printTable(
    `Per run (each in a fresh worker with a freshly seeded store, a fresh workspace and dataset; real clock)`,
    [
      'run',
      'rows',
      'POSTs',
      'elapsed',
      'prepare',
      'log reads',
      'cursor saves',
      'pushes',
      'per push',
      'CPU',
      'emulator CPU',
      'waits',
      'POST answers',
      'rows in dataset',
    ],
    [
      ...references.map((t, i) => [
        `reference (plain fetch) #${i + 1}`,
        fmtInt(t.result.rows),
        String(t.result.postMs.length),
        fmtMs(t.result.wallMs),
        '',
        '',
        '',
        fmtMs(sum(t.result.postMs)),
        fmtMs(median(t.result.postMs)),
        '',
        fmtMs(t.emulatorCpuMs),
        '',
        statusText(t.result.statuses),
        fmtInt(summary?.datasets.find((d) => d.id === t.result.datasetId)?.records ?? 0),
      ]),
      ...finsync.map((t, i) => [
        `finsync publishChanges #${i + 1}`,
        fmtInt(t.result.pushed),
        String(t.result.batches),
        fmtMs(t.result.wallMs),
        fmtMs(t.result.prepareMs),
        fmtMs(t.result.changesMs),
        `${fmtMs(t.result.cursorMs)} (${t.result.cursorSaves})`,
        fmtMs(sum(t.result.pushMs)),
        fmtMs(median(t.result.pushMs)),
        fmtMs(t.result.cpuMs),
        fmtMs(t.emulatorCpuMs),
        `${t.result.waits} (${fmtMs(t.result.waitedMs)})`,
        statusText(postsOf(summary, t.result.datasetId).map((p) => p.status)),
        fmtInt(summary?.datasets.find((d) => d.id === t.result.datasetId)?.records ?? 0),
      ]),
    ],
  );
  const minimum = median(references.map((t) => t.result.wallMs));
  const elapsed = median(finsync.map((t) => t.result.wallMs));
  const pushPhase = median(finsync.map((t) => sum(t.result.pushMs)));
  const required = minimumSchedule(posts, ROWS_PER_POST, 0);
  const ratio = elapsed / minimum;
  const exactlyOnce = finsync.every((t) => {
    const landed = postsOf(summary, t.result.datasetId);
    const records = summary?.datasets.find((d) => d.id === t.result.datasetId)?.records ?? 0;
    return t.result.pushed === RECORDS && records === RECORDS && landed.every((p) => p.status === 200);
  });
  printTable(
    `Summary (medians of ${REPEATS} runs each)`,
    ['figure', 'value', 'goal', 'verdict'],
    [
      [
        `waiting the limits require for ${posts} POSTs of ${fmtInt(ROWS_PER_POST)} rows`,
        fmtMs(required.limitWaitMs),
        '',
        '',
      ],
      ['minimum = reference: emulator accepts the same POSTs, unpaced', fmtMs(minimum), '', ''],
      ['finsync publishChanges elapsed', fmtMs(elapsed), '', ''],
      ['ratio elapsed / minimum', fmtRatio(ratio), `≤ ${GOAL_RATIO}×`, verdict(ratio <= GOAL_RATIO)],
      ['  (for reading: its pushes alone / minimum)', fmtRatio(pushPhase / minimum), '', ''],
      [
        'every row landed once, no 429',
        exactlyOnce ? 'yes' : 'no',
        `${fmtInt(RECORDS)} rows per dataset`,
        verdict(exactlyOnce),
      ],
    ],
  );
  const size = `${sizeLabel(RECORDS)} records`;
  recordFigures([
    {
      benchmark: BENCHMARK,
      figure: `${size}: minimum (reference)`,
      value: minimum,
      unit: 'ms',
      lowerIsBetter: true,
    },
    {
      benchmark: BENCHMARK,
      figure: `${size}: finsync publishChanges elapsed`,
      value: elapsed,
      unit: 'ms',
      lowerIsBetter: true,
    },
    {
      benchmark: BENCHMARK,
      figure: `${size}: ratio elapsed/minimum`,
      value: ratio,
      unit: '×',
      lowerIsBetter: true,
      goal: `≤ ${GOAL_RATIO}×`,
      meets: ratio <= GOAL_RATIO,
    },
    {
      benchmark: BENCHMARK,
      figure: `${size}: pushes alone/minimum`,
      value: pushPhase / minimum,
      unit: '×',
      lowerIsBetter: true,
    },
    check(`${size}: every row landed once, no 429`, exactlyOnce),
  ]);
  const first = finsync[0]?.result;
  const ref = references[0]?.result;
  note(
    `${fmtInt(RECORDS)} records are ${posts} POSTs of ${fmtInt(ROWS_PER_POST)} rows. Microsoft's limits (120 POSTs/min,`,
  );
  note('5 pending, 1,000,000 rows/hour, 120 POSTs/hour once a table holds 250,000 rows) let all of them go');
  note('at once, so the minimum is the time the emulator takes to accept them: the reference sends the very');
  note(
    `same bodies (${ref ? fmtMb(ref.bytes) : 'n/a'} of JSON, built before its clock starts) one after the other with plain fetch.`,
  );
  note('finsync\'s elapsed is the whole publishChanges call: "prepare" (MSAL token, workspace read, dataset');
  note('list and creation, as on first use), then per batch: change-log read from the store, pending cursor');
  note(
    'saved, rows mapped and serialized, POST through the pacer, cursor saved. "waits" counts the sleeps the',
  );
  note(
    'pacer or a retry asked for (real sleeps here). Seeding each store (store.applyPage, pages of 10,000)',
  );
  note(
    `is not timed: ${finsync.map((t) => fmtS(t.result.seedMs)).join(', ')}. Both send POSTs in sequence, as publishChanges does.`,
  );
  if (first) note(`Dataset: ${first.datasetLabel}; peak RSS of the finsync worker ${fmtMb(first.rssPeak)}.`);
  if (summary) note(`Most POSTs pending at once on a dataset: ${summary.peakPending} (limit 5).`);
}

/** Most POSTs that started in any window of `windowMs`, and most rows in any, as the emulator counts them. */
function windowPeaks(
  posts: readonly { at: number; rows: number }[],
  windowMs: number,
): { posts: number; rows: number } {
  let best = { posts: 0, rows: 0 };
  for (let i = 0; i < posts.length; i++) {
    const end = posts[i]!.at;
    const inside = posts.filter((p) => p.at > end - windowMs && p.at <= end);
    best = {
      posts: Math.max(best.posts, inside.length),
      rows: Math.max(best.rows, sum(inside.map((p) => p.rows))),
    };
  }
  return best;
}

function reportSimulated(m: SimulatedMeasurement, servicePerPostMs: number): void {
  const posts = Math.ceil(LARGE_RECORDS / ROWS_PER_POST);
  const pure = minimumSchedule(posts, ROWS_PER_POST, 0);
  const withService = minimumSchedule(posts, ROWS_PER_POST, servicePerPostMs);
  const accepted = m.summary.posts.filter((p) => p.dataset === m.datasetId && p.status === 200);
  const refused = m.summary.posts.filter((p) => p.dataset === m.datasetId && p.status !== 200);
  const throttled = refused.filter((p) => p.status === 429);
  const minute = windowPeaks(accepted, MINUTE);
  const hour = windowPeaks(accepted, HOUR);
  const at = (n: number) => {
    const post = accepted[n - 1];
    return post ? fmtS(post.at - m.simulatedStart) : 'n/a';
  };
  const ratio = m.simulatedMs / withService.totalMs;
  const rowsAll = m.summary.datasets.find((d) => d.id === m.datasetId)?.records ?? 0;
  const perHour = Math.floor(MICROSOFT_LIMITS.rowsPerHour / ROWS_PER_POST);
  printTable(
    `Larger case the limits constrain: ${fmtInt(LARGE_RECORDS)} records = ${posts} POSTs, on a simulated clock`,
    ['figure', 'value', 'goal', 'verdict'],
    [
      ['simulated elapsed (publishChanges)', fmtS(m.simulatedMs), '', ''],
      ['  of which real time (processing, requests)', fmtS(m.realMs), '', ''],
      [
        `  of which waits skipped (${m.sleeps.filter((s) => s > 0).length} sleeps)`,
        fmtS(m.skippedMs),
        '',
        '',
      ],
      ['minimum the limits allow, POSTs taking no time', fmtS(pure.totalMs), '', ''],
      [
        `minimum with ${fmtMs(servicePerPostMs)} per POST (the reference's median)`,
        fmtS(withService.totalMs),
        '',
        '',
      ],
      [
        'ratio simulated elapsed / minimum',
        fmtRatio(ratio),
        `≤ ${GOAL_RATIO}×`,
        verdict(ratio <= GOAL_RATIO),
      ],
      [
        'POSTs accepted / refused with 429',
        `${accepted.length} / ${throttled.length}`,
        `${posts} / 0`,
        verdict(accepted.length === posts && throttled.length === 0),
      ],
      [
        'rows in the dataset',
        fmtInt(rowsAll),
        fmtInt(LARGE_RECORDS),
        verdict(rowsAll === LARGE_RECORDS && m.pushed === LARGE_RECORDS),
      ],
      [
        'most POSTs in any minute',
        String(minute.posts),
        `≤ ${MICROSOFT_LIMITS.postsPerMinute}`,
        verdict(minute.posts <= MICROSOFT_LIMITS.postsPerMinute),
      ],
      [
        'most rows in any hour',
        fmtInt(hour.rows),
        `≤ ${fmtInt(MICROSOFT_LIMITS.rowsPerHour)}`,
        verdict(hour.rows <= MICROSOFT_LIMITS.rowsPerHour),
      ],
    ],
  );
  const size = `${sizeLabel(LARGE_RECORDS)} records, simulated clock`;
  recordFigures([
    {
      benchmark: BENCHMARK,
      figure: `${size}: elapsed`,
      value: m.simulatedMs / 1000,
      unit: 's',
      lowerIsBetter: true,
    },
    {
      benchmark: BENCHMARK,
      figure: `${size}: minimum with reference service time`,
      value: withService.totalMs / 1000,
      unit: 's',
      lowerIsBetter: true,
    },
    {
      benchmark: BENCHMARK,
      figure: `${size}: ratio elapsed/minimum`,
      value: ratio,
      unit: '×',
      lowerIsBetter: true,
      goal: `≤ ${GOAL_RATIO}×`,
      meets: ratio <= GOAL_RATIO,
    },
    check(
      `${size}: all ${posts} POSTs accepted, none refused with 429`,
      accepted.length === posts && throttled.length === 0,
    ),
    check(`${size}: every row in the dataset`, rowsAll === LARGE_RECORDS && m.pushed === LARGE_RECORDS),
    // Within the limits is what matters here (more POSTs in a minute, up to the limit, is faster, not worse).
    check(
      `${size}: most POSTs in any minute within the limit`,
      minute.posts <= MICROSOFT_LIMITS.postsPerMinute,
      `≤ ${MICROSOFT_LIMITS.postsPerMinute}`,
    ),
    check(
      `${size}: most rows in any hour within the limit`,
      hour.rows <= MICROSOFT_LIMITS.rowsPerHour,
      `≤ ${fmtInt(MICROSOFT_LIMITS.rowsPerHour)}`,
    ),
  ]);
  printTable(
    'When the POSTs started (simulated clock, from the start of publishChanges)',
    ['POST', 'finsync', 'minimum (no service time)', 'minimum (reference service time)'],
    [1, perHour, perHour + 1, posts]
      .filter((n, i, all) => n >= 1 && n <= posts && all.indexOf(n) === i)
      .map((n) => [
        `#${n}`,
        at(n),
        fmtS(pure.starts[n - 1] ?? Number.NaN),
        fmtS(withService.starts[n - 1] ?? Number.NaN),
      ]),
  );
  const others = Object.entries(m.summary.others)
    .map(([what, n]) => `${n} × ${what}`)
    .join(', ');
  note(
    'What is simulated: only waiting. The emulator (own process, started by the worker) and the publisher',
  );
  note(
    "(createPowerBiDestination({ now }), the factory behind powerbiDestination, with the context's sleep)",
  );
  note(
    "read one clock: the real clock plus every wait asked for so far. A wait moves the emulator's clock and",
  );
  note(
    "then the publisher's by the time asked, and returns at once; everything else (store reads, JSON, HTTP,",
  );
  note(
    "the emulator checking and storing rows) takes real time and counts. The emulator enforces Microsoft's",
  );
  note(
    `limits on that clock. Binding here: ${fmtInt(MICROSOFT_LIMITS.rowsPerHour)} rows per hour = ${perHour} POSTs, so POST #${perHour + 1}`,
  );
  note(
    'cannot start before POST #1 is an hour old. The pacer widens its windows by a 1 s margin (marginMs).',
  );
  note(
    'The minimum with service time assumes POSTs in sequence, each taking what the emulator needed for one',
  );
  note(
    `POST of the reference above. Seeding ${fmtInt(LARGE_RECORDS)} records (not timed) took ${fmtS(m.seedMs)}.`,
  );
  note(
    `Row POSTs refused: ${statusText(refused.map((p) => p.status)) || 'none'}; other requests: ${others || 'none'}.`,
  );
  if (refused.some((p) => p.status === 401)) {
    note('A 401 on a row POST after the simulated hour is the emulator expiring the first access token (its');
    note(
      'lifetime, 3,599 s, runs on the simulated clock): the client gets a new token and sends the POST again.',
    );
  }
}

if (isMain(import.meta.url)) await run();
