/**
 * The composition root: config in, a running finsync out (store, keyring, services, scheduler, Bolt app).
 * main.ts, the sandbox and the tests all build the app here, so they run the same code.
 */
import type { Server } from 'node:http';
import { App, HTTPReceiver } from '@slack/bolt';
import type { ConnectorContext } from '../connectors/types.ts';
import type { Config } from './config.ts';
import { createLogger, type Logger } from './log.ts';
import { postJson, syncReporter } from './notify/sync-reporter.ts';
import { agendaBackend, SyncScheduler } from './scheduler/sync-scheduler.ts';
import { connectorFor } from '../connectors/registry.ts';
import { Keyring } from './security/crypto.ts';
import { Roles } from './security/roles.ts';
import { Finsync, type SyncJob } from './services/finsync.ts';
import { boltLogger } from './slack/bolt-logger.ts';
import { homePublisher } from './slack/home.ts';
import { registerListeners } from './slack/register.ts';
import { EmbeddedStore } from './store/embedded/embedded-store.ts';
import { SyncEngine } from './sync/engine.ts';
import { openCredentials } from './services/connections.ts';
import type { Sleep } from './retry.ts';

export interface AppOptions {
  /** Hold HTTP answers until handlers finish (deterministic tests). */
  readonly processBeforeResponse?: boolean;
  readonly logStream?: NodeJS.WritableStream;
  readonly schedulerPollMs?: number;
  /** Injected waits for connector retries (tests). */
  readonly sleep?: Sleep;
}

export interface FinsyncApp {
  readonly config: Config;
  readonly log: Logger;
  readonly store: EmbeddedStore;
  readonly finsync: Finsync;
  readonly engine: SyncEngine;
  readonly scheduler: SyncScheduler;
  readonly bolt: App;
  /** Starts HTTP and the scheduler; resolves with the bound port. */
  start(): Promise<number>;
  /** Graceful: stop HTTP and taking jobs, let running syncs reach a committed page, close the store. */
  stop(): Promise<void>;
}

export async function createApp(config: Config, options: AppOptions = {}): Promise<FinsyncApp> {
  const log = createLogger({ level: config.logLevel, ...(options.logStream ? { stream: options.logStream } : {}) });
  const store = await EmbeddedStore.open(config.dataDir);
  const keyring = new Keyring(config.encryption.key, [config.encryption.previousKey]);
  const shutdown = new AbortController();
  const connectorContext = (signal?: AbortSignal): ConnectorContext => ({
    settings: { stripe: config.stripe, plaid: config.plaid },
    log,
    signal: signal ?? shutdown.signal,
    ...(options.sleep ? { sleep: options.sleep } : {}),
  });
  const engine = new SyncEngine({
    store,
    log,
    connectorContext,
    streamsFor: (connection) => {
      const connector = connectorFor(connection.provider);
      if (!connector) throw new Error(`no connector for provider ${connection.provider}`);
      return connector.streams(openCredentials(keyring, connection));
    },
    ...(options.sleep ? { streamRetry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 5, sleep: options.sleep } } : {}),
  });

  const receiver = new HTTPReceiver({
    signingSecret: config.slack.signingSecret,
    processBeforeResponse: options.processBeforeResponse ?? false,
    logger: boltLogger(log),
    // Slack's payloads are small; refuse anything larger than this instead of buffering it.
    bodyLimit: 1024 * 1024,
    customRoutes: [
      {
        path: '/healthz',
        method: ['GET'],
        handler: (_req, res) => {
          void store.health().then((health) => {
            res.writeHead(health.ok ? 200 : 503, { 'content-type': 'application/json' });
            res.end(JSON.stringify({ ok: health.ok, store: health }));
          });
        },
      },
    ],
  });
  const bolt = new App({
    token: config.slack.botToken,
    receiver,
    logger: boltLogger(log),
    deferInitialization: true,
    clientOptions: { slackApiUrl: config.slack.apiUrl },
  });
  const roles = new Roles(config.admins, config.adminGroup, async (group) => {
    const result = await bolt.client.usergroups.users.list({ usergroup: group });
    return result.users ?? [];
  });

  let finsync: Finsync;
  const publishHome = homePublisher({ status: () => finsync.status(), isAdmin: (u: string) => finsync.isAdmin(u) } as Finsync, log);
  const runJob = async (job: SyncJob): Promise<void> => {
    let startedAt = new Date().toISOString();
    const reporter = syncReporter(
      { log, postToResponseUrl: postJson, refreshHome: (userId) => publishHome(bolt.client, userId) },
      job.notify,
      job.connection,
      () => startedAt,
    );
    try {
      const run = await finsync.runJob(job, (n) => reporter.progress(n), shutdown.signal);
      startedAt = run.startedAt;
      await reporter.finished(run);
    } catch (error) {
      // Already running (a second trigger raced the first): the first run reports; nothing else to do.
      log.info('sync job not run', { connection: job.connection, reason: String(error) });
    }
  };
  const scheduler = new SyncScheduler({
    backend: agendaBackend(store),
    timezone: config.timezone,
    log,
    runJob,
    ...(options.schedulerPollMs ? { processEveryMs: options.schedulerPollMs } : {}),
  });
  finsync = new Finsync({ store, keyring, roles, engine, scheduler, log, connectorContext, now: () => new Date() });
  registerListeners(bolt, { finsync, log, publishHome, timezone: config.timezone });

  let server: Server | undefined;
  return {
    config,
    log,
    store,
    finsync,
    engine,
    scheduler,
    bolt,
    async start() {
      const orphans = await store.closeOrphanRuns('finsync stopped while this run was in progress; the next run resumes from its last committed page');
      if (orphans > 0) log.warn('closed runs left open by a previous process', { orphans });
      await bolt.init();
      server = (await bolt.start(config.port)) as Server;
      await scheduler.start(await store.listConnections());
      const address = server.address();
      return typeof address === 'object' && address ? address.port : config.port;
    },
    async stop() {
      await bolt.stop().catch(() => undefined);
      shutdown.abort(new Error('finsync is shutting down'));
      await scheduler.stop();
      await engine.drain();
      await store.close();
    },
  };
}
