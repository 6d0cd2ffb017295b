/**
 * An incident world for tests: a real embedded store, the real outbox delivering to the Slack emulator at
 * a scaled-down pace, the real routing and IncidentService, and a clock the test moves. Runs are fed in as
 * the engine would end them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { IncidentService } from '../../src/incidents/incident-service.ts';
import { type AlertPolicy, DEFAULT_ALERT_POLICY } from '../../src/incidents/types.ts';
import { silentLogger } from '../../src/log.ts';
import { Outbox, outboxWebClient } from '../../src/notify/outbox.ts';
import { AlertRouting } from '../../src/notify/routing.ts';
import { type SlackEmulator, startSlackEmulator } from '../../src/sandbox/slack-emulator.ts';
import { openStore } from '../../src/store/open-store.ts';
import type { RunStatus, Store, SyncRun } from '../../src/store/types.ts';
import { connection } from '../digest/factories.ts';
import { quietSlackLogger } from '../helpers/quiet-slack-logger.ts';

export const TOKEN = 'xoxb-incident-test';
export const ALERTS = 'CALERTS01';
export const OWNER = 'UOWNER0001';

export interface IncidentWorld {
  readonly slack: SlackEmulator;
  readonly store: Store;
  readonly outbox: Outbox;
  readonly routing: AlertRouting;
  readonly incidents: IncidentService;
  readonly dir: string;
  /** The test's clock (ms). */
  clock: number;
  /** Ends one run of `connection` at the clock (then moves it 10 minutes on) and hands it to the service. */
  run(status: RunStatus, errorClass?: string, connection?: string, message?: string): Promise<SyncRun>;
  /** Waits until the outbox has delivered (or failed) everything queued. */
  settle(): Promise<void>;
  /** Stops the outbox and store (the emulator keeps running unless `all`). */
  close(all?: boolean): Promise<void>;
}

export interface WorldOptions {
  readonly slack?: SlackEmulator;
  readonly dir?: string;
  readonly policy?: AlertPolicy;
  readonly paceMs?: number;
  readonly connections?: readonly string[];
  readonly start?: number;
}

export async function incidentWorld(options: WorldOptions = {}): Promise<IncidentWorld> {
  const slack = options.slack ?? (await startSlackEmulator({ botToken: TOKEN }));
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'finsync-incidents-'));
  const store = await openStore({ dataDir: dir, mongodbUri: undefined });
  for (const name of options.connections ?? ['stripe']) {
    if (!(await store.getConnection(name)))
      await store.createConnection(connection(name, { createdBy: OWNER }));
  }
  const outbox = new Outbox({
    queue: store.outbox,
    client: outboxWebClient(TOKEN, { slackApiUrl: slack.url, logger: quietSlackLogger }),
    log: silentLogger(),
    paceMs: options.paceMs ?? 5,
    retry: { attempts: 4, baseDelayMs: 5, maxDelayMs: 20 },
  });
  outbox.start();
  let seq = 0;
  const world: IncidentWorld = {
    slack,
    store,
    outbox,
    dir,
    clock: options.start ?? Date.parse('2026-03-02T09:00:00Z'),
    routing: undefined as unknown as AlertRouting,
    incidents: undefined as unknown as IncidentService,
    async run(status, errorClass, name = 'stripe', message = 'Stripe answered 503 Service Unavailable') {
      const startedAt = new Date(world.clock).toISOString();
      const endedAt = new Date(world.clock + 1_000).toISOString();
      const run: SyncRun = {
        id: `run-${++seq}-${world.clock}`,
        connection: name,
        trigger: 'schedule',
        triggeredBy: null,
        startedAt,
        endedAt,
        status,
        streams: {},
        errorClass: status === 'failed' ? (errorClass ?? 'transient') : null,
        errorMessage: status === 'failed' ? message : null,
        skipped: [],
      };
      await store.startRun({ ...run, status: 'running', endedAt: null });
      await store.updateRun(run.id, {
        status,
        endedAt,
        errorClass: run.errorClass,
        errorMessage: run.errorMessage,
      });
      world.clock += 10 * 60_000;
      await world.incidents.onRunEnded(run);
      return run;
    },
    async settle() {
      await world.incidents.drain();
      for (let i = 0; i < 500; i++) {
        const counts = await outbox.counts();
        if (counts.pending === 0 && counts.sending === 0) return;
        await sleep(10);
      }
      throw new Error(`outbox did not settle: ${JSON.stringify(await outbox.counts())}`);
    },
    async close(all = false) {
      await outbox.stop();
      await store.close();
      if (all) {
        if (!options.slack) await slack.close();
        if (!options.dir) rmSync(dir, { recursive: true, force: true });
      }
    },
  };
  const now = () => new Date(world.clock);
  const routing = new AlertRouting(
    store,
    { alertChannel: ALERTS, digestChannel: undefined, digestTime: '08:00' },
    now,
  );
  Object.assign(world, {
    routing,
    incidents: new IncidentService({
      store,
      incidents: store.incidents,
      outbox,
      routing,
      providerName: (p) => (p === 'stripe' ? 'Stripe' : p),
      policy: options.policy ?? DEFAULT_ALERT_POLICY,
      log: silentLogger(),
      now,
      admins: ['UADMIN0001'],
    }),
  });
  return world;
}

/** Top-level posts in a channel (broadcast replies excluded). */
export function parents(world: IncidentWorld, channel = ALERTS) {
  return world.slack.topLevelMessages(channel).filter((m) => !m.replyBroadcast);
}
