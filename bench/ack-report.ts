/** The tables of the ack-latency benchmark. */
import {
  CONNECTIONS,
  DURATION_MS,
  GOAL_P99_MS,
  GOAL_RATIO,
  HISTORY_RUNS_PER_CONNECTION,
  RATE,
  RUNS_PER_CONNECTION,
  WARMUP_MS,
} from './ack-settings.ts';
import { fmtInt, fmtMs, fmtRatio, note, printTable, type Summary, summarize, verdict } from './common.ts';
import type { LoadSamples } from './open-loop.ts';

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

function latencyTable(title: string, bare: Measured, finsync: Measured): void {
  const ratio = (pick: (s: Summary) => number) => pick(finsync.corrected) / pick(bare.corrected);
  printTable(
    title,
    ['app', 'acks', 'p50', 'p95', 'p99', 'max', 'goal'],
    [
      row('bare Bolt', bare.corrected),
      row(
        'finsync /finsync status',
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
  statusTimes: readonly (readonly [number, number])[],
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
    'Where it goes: finsync.status() alone (store queries + report, no HTTP), mean of 20 calls, by run history',
    ['runs stored', 'status()', 'CPU at 100 req/s'],
    statusTimes.map(([n, ms]) => [fmtInt(n), fmtMs(ms), `${((ms * RATE) / 10).toFixed(0)}% of one core`]),
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
