/** The tables of the ack-latency benchmark. */
import {
  CONNECTIONS,
  DURATION_MS,
  GOAL_CPU_RATIO,
  GOAL_P99_MS,
  GOAL_RATIO,
  HISTORY_RUNS_PER_CONNECTION,
  RATE,
  RUNS_PER_CONNECTION,
  WARMUP_MS,
} from './ack-settings.ts';
import { fmtInt, fmtMs, fmtRatio, note, printTable, type Summary, summarize, verdict } from './common.ts';
import type { LoadSamples } from './open-loop.ts';
import { recordFigures } from './summary.ts';

export interface Measured {
  readonly label: string;
  readonly samples: LoadSamples;
  readonly corrected: Summary;
  readonly raw: Summary;
  readonly sendLag: Summary;
  /** CPU of this process (the app, plus the generator when in-process) per measured request. */
  readonly cpuMsPerRequest: number;
  readonly loopDelayP99Ms: number;
  readonly loopDelayMaxMs: number;
}

export interface SlackResponse {
  readonly id: string;
  readonly at: number;
  readonly ok: boolean;
  readonly error: string | null;
}

const row = (name: string, s: Summary, goal = ''): string[] => [
  name,
  fmtInt(s.n),
  fmtMs(s.p50),
  fmtMs(s.p95),
  fmtMs(s.p99),
  fmtMs(s.max),
  goal,
];

function latencyTable(
  title: string,
  bare: Measured,
  finsync: Measured,
  finsyncName = 'finsync /finsync status',
): void {
  const ratio = (pick: (s: Summary) => number) => pick(finsync.corrected) / pick(bare.corrected);
  printTable(
    title,
    ['app', 'acks', 'p50', 'p95', 'p99', 'max', 'goal'],
    [
      row('bare Bolt', bare.corrected),
      row(
        finsyncName,
        finsync.corrected,
        `p99 ≤ ${GOAL_P99_MS} ms: ${verdict(finsync.corrected.p99 <= GOAL_P99_MS)}`,
      ),
      [
        'ratio finsync/bare',
        '',
        fmtRatio(ratio((s) => s.p50)),
        fmtRatio(ratio((s) => s.p95)),
        fmtRatio(ratio((s) => s.p99)),
        fmtRatio(ratio((s) => s.max)),
        `p99 ≤ ${GOAL_RATIO}×: ${verdict(ratio((s) => s.p99) <= GOAL_RATIO)}`,
      ],
    ],
  );
}

function statusAnswers(finsync: Measured, responses: readonly SlackResponse[]): string[] {
  const ids = new Set(finsync.samples.ids);
  const mine = responses.filter((r) => ids.has(r.id));
  const refused = mine.filter((r) => !r.ok);
  const reasons = [...new Set(refused.map((r) => r.error ?? 'error'))].join(', ');
  return [
    `${finsync.label}: status answers ok / refused`,
    `${mine.length - refused.length} / ${refused.length} of ${finsync.samples.ids.length}${reasons ? ` (${reasons})` : ''}`,
  ];
}

/** Scheduled send → arrival of the status answer at the Slack emulator, per answered request. */
function answerTimes(m: Measured, responses: readonly SlackResponse[]): number[] {
  const scheduled = new Map<string, number>();
  for (const [i, id] of m.samples.ids.entries()) scheduled.set(id, m.samples.scheduledEpochMs[i]!);
  return responses
    .filter((r) => r.ok && scheduled.has(r.id))
    .map((r) => r.at - scheduled.get(r.id)!)
    .filter(Number.isFinite);
}

export function reportHistory(
  bareOut: Measured,
  finsyncOut: Measured,
  finsyncHist: Measured,
  responses: readonly SlackResponse[],
  statusTimes: readonly (readonly [number, number, number])[],
): void {
  const runs = CONNECTIONS * HISTORY_RUNS_PER_CONNECTION;
  printTable(
    `C. Same load (child generator) after the run history grew to ${fmtInt(runs)} runs (${HISTORY_RUNS_PER_CONNECTION} per connection: ~3 weeks hourly)`,
    ['series', 'n', 'p50', 'p95', 'p99', 'max', 'goal'],
    [
      row('bare Bolt ack (B)', bareOut.corrected),
      row(`finsync ack, ${fmtInt(CONNECTIONS * RUNS_PER_CONNECTION)} runs (B)`, finsyncOut.corrected),
      row(
        `finsync ack, ${fmtInt(runs)} runs`,
        finsyncHist.corrected,
        `p99 ≤ ${GOAL_P99_MS} ms: ${verdict(finsyncHist.corrected.p99 <= GOAL_P99_MS)}`,
      ),
      [
        'ratio finsync/bare (p99)',
        '',
        '',
        '',
        fmtRatio(finsyncHist.corrected.p99 / bareOut.corrected.p99),
        '',
        `≤ ${GOAL_RATIO}×: ${verdict(finsyncHist.corrected.p99 / bareOut.corrected.p99 <= GOAL_RATIO)}`,
      ],
      row(`finsync status answer, ${fmtInt(runs)} runs`, summarize(answerTimes(finsyncHist, responses))),
    ],
  );
  printTable(
    'Where it goes: finsync.status() alone (no HTTP), mean of 20 calls, by run history: as requests find it (kept since the last change) and right after a change (built from the store)',
    ['runs stored', 'status(), kept', 'status(), after a change', 'goal', 'CPU at 100 req/s (kept)'],
    statusTimes.map(([n, kept, rebuilt]) => [
      fmtInt(n),
      fmtMs(kept),
      fmtMs(rebuilt),
      `≤ 1 ms: ${verdict(kept <= 1)}`,
      `${((kept * RATE) / 10).toFixed(1)}% of one core`,
    ]),
  );
  printTable(
    'Scenario C window',
    ['series', 'value'],
    [
      ['HTTP statuses', JSON.stringify(finsyncHist.samples.statuses)],
      ['achieved rate', `${finsyncHist.samples.achievedRate.toFixed(1)} req/s`],
      ['CPU per request in the app process', fmtMs(finsyncHist.cpuMsPerRequest)],
      [
        'event-loop delay p99 / max',
        `${fmtMs(finsyncHist.loopDelayP99Ms)} / ${fmtMs(finsyncHist.loopDelayMaxMs)}`,
      ],
      statusAnswers(finsyncHist, responses),
    ],
  );
  note('Scenario C has no goal of its own: it shows how the ack degrades as history accumulates (the');
  note('status work that follows each ack runs on the same event loop as the next requests).');
}

/** D: the Home tab under the same load (child generator). */
export function reportHome(
  bareHome: Measured,
  finsyncHome: Measured,
  publishes: readonly SlackResponse[],
): void {
  latencyTable(
    `D. Home tab: app_home_opened events at ${RATE} req/s from a child process (each from its own user), ack latency`,
    bareHome,
    finsyncHome,
    'finsync Home tab',
  );
  const cpuRatio = finsyncHome.cpuMsPerRequest / bareHome.cpuMsPerRequest;
  printTable(
    'D. Home tab: CPU and the published view',
    ['series', 'value', 'goal'],
    [
      ['bare-home: CPU per request in the app process', fmtMs(bareHome.cpuMsPerRequest), ''],
      ['finsync-home: CPU per request in the app process', fmtMs(finsyncHome.cpuMsPerRequest), ''],
      [
        'ratio finsync/bare (CPU per request)',
        fmtRatio(cpuRatio),
        `≤ ${GOAL_CPU_RATIO}×: ${verdict(cpuRatio <= GOAL_CPU_RATIO)}`,
      ],
      ['finsync-home: HTTP statuses', JSON.stringify(finsyncHome.samples.statuses), ''],
      ['finsync-home: views published', `${publishes.length} of ${finsyncHome.samples.ids.length}`, ''],
      [
        'finsync-home: event-loop delay p99 / max',
        `${fmtMs(finsyncHome.loopDelayP99Ms)} / ${fmtMs(finsyncHome.loopDelayMaxMs)}`,
        '',
      ],
    ],
  );
  printTable(
    'D. Home tab: scheduled send → views.publish received by the Slack emulator (no goal)',
    ['series', 'n', 'p50', 'p95', 'p99', 'max', ''],
    [row('finsync-home: view published', summarize(answerTimes(finsyncHome, publishes)))],
  );
}

export interface AckFigures {
  readonly bareIn: Measured;
  readonly finsyncIn: Measured;
  readonly bareOut: Measured;
  readonly finsyncOut: Measured;
  readonly bareHome: Measured;
  readonly finsyncHome: Measured;
  readonly finsyncHist: Measured | undefined;
  readonly statusTimes: readonly (readonly [number, number, number])[];
}

/** The headline figures, for run.ts's summary table. */
export function recordAckFigures(f: AckFigures): void {
  const p99 = (m: Measured) => m.corrected.p99;
  const latency = (figure: string, finsync: Measured, bare: Measured) => [
    { figure: `${figure}: ack p99`, value: p99(finsync), unit: 'ms', goal: `≤ ${GOAL_P99_MS} ms` },
    {
      figure: `${figure}: ack p99 / bare`,
      value: p99(finsync) / p99(bare),
      unit: '×',
      goal: `≤ ${GOAL_RATIO}×`,
    },
  ];
  const cpu = (figure: string, finsync: Measured, bare: Measured) => ({
    figure: `${figure}: CPU per request / bare`,
    value: finsync.cpuMsPerRequest / bare.cpuMsPerRequest,
    unit: '×',
    goal: `≤ ${GOAL_CPU_RATIO}×`,
  });
  const [lastRuns, kept, rebuilt] = f.statusTimes.at(-1) ?? [0, Number.NaN, Number.NaN];
  const rows = [
    ...latency('A status, in-process generator', f.finsyncIn, f.bareIn),
    ...latency('B status, child generator', f.finsyncOut, f.bareOut),
    cpu('B status', f.finsyncOut, f.bareOut),
    ...(f.finsyncHist
      ? latency(
          `C status, ${fmtInt(CONNECTIONS * HISTORY_RUNS_PER_CONNECTION)} runs`,
          f.finsyncHist,
          f.bareOut,
        )
      : []),
    ...latency('D Home tab', f.finsyncHome, f.bareHome),
    cpu('D Home tab', f.finsyncHome, f.bareHome),
    { figure: `status() kept, ${fmtInt(lastRuns)} runs`, value: kept, unit: 'ms', goal: '≤ 1 ms' },
    { figure: `status() after a change, ${fmtInt(lastRuns)} runs`, value: rebuilt, unit: 'ms' },
  ];
  recordFigures(
    rows.map((r) => ({
      benchmark: 'ack',
      lowerIsBetter: true,
      ...r,
      ...('goal' in r && r.goal ? { meets: meetsGoal(r.value, r.goal) } : {}),
    })),
  );
}

/** `≤ N unit` goals only. */
function meetsGoal(value: number, goal: string): boolean {
  const limit = Number(/≤ ([\d.]+)/.exec(goal)?.[1]);
  return Number.isFinite(value) && value <= limit;
}

export function report(
  bareIn: Measured,
  finsyncIn: Measured,
  bareOut: Measured,
  finsyncOut: Measured,
  responses: readonly SlackResponse[],
): void {
  const load = `${RATE} req/s for ${DURATION_MS / 1000} s after a ${WARMUP_MS / 1000} s warm-up`;
  latencyTable(
    `A. Ack latency, generator in this process (as asked), ${load}; from scheduled send to end of HTTP response`,
    bareIn,
    finsyncIn,
  );
  latencyTable(
    `B. Cross-check: same load from a generator in a child process (the app has the event loop to itself)`,
    bareOut,
    finsyncOut,
  );
  const all = [bareIn, finsyncIn, bareOut, finsyncOut];
  printTable(
    'Raw send→response times and the generator’s lateness against its schedule',
    ['series', 'n', 'p50', 'p95', 'p99', 'max', ''],
    all.flatMap((m) => [row(`${m.label}: send→response`, m.raw), row(`${m.label}: send lag`, m.sendLag)]),
  );
  printTable(
    'Measured window: HTTP outcomes, rate, CPU of the app process, event-loop delay; status answers (response_url)',
    ['series', 'value'],
    [
      ...all.map((m) => [`${m.label}: HTTP statuses`, JSON.stringify(m.samples.statuses)]),
      ...all.map((m) => [`${m.label}: achieved rate`, `${m.samples.achievedRate.toFixed(1)} req/s`]),
      ...all.map((m) => [`${m.label}: CPU per request in the app process`, fmtMs(m.cpuMsPerRequest)]),
      ...all.map((m) => [
        `${m.label}: event-loop delay p99 / max`,
        `${fmtMs(m.loopDelayP99Ms)} / ${fmtMs(m.loopDelayMaxMs)}`,
      ]),
      statusAnswers(finsyncIn, responses),
      statusAnswers(finsyncOut, responses),
    ],
  );
  printTable(
    'finsync status answer: scheduled send → response_url post received by the Slack emulator (1 ms clock; no goal)',
    ['series', 'n', 'p50', 'p95', 'p99', 'max', ''],
    [finsyncIn, finsyncOut].map((m) =>
      row(`${m.label}: status answer`, summarize(answerTimes(m, responses))),
    ),
  );
  note('Order: bare Bolt (A then B), then finsync (A then B), each with its own warm-up. Requests are');
  note('pre-signed; http.Agent keep-alive (≤ 64 sockets); 127.0.0.1 only. The Slack emulator (auth.test,');
  note('response_url) and the B generator run in child processes. finsync holds 50 connections, 1,000 runs,');
  note('50,000 records and 10 Agenda schedules; LOG_LEVEL=info, written to a discarding stream.');
  note('In A, the ack is read only when the app yields the event loop, i.e. after the status work that');
  note('follows ack() in the same tick; B shows when the ack really arrives. Goals are judged on both.');
}
