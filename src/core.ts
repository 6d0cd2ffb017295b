/**
 * The part of finsync that needs no Slack: store, keyring, sync engine, scheduler and services.
 * The Slack app (app.ts), the CLI and the sandbox build on it.
 */
import { connectorFor } from '../connectors/registry.ts';
import type { ConnectorContext, Credentials } from '../connectors/types.ts';
import { type Config, providerSettings } from './config.ts';
import type { Logger } from './log.ts';
import { registerCredentialSecrets, registerSecret } from './log.ts';
import type { Sleep } from './retry.ts';
import { agendaBackend, SyncScheduler } from './scheduler/sync-scheduler.ts';
import { Keyring } from './security/crypto.ts';
import { type GroupMembers, Roles } from './security/roles.ts';
import { openCredentials } from './services/connections.ts';
import { Finsync, type SyncJob } from './services/finsync.ts';
import { Publishing } from './services/publishing.ts';
import { EmbeddedStore } from './store/embedded/embedded-store.ts';
import { SyncEngine } from './sync/engine.ts';

export interface CoreOptions {
  readonly log: Logger;
  readonly groupMembers: GroupMembers;
  /** What a queued sync job does (the Slack app reports progress; the CLI just runs it). */
  readonly runJob: (core: Core, job: SyncJob) => Promise<void>;
  readonly schedulerPollMs?: number;
  /** Agenda's lock lifetime; tests use a short one so no keep-alive timer outlives them. */
  readonly schedulerLockMs?: number;
  readonly sleep?: Sleep;
}

export interface Core {
  readonly config: Config;
  readonly log: Logger;
  readonly store: EmbeddedStore;
  readonly keyring: Keyring;
  readonly engine: SyncEngine;
  readonly scheduler: SyncScheduler;
  readonly finsync: Finsync;
  /** Aborted at shutdown: running syncs stop after their current page commits. */
  readonly shutdown: AbortController;
  close(): Promise<void>;
}

export async function createCore(config: Config, options: CoreOptions): Promise<Core> {
  const { log } = options;
  // Secret settings are cut out of every log line, wherever they might appear.
  for (const secret of [
    config.slack.botToken,
    config.slack.signingSecret,
    config.encryption.key.toString('base64'),
    config.encryption.newKey?.toString('base64'),
    config.encryption.previousKey?.toString('base64'),
    config.plaid.secret,
    config.quickbooks.clientSecret,
    config.quickbooks.webhookVerifier,
  ]) {
    registerSecret(secret);
  }
  const store = await EmbeddedStore.open(config.dataDir);
  // Seals with the current key; opens with any configured one, so a rotation can run while the app does.
  const keyring = new Keyring(config.encryption.key, [
    config.encryption.previousKey,
    config.encryption.newKey,
  ]);
  const shutdown = new AbortController();
  const connectorContext = (signal?: AbortSignal): ConnectorContext => ({
    settings: providerSettings(config),
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
      // Rotated credentials (OAuth refresh tokens) are sealed and stored before the connector uses them.
      const session = {
        save: async (next: Credentials) => {
          registerCredentialSecrets(next);
          await store.updateConnection(connection.name, {
            credentials: keyring.seal(JSON.stringify(next), `connection:${connection.name}`),
          });
        },
      };
      return connector.streams(openCredentials(keyring, connection), session);
    },
    ...(options.sleep
      ? { streamRetry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 5, sleep: options.sleep } }
      : {}),
  });
  // The scheduler calls back into the core, which exists only once everything is built.
  let core: Core | undefined;
  const scheduler = new SyncScheduler({
    backend: agendaBackend(store),
    timezone: config.timezone,
    log,
    runJob: (job) => options.runJob(core!, job),
    ...(options.schedulerPollMs ? { processEveryMs: options.schedulerPollMs } : {}),
    ...(options.schedulerLockMs ? { lockLifetimeMs: options.schedulerLockMs } : {}),
  });
  const roles = new Roles(config.admins, config.adminGroup, options.groupMembers);
  const publishing = new Publishing({
    store,
    log,
    credentialsOf: (connection) => openCredentials(keyring, connection),
    connectorContext,
    now: () => new Date(),
  });
  const finsync = new Finsync({
    store,
    keyring,
    roles,
    engine,
    publishing,
    scheduler,
    log,
    connectorContext,
    now: () => new Date(),
  });
  core = {
    config,
    log,
    store,
    keyring,
    engine,
    scheduler,
    finsync,
    shutdown,
    async close() {
      shutdown.abort(new Error('finsync is shutting down'));
      await scheduler.stop();
      await engine.drain();
      await store.close();
    },
  };
  return core;
}
