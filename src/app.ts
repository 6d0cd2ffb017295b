/**
 * The composition root of the Slack app: the core (store, services, scheduler) plus Bolt over HTTP.
 * main.ts, the sandbox and the tests all build the app here, so they run the same code.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { App, HTTPReceiver } from '@slack/bolt';
import { type Config, settingsOfProvider } from './config.ts';
import { connectRoutes } from './connect/routes.ts';
import { type Core, type CoreOptions, createCore } from './core.ts';
import { lightFetch } from './light-fetch.ts';
import { createLogger, type Logger } from './log.ts';
import { section } from './messages/blocks.ts';
import { cashHomeLine } from './messages/cash.ts';
import { resultModal } from './messages/notice-modal.ts';
import { paymentRequestLine } from './messages/payment-request.ts';
import { alertRouteText, digestRouteText } from './messages/routing.ts';
import { SyncGroupReporter } from './notify/sync-group-reporter.ts';
import { postJson, syncReporter } from './notify/sync-reporter.ts';
import type { Sleep } from './retry.ts';
import { AlertSettings } from './services/alert-settings.ts';
import type { CashReport } from './services/cash.ts';
import type { DebounceOptions, Finsync } from './services/finsync.ts';
import type { LinkSession } from './services/link-sessions.ts';
import { boltLogger } from './slack/bolt-logger.ts';
import { homePublisher } from './slack/home.ts';
import { registerListeners } from './slack/register.ts';
import { checkSlack } from './slack/slack-check.ts';
import type { Store } from './store/types.ts';
import { providerWebhooks, webhookProviders } from './webhooks/provider-webhooks.ts';

export interface AppOptions {
  /** Hold HTTP answers until handlers finish (deterministic tests). */
  readonly processBeforeResponse?: boolean;
  readonly logStream?: NodeJS.WritableStream;
  readonly schedulerPollMs?: number;
  readonly schedulerLockMs?: number;
  /** Injected waits for connector retries (tests). */
  readonly sleep?: Sleep;
  /** How webhook-triggered syncs are debounced (default WEBHOOK_DEBOUNCE: 5 s, at most 60 s). */
  readonly webhookDebounce?: DebounceOptions;
  /** The outbox's per-channel pace and retries (tests scale Slack's 1 s down). */
  readonly outbox?: CoreOptions['outbox'];
  /** How often snooze expiries and due digests are checked (default 30 s). */
  readonly tickMs?: number;
  /** The clock of incidents and digests (tests move it). */
  readonly now?: () => Date;
}

export interface FinsyncApp {
  readonly config: Config;
  readonly log: Logger;
  readonly core: Core;
  readonly store: Store;
  readonly finsync: Finsync;
  readonly bolt: App;
  /** Starts HTTP and the scheduler; resolves with the bound port. */
  start(): Promise<number>;
  /** Graceful: stop HTTP and taking jobs, let running syncs reach a committed page, close the store. */
  stop(): Promise<void>;
}

export async function createApp(config: Config, options: AppOptions = {}): Promise<FinsyncApp> {
  const log = createLogger({
    level: config.logLevel,
    ...(options.logStream ? { stream: options.logStream } : {}),
  });
  const handOffRoutes = connectRoutes(() => ({
    connect: core.connect,
    log,
    notify: (session, title, text) => tellConnectResult(session, title, text),
  }));
  const receiver = new HTTPReceiver({
    signingSecret: config.slack.signingSecret,
    processBeforeResponse: options.processBeforeResponse ?? false,
    logger: boltLogger(log),
    // Slack's payloads are small; refuse anything larger instead of buffering it.
    bodyLimit: 1024 * 1024,
    customRoutes: [
      // Browser hand-offs of the connect flow (OAuth callbacks, link pages), derived from the registry.
      ...handOffRoutes,
      // Provider webhooks: each route reads and verifies the raw body itself (signatures cover exact bytes).
      ...webhookProviders().map((provider) => ({
        path: `/webhooks/${provider}`,
        method: ['POST'],
        handler: (req: IncomingMessage, res: ServerResponse) => webhookRoutes.get(provider)!(req, res),
      })),
      {
        path: '/healthz',
        method: ['GET'],
        // Anyone can call it: the answer is the status only; where the data lives and why it failed go to the log.
        handler: (_req, res) => {
          const answer = (ok: boolean) => {
            res.writeHead(ok ? 200 : 503, {
              'content-type': 'application/json',
              'cache-control': 'no-store',
            });
            res.end(JSON.stringify({ ok }));
          };
          core.store.health().then(
            (health) => {
              if (!health.ok) log.error('health check failed: the store is not usable', { ...health });
              answer(health.ok);
            },
            (error: unknown) => {
              log.error('health check failed: the store did not answer', { error: String(error) });
              answer(false);
            },
          );
        },
      },
    ],
  });
  const bolt = new App({
    token: config.slack.botToken,
    receiver,
    logger: boltLogger(log),
    deferInitialization: true,
    // finsync keeps no per-conversation state; Bolt's in-memory conversation store would run on every request.
    convoStore: false,
    // Both Bolt's respond() and the WebClient call it: one response_url post or API call per request.
    clientOptions: { slackApiUrl: config.slack.apiUrl, fetch: lightFetch },
  });
  // A `sync all`'s jobs report to the group's one message (built once the core, which holds the groups, is).
  let groupReporter: SyncGroupReporter | undefined;
  const core: Core = await createCore(config, {
    log,
    groupMembers: async (group) =>
      (await bolt.client.usergroups.users.list({ usergroup: group })).users ?? [],
    ...(options.schedulerPollMs ? { schedulerPollMs: options.schedulerPollMs } : {}),
    ...(options.schedulerLockMs ? { schedulerLockMs: options.schedulerLockMs } : {}),
    ...(options.sleep ? { sleep: options.sleep } : {}),
    ...(options.outbox ? { outbox: options.outbox } : {}),
    ...(options.now ? { now: options.now } : {}),
    // Jobs asked for in Slack answer where they were asked; the lifecycle (core.jobs) does the rest.
    reporterFor: (job) =>
      job.notify.kind === 'none'
        ? undefined
        : job.group && job.notify.kind === 'response_url'
          ? groupReporter!.reporter(job, job.group, job.notify.url)
          : syncReporter(
              { log, postToResponseUrl: postJson, refreshHome: (userId) => publishHome(bolt.client, userId) },
              job.notify,
              job.connection,
            ),
  });
  groupReporter = new SyncGroupReporter({ groups: core.finsync.groups, log, postToResponseUrl: postJson });
  // The cash line is the same text for as long as homeReport hands back the same (kept) report.
  const cashLines = new WeakMap<CashReport, string>();
  const publishHome = homePublisher(
    core.finsync,
    log,
    async () => {
      const [alerts, digest, lastAlert, lastDigest] = await Promise.all([
        core.routing.alertRoute(),
        core.routing.digestRoute(),
        core.outbox.lastDelivered('alert:'),
        core.outbox.lastDelivered('digest:'),
      ]);
      return {
        alerts: alertRouteText(alerts),
        digest: digestRouteText(digest),
        lastAlertAt: lastAlert?.deliveredAt ?? null,
        lastDigestAt: lastDigest?.deliveredAt ?? null,
      };
    },
    async (userId) => {
      const today = await core.cash.homeReport(userId);
      if (!today) return null;
      const kept = cashLines.get(today);
      if (kept !== undefined) return kept;
      const line = cashHomeLine(today);
      cashLines.set(today, line);
      return line;
    },
    async (userId) => {
      if (!(await core.payments.mayRequest(userId))) return null;
      return (await core.payments.list(userId, 'open', 20)).map(paymentRequestLine);
    },
  );
  if (options.webhookDebounce) core.finsync.webhookDebounce = options.webhookDebounce;
  const webhookRoutes = providerWebhooks({
    log,
    store: core.store,
    finsync: core.finsync,
    settingsOf: (provider) => settingsOfProvider(config, provider),
    connectorContext: (provider) => core.finsync.deps.connectorContext(provider),
    onStripeCheckout: (connection, event) => core.payments.onCheckoutEvent(connection, event),
  });
  /** A DM (the app's Messages tab) through the outbox: kept across restarts, paced, never sent twice. */
  const directMessage = (userId: string, text: string) =>
    core.outbox.enqueue({
      key: `dm:${userId}:${randomUUID()}`,
      channel: userId,
      method: 'chat.postMessage',
      args: { text, blocks: [section(text)] },
    });
  /** How a hand-off ended: in the connect modal that started it when there is one, else (or if it is gone) by DM. */
  const tellConnectResult = async (session: LinkSession, title: string, text: string): Promise<void> => {
    try {
      const updated =
        session.viewId !== null &&
        (await bolt.client.views
          .update({ view_id: session.viewId, view: resultModal(title, text) })
          .then(() => true)
          .catch((error: unknown) => {
            log.info('the connect modal could not be updated; sending a DM', { error: String(error) });
            return false;
          }));
      if (!updated) await directMessage(session.userId, text);
      await publishHome(bolt.client, session.userId);
    } catch (error) {
      log.warn('could not tell the person how the connect ended', {
        userId: session.userId,
        error: String(error),
      });
    }
  };
  registerListeners(bolt, {
    finsync: core.finsync,
    alertSettings: new AlertSettings(core.finsync, core.routing),
    incidents: core.incidents,
    digests: core.digests,
    cash: core.cash,
    payments: core.payments,
    outbox: core.outbox,
    log,
    replays: core.store.replays,
    publishHome,
    timezone: config.timezone,
    connect: core.connect,
    reportSyncGroup: (group, url) => groupReporter.report(group, url),
  });

  let server: Server | undefined;
  let ticker: NodeJS.Timeout | undefined;
  /** Snoozes that end and digests that fall due are checked on a timer (and once at start: a late digest). */
  const tick = async () => {
    await core.incidents.tick();
    await core.digests.tick();
    await core.payments.tick();
  };
  return {
    config,
    log,
    core,
    store: core.store,
    finsync: core.finsync,
    bolt,
    async start() {
      // Slack first, bounded: a wrong SLACK_API_URL or a refused token stops start-up in seconds, in one line.
      await checkSlack({ token: config.slack.botToken, apiUrl: config.slack.apiUrl, fetch: lightFetch });
      // Only runs whose lease lapsed: a live run of the CLI or another worker on this store is left alone.
      const orphans = await core.store.closeOrphanRuns(
        'finsync stopped while this run was in progress; the next run resumes from its last committed page',
      );
      if (orphans > 0) log.warn('closed runs left open by a previous process', { orphans });
      await bolt.init();
      server = (await bolt.start(config.port)) as Server;
      await core.scheduler.start(await core.store.listConnections());
      core.outbox.start();
      await tick();
      ticker = setInterval(() => void tick(), options.tickMs ?? 30_000);
      ticker.unref();
      const address = server.address();
      return typeof address === 'object' && address ? address.port : config.port;
    },
    async stop() {
      if (ticker) clearInterval(ticker);
      await bolt.stop().catch(() => undefined);
      await core.close();
    },
  };
}
