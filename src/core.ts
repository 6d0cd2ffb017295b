/**
 * The part of finsync that needs no Slack: store, keyring, sync engine, scheduler and services.
 * The Slack app (app.ts), the CLI and the sandbox build on it.
 */
import { connectorFor, integrationFor } from '../connectors/registry.ts';
import type { ConnectorContext, CredentialSession, Credentials } from '../connectors/types.ts';
import { type Config, settingsOfProvider } from './config.ts';
import { DigestSender } from './digest/sender.ts';
import { IncidentService } from './incidents/incident-service.ts';
import type { Logger } from './log.ts';
import { redactText, registerCredentialSecrets, registerSecret } from './log.ts';
import { deliveryFailureMessage } from './messages/delivery-failure.ts';
import { displayNames } from './notify/display-names.ts';
import { Outbox, type OutboxItem, outboxWebClient } from './notify/outbox.ts';
import { AlertRouting } from './notify/routing.ts';
import type { Sleep } from './retry.ts';
import { SyncScheduler } from './scheduler/sync-scheduler.ts';
import { Keyring } from './security/crypto.ts';
import { type GroupMembers, Roles } from './security/roles.ts';
import { CashService } from './services/cash.ts';
import { ConnectService } from './services/connect.ts';
import { openCredentials } from './services/connections.ts';
import { Finsync, type SyncJob } from './services/finsync.ts';
import { JobLifecycle, type JobReporter } from './services/job-lifecycle.ts';
import { LinkSessions } from './services/link-sessions.ts';
import { type PaymentRequestDeps, PaymentRequests } from './services/payment-requests.ts';
import { Publishing } from './services/publishing.ts';
import { openStore } from './store/open-store.ts';
import type { Connection, Store } from './store/types.ts';
import { CredentialsReplacedError, type HeldCredentials, SyncEngine } from './sync/engine.ts';

export interface CoreOptions {
  readonly log: Logger;
  readonly groupMembers: GroupMembers;
  /**
   * How a queued job is shown (the Slack app reports to whoever asked); none: nothing is shown. Every job,
   * queued or run by the CLI in-process, goes through the one lifecycle (`Core.jobs`).
   */
  readonly reporterFor?: (job: SyncJob) => JobReporter | undefined;
  readonly schedulerPollMs?: number;
  /** Agenda's lock lifetime; tests use a short one so no keep-alive timer outlives them. */
  readonly schedulerLockMs?: number;
  readonly sleep?: Sleep;
  /** The outbox's per-channel pace and retries (tests scale them down). */
  readonly outbox?: {
    readonly paceMs?: number;
    readonly retry?: { attempts: number; baseDelayMs: number; maxDelayMs: number };
  };
  /** The clock of incidents, routing and digests (tests move it). */
  readonly now?: () => Date;
  /** Test seam of payment requests: a crash point right after Stripe answered (services/payment-requests.ts). */
  readonly afterStripeAnswer?: PaymentRequestDeps['afterStripeAnswer'];
}

export interface Core {
  readonly config: Config;
  readonly log: Logger;
  readonly store: Store;
  readonly keyring: Keyring;
  readonly engine: SyncEngine;
  readonly scheduler: SyncScheduler;
  readonly finsync: Finsync;
  /** Runs a job, then reports, publishes and updates incidents: the one path of every trigger. */
  readonly jobs: JobLifecycle;
  /** The connect use case: plans for Slack, the CLI and the sandbox, and the browser hand-offs. */
  readonly connect: ConnectService;
  /** Every message to Slack (alerts, digests, DMs) goes through it; only the app starts its sender. */
  readonly outbox: Outbox;
  readonly routing: AlertRouting;
  readonly incidents: IncidentService;
  readonly digests: DigestSender;
  /** `cash`: the period's money per system and currency, and live balances. */
  readonly cash: CashService;
  /** Payment requests through Stripe Payment Links (`/finsync request`). */
  readonly payments: PaymentRequests;
  /** Aborted at shutdown: running syncs stop after their current page commits. */
  readonly shutdown: AbortController;
  close(): Promise<void>;
}

export async function createCore(config: Config, options: CoreOptions): Promise<Core> {
  const { log } = options;
  // Secret settings (declared secret by the core or a provider) are cut out of every log line, wherever they
  // might appear; the keys also in their canonical base64.
  for (const secret of [
    ...config.secrets,
    config.encryption.key.toString('base64'),
    config.encryption.newKey?.toString('base64'),
    config.encryption.previousKey?.toString('base64'),
  ]) {
    registerSecret(secret);
  }
  const store = await openStore(config);
  // Seals with the current key; opens with any configured one, so a rotation can run while the app does.
  const keyring = new Keyring(config.encryption.key, [
    config.encryption.previousKey,
    config.encryption.newKey,
  ]);
  const shutdown = new AbortController();
  /** The context of one provider's connector calls: its own settings, never another provider's. */
  const connectorContext = (provider: string, signal?: AbortSignal): ConnectorContext => ({
    settings: settingsOfProvider(config, provider),
    log,
    signal: signal ?? shutdown.signal,
    ...(options.sleep ? { sleep: options.sleep } : {}),
  });
  /**
   * Where a connector saves credentials it rotated (OAuth refresh tokens): sealed and stored before the
   * connector uses them, in place of the ones `held` names only, so a reconnect's credentials stored meanwhile
   * (in any process) are never overwritten. Used by sync runs and by live balances (`/finsync cash`).
   */
  const credentialSession = (connection: Connection, held: HeldCredentials): CredentialSession => ({
    save: async (next: Credentials) => {
      registerCredentialSecrets(next);
      const sealed = keyring.seal(JSON.stringify(next), `connection:${connection.name}`);
      let replaced = false;
      await store.modifyConnection(connection.name, (now) => {
        replaced = now.credentials.data !== held.data;
        return replaced ? null : { credentials: sealed };
      });
      if (replaced) throw new CredentialsReplacedError();
      held.data = sealed.data;
    },
    reload: async () => {
      const stored = await store.getConnection(connection.name);
      if (!stored || stored.credentials.data === held.data) return null;
      held.data = stored.credentials.data;
      return openCredentials(keyring, stored);
    },
  });
  const engine = new SyncEngine({
    store,
    log,
    connectorContext,
    streamsFor: (connection, held) => {
      const connector = connectorFor(connection.provider);
      if (!connector) throw new Error(`no connector for provider ${connection.provider}`);
      return connector.streams(openCredentials(keyring, connection), credentialSession(connection, held));
    },
    ...(options.sleep
      ? { streamRetry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 5, sleep: options.sleep } }
      : {}),
  });
  // The scheduler calls back into the core, which exists only once everything is built.
  let core: Core | undefined;
  const scheduler = new SyncScheduler({
    backend: store.jobs.agendaBackend(),
    timezone: config.timezone,
    log,
    runJob: async (job) => {
      await core!.jobs.run(job, options.reporterFor?.(job));
    },
    ...(options.schedulerPollMs ? { processEveryMs: options.schedulerPollMs } : {}),
    ...(options.schedulerLockMs ? { lockLifetimeMs: options.schedulerLockMs } : {}),
  });
  const roles = new Roles(config.admins, config.adminGroup, options.groupMembers, {
    moneyViewersGroup: config.moneyViewersGroup,
  });
  const now = options.now ?? (() => new Date());
  const slackClient = outboxWebClient(config.slack.botToken, { slackApiUrl: config.slack.apiUrl });
  const outbox = new Outbox({
    queue: store.outbox,
    client: slackClient,
    log,
    ...(options.outbox?.paceMs !== undefined ? { paceMs: options.outbox.paceMs } : {}),
    ...(options.outbox?.retry ? { retry: options.outbox.retry } : {}),
    onPersistentFailure: (item) => reportDeliveryFailure(item),
  });
  const routing = new AlertRouting(store, config, now);
  const incidents = new IncidentService({
    store,
    incidents: store.incidents,
    outbox,
    routing,
    providerName: (provider) => integrationFor(provider)?.displayName ?? provider,
    policy: config.alertPolicy,
    log,
    now,
    admins: config.admins,
  });
  /**
   * A message that failed for good is reported to each admin by DM, at most once an hour per channel and
   * error, and never for a report itself (no loop when DMs fail too).
   */
  const reportDeliveryFailure = async (item: OutboxItem): Promise<void> => {
    // A message that failed because the one it refers to failed (an update of a post that never landed)
    // is a consequence: the first failure was reported.
    if (item.key.startsWith('ops:') || item.error?.startsWith('dependency_failed')) return;
    const hour = now().toISOString().slice(0, 13);
    const error = (item.error ?? 'failed').split(',')[0]!.slice(0, 60);
    for (const admin of config.admins) {
      const message = deliveryFailureMessage(item, error);
      await outbox.enqueue({
        key: `ops:delivery-failure:${item.channel}:${error}:${hour}:${admin}`,
        channel: admin,
        method: 'chat.postMessage',
        args: { text: message.text, blocks: message.blocks },
      });
    }
  };
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
    now,
    onDisconnected: (connection) => incidents.onDisconnected(connection),
  });
  const jobs = new JobLifecycle({
    store,
    finsync,
    publishing,
    log,
    onRunEnded: async (run) => {
      await incidents.onRunEnded(run);
      // The next sync of a Stripe account also asks whether open payment links were paid: no webhook needed.
      if (run.status !== 'success' && run.status !== 'partial') return;
      if ((await store.getConnection(run.connection))?.provider !== 'stripe') return;
      await payments.reconcile().catch((error: unknown) =>
        log.warn('payment requests: the check after a Stripe sync failed', {
          error: redactText(String(error)),
        }),
      );
    },
    signal: shutdown.signal,
    // Run records keep real time, as the engine's and the publishes' do (`now` is the incidents' clock).
    now: () => new Date(),
  });
  const connect = new ConnectService({
    finsync,
    sessions: new LinkSessions(store.linkSessions),
    publicUrl: config.publicUrl,
    log,
  });
  const digests = new DigestSender({
    routing,
    outbox,
    compute: (day) => finsync.digest(config.timezone, day),
    openIncident: (connection) => incidents.open(connection),
    permalink: async (channel, ts) =>
      (await slackClient.chat.getPermalink({ channel, message_ts: ts })).permalink ?? null,
    displayNames: (ids) => displayNames(slackClient, ids),
    timezone: config.timezone,
    now,
    log,
  });
  const cash = new CashService({
    store,
    roles,
    timezone: config.timezone,
    now,
    audit: (entry) => finsync.audit(entry),
    credentialsOf: (connection) => finsync.credentialsOf(connection),
    sessionFor: (connection) => credentialSession(connection, { data: connection.credentials.data }),
    connectorContext,
  });
  const payments = new PaymentRequests({
    store,
    outbox,
    settings: config.payments,
    admins: config.admins,
    isAdmin: (userId) => roles.isAdmin(userId),
    requireAdmin: (userId, action, connection) => finsync.requireAdmin(userId, action, connection),
    audit: (entry) => finsync.audit(entry),
    credentialsOf: (connection) => finsync.credentialsOf(connection),
    connectorContext: (provider) => connectorContext(provider),
    log,
    now,
    ...(options.afterStripeAnswer ? { afterStripeAnswer: options.afterStripeAnswer } : {}),
  });
  core = {
    config,
    log,
    store,
    keyring,
    engine,
    scheduler,
    finsync,
    jobs,
    connect,
    outbox,
    routing,
    incidents,
    digests,
    cash,
    payments,
    shutdown,
    async close() {
      shutdown.abort(new Error('finsync is shutting down'));
      await scheduler.stop();
      // The jobs (their syncs, then their reports and publishes), and runs started outside a job (tests).
      await jobs.drain();
      await engine.drain();
      await incidents.drain();
      await outbox.stop();
      await store.close();
    },
  };
  return core;
}
