/**
 * A DigestSender as the app wires it, for the sender tests: the real AlertRouting over the embedded store in
 * a temp dir, the real Outbox on that store's database posting to the local Slack emulator (20 ms pace),
 * the real digest computation, and a clock the test moves by hand. `restart` closes everything and boots
 * again on the same data dir, as a process restart would.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { computeDigest } from '../../src/digest/compute.ts';
import { DigestSender } from '../../src/digest/sender.ts';
import { silentLogger } from '../../src/log.ts';
import { Outbox, outboxWebClient } from '../../src/notify/outbox.ts';
import { AlertRouting } from '../../src/notify/routing.ts';
import type { EmulatedMessage, SlackEmulator } from '../../src/sandbox/slack-emulator.ts';
import { statusReport } from '../../src/services/status.ts';
import { openStore } from '../../src/store/open-store.ts';
import type { Store } from '../../src/store/types.ts';
import { quietSlackLogger } from '../helpers/quiet-slack-logger.ts';

export const TOKEN = 'xoxb-digest-sender-test';
/** The controllable clock every part of the app reads. */
let clock = new Date(0);
const now = () => clock;
export function setClock(iso: string): void {
  clock = new Date(iso);
}

export interface AppOptions {
  readonly timezone: string;
  /** FINSYNC_DIGEST_CHANNEL. */
  readonly digestChannel?: string;
}

export interface App {
  readonly store: Store;
  readonly outbox: Outbox;
  readonly routing: AlertRouting;
  readonly sender: DigestSender;
  /** Sets the clock, ticks once and waits until the outbox has nothing left to send. */
  tickAt(iso: string, sender?: DigestSender): Promise<void>;
  /** Another sender on the same store, routing and outbox, for a team in another timezone. */
  senderIn(timezone: string): DigestSender;
  /** Stops this app and boots a new one on the same data dir. */
  restart(): Promise<App>;
  stop(): Promise<void>;
}

const dirs: string[] = [];
const running = new Set<App>();

export async function cleanUp(): Promise<void> {
  for (const app of [...running]) await app.stop();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export async function bootApp(emu: SlackEmulator, options: AppOptions, dataDir?: string): Promise<App> {
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), 'finsync-digest-sender-'));
  if (!dataDir) dirs.push(dir);
  const log = silentLogger();
  const store = await openStore({ dataDir: dir, mongodbUri: undefined });
  const outbox = new Outbox({
    queue: store.outbox,
    client: outboxWebClient(TOKEN, { slackApiUrl: emu.url, logger: quietSlackLogger }),
    log,
    paceMs: 20,
    retry: { attempts: 3, baseDelayMs: 20, maxDelayMs: 50 },
  });
  outbox.start();
  const routing = new AlertRouting(
    store,
    { alertChannel: undefined, digestChannel: options.digestChannel, digestTime: '08:00' },
    now,
  );
  const senderIn = (timezone: string) =>
    new DigestSender({
      routing,
      outbox,
      compute: async (day) =>
        computeDigest({
          store,
          status: await statusReport({ store, providerName: (p) => p, nextRuns: async () => new Map(), now }),
          timezone,
          now: now(),
          day,
        }),
      openIncident: async () => undefined,
      permalink: async () => null,
      displayNames: async () => new Map(),
      timezone,
      now,
      log,
    });
  const sender = senderIn(options.timezone);
  let stopped = false;
  const app: App = {
    store,
    outbox,
    routing,
    sender,
    senderIn,
    async tickAt(iso, which = sender) {
      setClock(iso);
      await which.tick();
      await drained(outbox);
    },
    async restart() {
      await app.stop();
      return bootApp(emu, options, dir);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      running.delete(app);
      await outbox.stop();
      await store.close();
    },
  };
  running.add(app);
  return app;
}

async function drained(outbox: Outbox, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const counts = await outbox.counts();
    if (counts.pending === 0 && counts.sending === 0) return;
    if (Date.now() > deadline) throw new Error(`outbox not drained: ${JSON.stringify(counts)}`);
    await sleep(5);
  }
}

/** The message as a reader sees it: top-level text and every block's text, one string. */
export function shown(message: EmulatedMessage): string {
  return `${message.text}\n${JSON.stringify(message.blocks ?? [])}`;
}

export const isLate = (message: EmulatedMessage): boolean => /Sent late/i.test(shown(message));
