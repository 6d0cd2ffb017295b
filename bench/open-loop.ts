/**
 * An open-loop HTTP load generator for signed slash commands (or Home-tab opens): request i is due at t0 + i/rate whatever
 * happened to the ones before it, and its latency is counted from that scheduled time, so a stall is
 * charged to every request that should have been sent during it (no coordinated omission). Requests are
 * built and signed before the clock starts. Used in-process and from bench/load-generator-child.ts.
 */
import http from 'node:http';
import { signSlackRequest } from '../src/sandbox/slack-requests.ts';
import { sleep } from './common.ts';

export interface LoadSpec {
  readonly label: string;
  readonly port: number;
  readonly signingSecret: string;
  /** Response URLs are `${responseBase}${id}`. */
  readonly responseBase: string;
  readonly text: string;
  /**
   * `command` (default): `/finsync <text>`. `home`: an Events API `app_home_opened` from a user of its own
   * per request (`homeUser(id)`), so each Home publish can be matched to its request.
   */
  readonly kind?: 'command' | 'home';
  readonly rate: number;
  readonly warmupMs: number;
  readonly durationMs: number;
  readonly requestTimeoutMs: number;
}

/** Per measured request (warm-up excluded), all serializable so a child process can send them back. */
export interface LoadSamples {
  readonly ids: string[];
  /** Epoch ms of the scheduled send. */
  readonly scheduledEpochMs: number[];
  /** From scheduled send to end of response; NaN when the request failed. */
  readonly corrected: number[];
  /** From actual send to end of response; NaN when the request failed. */
  readonly raw: number[];
  /** Actual send minus scheduled send. */
  readonly sendLag: number[];
  readonly statuses: Record<string, number>;
  /** Measured requests divided by the time from the first measured schedule to the last response. */
  readonly achievedRate: number;
}

function slashCommand(spec: LoadSpec, id: string) {
  const body = new URLSearchParams({
    token: 'verification-token-unused',
    team_id: 'T0EMULATED',
    team_domain: 'emulated',
    channel_id: 'C0GENERAL',
    channel_name: 'general',
    user_id: 'U0TESTER',
    user_name: 'tester',
    command: '/finsync',
    text: spec.text,
    api_app_id: 'A0EMULATED',
    is_enterprise_install: 'false',
    response_url: `${spec.responseBase}${encodeURIComponent(id)}`,
    trigger_id: `${Date.now()}.1234567890.${id.replace(/\W/g, '')}`,
  }).toString();
  const headers = {
    'content-type': 'application/x-www-form-urlencoded',
    'content-length': String(Buffer.byteLength(body)),
    ...signSlackRequest(spec.signingSecret, body),
  };
  return { id, body, headers };
}

/** The Slack user id a Home-tab request `id` opens the tab as (upper-case letters and digits). */
export function homeUser(id: string): string {
  return `UH${id.toUpperCase().replace(/[^A-Z0-9]/g, '')}`;
}

function homeOpened(spec: LoadSpec, id: string) {
  const now = Math.floor(Date.now() / 1000);
  const body = JSON.stringify({
    token: 'verification-token-unused',
    team_id: 'T0EMULATED',
    api_app_id: 'A0EMULATED',
    event: {
      type: 'app_home_opened',
      user: homeUser(id),
      channel: 'D0APPHOME',
      tab: 'home',
      event_ts: `${now}.000100`,
    },
    type: 'event_callback',
    event_id: `Ev${id.toUpperCase().replace(/[^A-Z0-9]/g, '')}`,
    event_time: now,
    authorizations: [
      {
        enterprise_id: null,
        team_id: 'T0EMULATED',
        user_id: 'U0BOT',
        is_bot: true,
        is_enterprise_install: false,
      },
    ],
    is_ext_shared_channel: false,
  });
  const headers = {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(body)),
    ...signSlackRequest(spec.signingSecret, body),
  };
  return { id, body, headers };
}

export async function driveOpenLoop(spec: LoadSpec): Promise<LoadSamples> {
  const interval = 1000 / spec.rate;
  const warmup = Math.round((spec.warmupMs / 1000) * spec.rate);
  const total = warmup + Math.round((spec.durationMs / 1000) * spec.rate);
  const build = spec.kind === 'home' ? homeOpened : slashCommand;
  const requests = Array.from({ length: total }, (_, i) => build(spec, `${spec.label}-${i}`));
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const scheduled = new Float64Array(total);
  const sent = new Float64Array(total);
  const ended = new Float64Array(total).fill(Number.NaN);
  const status: string[] = new Array(total).fill('pending');
  let finished = 0;
  let allDone!: () => void;
  const done = new Promise<void>((resolve) => {
    allDone = resolve;
  });
  const complete = (i: number, outcome: string) => {
    if (status[i] !== 'pending') return;
    ended[i] = performance.now();
    status[i] = outcome;
    if (++finished === total) allDone();
  };
  const send = (i: number) => {
    const request = requests[i]!;
    sent[i] = performance.now();
    const req = http.request(
      {
        agent,
        host: '127.0.0.1',
        port: spec.port,
        path: '/slack/events',
        method: 'POST',
        headers: request.headers,
      },
      (res) => {
        res.resume();
        res.on('end', () => complete(i, String(res.statusCode)));
        res.on('error', () => complete(i, 'error'));
      },
    );
    req.setTimeout(spec.requestTimeoutMs, () => {
      complete(i, 'timeout');
      req.destroy();
    });
    req.on('error', () => complete(i, 'error'));
    req.end(request.body);
  };

  const t0 = performance.now() + 20;
  for (let i = 0; i < total; i++) scheduled[i] = t0 + i * interval;
  let next = 0;
  const tick = () => {
    const now = performance.now();
    while (next < total && scheduled[next]! <= now) send(next++);
    if (next < total) setTimeout(tick, Math.max(0, scheduled[next]! - performance.now()));
  };
  setTimeout(tick, 20);
  // Bounded: every request has its own timeout; this is a backstop.
  await Promise.race([done, sleep(spec.warmupMs + spec.durationMs + spec.requestTimeoutMs + 5_000)]);
  agent.destroy();

  const samples: LoadSamples = {
    ids: [],
    scheduledEpochMs: [],
    corrected: [],
    raw: [],
    sendLag: [],
    statuses: {},
    achievedRate: 0,
  };
  let lastEnd = scheduled[warmup]!;
  for (let i = warmup; i < total; i++) {
    const ok = status[i] === '200';
    samples.ids.push(requests[i]!.id);
    samples.scheduledEpochMs.push(performance.timeOrigin + scheduled[i]!);
    samples.statuses[status[i]!] = (samples.statuses[status[i]!] ?? 0) + 1;
    samples.sendLag.push(sent[i]! - scheduled[i]!);
    samples.corrected.push(ok ? ended[i]! - scheduled[i]! : Number.NaN);
    samples.raw.push(ok ? ended[i]! - sent[i]! : Number.NaN);
    if (Number.isFinite(ended[i]!)) lastEnd = Math.max(lastEnd, ended[i]!);
  }
  return { ...samples, achievedRate: (total - warmup) / ((lastEnd - scheduled[warmup]!) / 1000) };
}

/** The finite values (requests that were answered 200). */
export const okValues = (values: readonly number[]): number[] => values.filter(Number.isFinite);
