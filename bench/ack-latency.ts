/**
 * Slash-command ack latency: `/finsync status` against the real app in production mode
 * (`processBeforeResponse: false`) with 50 seeded connections, beside a bare Bolt App that only acks,
 * both under the same open-loop load over loopback with correctly signed requests (bench/open-loop.ts).
 *
 * Main figures: the load generator runs in this process, as asked. Because it shares the event loop with
 * the app, any synchronous work the app does right after `ack()` (finsync builds the status there) delays
 * the moment the generator *reads* the ack, even though the bytes already left. So the same load is also
 * run from a generator in a child process (cross-check): that is the latency Slack would see.
 */
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { App, HTTPReceiver, LogLevel } from '@slack/bolt';
import { createApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { Keyring } from '../src/security/crypto.ts';
import {
  type Measured,
  recordAckFigures,
  report,
  reportHistory,
  reportHome,
  type SlackResponse,
} from './ack-report.ts';
import { growHistory, seedStore } from './ack-seed.ts';
import {
  ADMIN,
  BOT_TOKEN,
  CONNECTIONS,
  DURATION_MS,
  HISTORY_RUNS_PER_CONNECTION,
  RATE,
  REQUEST_TIMEOUT_MS,
  RUNS_PER_CONNECTION,
  SIGNING_SECRET,
  STATUS_STEPS,
  WARMUP_MS,
} from './ack-settings.ts';
import { type Child, startChild } from './children.ts';
import { discardStream, heading, isMain, sleep, summarize, tempDir } from './common.ts';
import { driveOpenLoop, homeUser, type LoadSamples, type LoadSpec, okValues } from './open-loop.ts';

type Generator = 'in-process' | 'child';

async function measure(
  label: string,
  port: number,
  responseBase: string,
  generator: Generator,
  loadChild: Child<unknown>,
  kind: 'command' | 'home' = 'command',
): Promise<Measured> {
  const spec: LoadSpec = {
    label,
    port,
    signingSecret: SIGNING_SECRET,
    responseBase,
    text: 'status',
    kind,
    rate: RATE,
    warmupMs: WARMUP_MS,
    durationMs: DURATION_MS,
    requestTimeoutMs: REQUEST_TIMEOUT_MS,
  };
  const loop = monitorEventLoopDelay({ resolution: 1 });
  let cpuBefore = process.cpuUsage();
  // Event-loop delay and CPU are taken over the measured window only (after the warm-up).
  const startWindow = setTimeout(() => {
    loop.enable();
    cpuBefore = process.cpuUsage();
  }, WARMUP_MS + 20);
  const samples =
    generator === 'in-process'
      ? await driveOpenLoop(spec)
      : await loadChild.call<LoadSamples>('drive', { spec }, WARMUP_MS + DURATION_MS + 60_000);
  clearTimeout(startWindow);
  const cpu = process.cpuUsage(cpuBefore);
  loop.disable();
  return {
    label,
    samples,
    corrected: summarize(okValues(samples.corrected)),
    raw: summarize(okValues(samples.raw)),
    sendLag: summarize(samples.sendLag),
    cpuMsPerRequest: (cpu.user + cpu.system) / 1000 / samples.ids.length,
    loopDelayP99Ms: loop.percentile(99) / 1e6,
    loopDelayMaxMs: loop.max / 1e6,
  };
}

/** A bare Bolt App: same receiver type and signing secret, one listener that only acks. */
async function startBareBolt(slackApiUrl: string): Promise<{ port: number; stop(): Promise<void> }> {
  const receiver = new HTTPReceiver({
    signingSecret: SIGNING_SECRET,
    processBeforeResponse: false,
    logLevel: LogLevel.ERROR,
  });
  const app = new App({
    token: BOT_TOKEN,
    receiver,
    deferInitialization: true,
    logLevel: LogLevel.ERROR,
    clientOptions: { slackApiUrl },
  });
  app.command('/finsync', async ({ ack }) => {
    await ack();
  });
  // Bolt acks events itself; the bare app does nothing more.
  app.event('app_home_opened', async () => {});
  await app.init();
  const server = (await app.start(0)) as Server;
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    async stop() {
      await app.stop();
    },
  };
}

export async function run(): Promise<void> {
  heading('ack-latency: /finsync status ack under open-loop load, finsync vs bare Bolt');
  const slack = await startChild<{ url: string; responseBase: string }>('slack-emulator-child.ts', [
    BOT_TOKEN,
  ]);
  const loadChild = await startChild<unknown>('load-generator-child.ts');
  const data = tempDir('ack');
  try {
    const base = slack.info.responseBase;
    const bare = await startBareBolt(slack.info.url);
    const bareIn = await measure('bare-in', bare.port, base, 'in-process', loadChild);
    const bareOut = await measure('bare-out', bare.port, base, 'child', loadChild);
    const bareHome = await measure('bare-home', bare.port, base, 'child', loadChild, 'home');
    await bare.stop();

    const config = loadConfig({
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slack.info.url,
      PORT: '0',
      FINSYNC_DATA_DIR: data.path,
      FINSYNC_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      FINSYNC_ADMINS: ADMIN,
      STRIPE_API_BASE: 'http://127.0.0.1:9',
      LOG_LEVEL: 'info',
    });
    const app = await createApp(config, { processBeforeResponse: false, logStream: discardStream() });
    const seededAt = Date.now();
    await seedStore(app.store, new Keyring(config.encryption.key), seededAt);
    const port = await app.start();
    // Ten connections get a real schedule (an Agenda job) so the status shows next runs. The daily time
    // is 12 hours away: no job fires during the measurement.
    const later = new Date(Date.now() + 12 * 3_600_000);
    const at = `${String(later.getUTCHours()).padStart(2, '0')}:${String(later.getUTCMinutes()).padStart(2, '0')}`;
    for (let c = 1; c <= 10; c++) {
      const connection = `stripe-${String(c).padStart(2, '0')}`;
      await app.finsync.schedule({ connection, text: `daily ${at}`, actor: ADMIN });
    }
    await slack.call('reset');
    const finsyncIn = await measure('finsync-in', port, base, 'in-process', loadChild);
    const finsyncOut = await measure('finsync-out', port, base, 'child', loadChild);
    report(bareIn, finsyncIn, bareOut, finsyncOut, await statusResponses(slack, [finsyncIn, finsyncOut]));
    // D: the Home tab (app_home_opened → views.publish) under the same load, which reads the same report.
    const finsyncHome = await measure('finsync-home', port, base, 'child', loadChild, 'home');
    reportHome(bareHome, finsyncHome, await homePublishes(slack, finsyncHome));

    // C: the history grows; status() alone is timed at each size, the load is replayed at one of them.
    const statusTimes: [number, number, number][] = [];
    let finsyncHist: Measured | undefined;
    let per = RUNS_PER_CONNECTION;
    for (const next of STATUS_STEPS) {
      await growHistory(app.store, per, next, seededAt);
      per = next;
      statusTimes.push([CONNECTIONS * per, ...(await timeStatus(app))]);
      if (per === HISTORY_RUNS_PER_CONNECTION) {
        finsyncHist = await measure('finsync-hist', port, base, 'child', loadChild);
      }
    }
    const histResponses = finsyncHist ? await statusResponses(slack, [finsyncHist]) : [];
    await app.stop();
    if (finsyncHist) reportHistory(bareOut, finsyncOut, finsyncHist, histResponses, statusTimes);
    recordAckFigures({
      bareIn,
      finsyncIn,
      bareOut,
      finsyncOut,
      bareHome,
      finsyncHome,
      finsyncHist,
      statusTimes,
    });
  } finally {
    await loadChild.stop();
    await slack.stop();
    data.remove();
  }
}

/** The status answers go out after each ack: waits (bounded) until they all reached the Slack emulator. */
async function statusResponses(slack: Child<unknown>, runs: readonly Measured[]): Promise<SlackResponse[]> {
  const expected = new Set(runs.flatMap((m) => m.samples.ids));
  let responses: SlackResponse[] = [];
  for (let waited = 0; waited < 15_000; waited += 250) {
    responses = (await slack.call<SlackResponse[]>('responses')).filter((r) => expected.has(r.id));
    if (responses.length >= expected.size) break;
    await sleep(250);
  }
  return responses;
}

/**
 * Mean time of `finsync.status()` alone (no Slack), over 20 calls: as requests find it (the report kept
 * since the last change), and right after a change (each call preceded by a write that changes the status
 * version, so the report is built again from the store).
 */
async function timeStatus(app: {
  finsync: { status(): Promise<unknown> };
  store: { updateConnection(name: string, patch: object): Promise<unknown> };
}): Promise<[number, number]> {
  await app.finsync.status();
  let started = performance.now();
  for (let i = 0; i < 20; i++) await app.finsync.status();
  const kept = (performance.now() - started) / 20;
  let rebuilding = 0;
  for (let i = 0; i < 20; i++) {
    await app.store.updateConnection('stripe-01', {});
    started = performance.now();
    await app.finsync.status();
    rebuilding += performance.now() - started;
  }
  return [kept, rebuilding / 20];
}

/** The Home tabs published for `m`'s requests: (request id, arrival at the Slack emulator). */
async function homePublishes(slack: Child<unknown>, m: Measured): Promise<SlackResponse[]> {
  const byUser = new Map(m.samples.ids.map((id) => [homeUser(id), id]));
  let found: SlackResponse[] = [];
  for (let waited = 0; waited < 15_000; waited += 250) {
    const publishes = await slack.call<{ user: string; at: number }[]>('publishes');
    found = publishes.flatMap((p) => {
      const id = byUser.get(p.user);
      return id ? [{ id, at: p.at, ok: true, error: null }] : [];
    });
    if (found.length >= byUser.size) break;
    await sleep(250);
  }
  return found;
}

if (isMain(import.meta.url)) await run();
