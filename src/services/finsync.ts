/**
 * The use cases, the same for Slack, the CLI and the sandbox: status, connect, disconnect, sync, schedule,
 * history, audit. Every change checks the role here (one place) and leaves an audit entry.
 */

import { integrationFor } from '../../connectors/registry.ts';
import type { ConnectorContext, Credentials } from '../../connectors/types.ts';
import { computeDigest, type Digest } from '../digest/compute.ts';
import type { DigestDay } from '../digest/day.ts';
import { errorMessage, FinsyncError, ForbiddenError, RunConflictError, UserInputError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { redactText } from '../log.ts';
import type { Keyring } from '../security/crypto.ts';
import type { Roles } from '../security/roles.ts';
import {
  type AuditEntry,
  type Connection,
  describeStarter,
  type Store,
  type SyncRun,
} from '../store/types.ts';
import type { SyncEngine } from '../sync/engine.ts';
import * as connections from './connections.ts';
import type { Publishing } from './publishing.ts';
import { type StatusReport, statusReport } from './status.ts';
import { StatusCache } from './status-cache.ts';
import { SyncGroups } from './sync-groups.ts';

/** Where a sync's progress and result should be shown. */
export type NotifyTarget =
  | { readonly kind: 'response_url'; readonly url: string; readonly userId: string }
  | { readonly kind: 'home'; readonly userId: string }
  | { readonly kind: 'none' };

export interface SyncJob {
  readonly connection: string;
  readonly trigger: 'manual' | 'schedule' | 'webhook' | 'cli';
  readonly triggeredBy: string | null;
  readonly notify: NotifyTarget;
  /** Only these streams (a Plaid transactions webhook); every stream when absent. */
  readonly streams?: readonly string[];
  /** The `sync all` this job belongs to (sync-groups.ts): its progress is shown in the group's one message. */
  readonly group?: string;
}

/** How webhook-triggered syncs of one connection are merged: a quiet period, and a cap on the wait. */
export interface DebounceOptions {
  /** The run starts this long after the latest event (each new event restarts the wait)… */
  readonly debounceMs: number;
  /** …but no later than this after the first event of a burst. */
  readonly maxWaitMs: number;
}

/** A burst of provider events makes one run 5 s after it ends, and a steady stream one run a minute. */
export const WEBHOOK_DEBOUNCE: DebounceOptions = { debounceMs: 5_000, maxWaitMs: 60_000 };

export interface ScheduleResult {
  readonly description: string;
  readonly nextRunAt: Date | null;
}

/** What the services need from the scheduler (Agenda); tests and the CLI can run without one. */
export interface SchedulerPort {
  enqueue(job: SyncJob): Promise<void>;
  /**
   * Queues a run that waits for `debounceMs` of quiet (at most `maxWaitMs`), merged with the connection's
   * pending debounced job that has not started yet. A job that has started is never merged into: events
   * after a run began make a new job, so the changes they announce get a run that starts after them.
   * Optional so that test doubles need not debounce: without it a webhook sync is a plain `enqueue`.
   */
  enqueueDebounced?(job: SyncJob, options: DebounceOptions): Promise<void>;
  /** Validates and applies a schedule (null: off). Throws UserInputError with the grammar's message. */
  setSchedule(connection: string, text: string | null): Promise<ScheduleResult>;
  /** Next scheduled run of every scheduled connection, as the scheduler has stored it. */
  nextRuns(): Promise<ReadonlyMap<string, Date>>;
}

export interface FinsyncDeps {
  readonly store: Store;
  readonly keyring: Keyring;
  readonly roles: Roles;
  readonly engine: SyncEngine;
  readonly publishing: Publishing;
  readonly scheduler: SchedulerPort;
  readonly log: Logger;
  /** The context of a provider's connector calls: its own settings, the log, a signal. */
  readonly connectorContext: (provider: string, signal?: AbortSignal) => ConnectorContext;
  readonly now: () => Date;
  /** Told of every connection removed (its open incident closes); must not throw. */
  readonly onDisconnected?: (connection: string) => Promise<void>;
}

/** Where accepted sync jobs go: the scheduler (the app), or the caller's own list to run in-process (the CLI). */
export type JobQueue = Pick<SchedulerPort, 'enqueue'>;

/** What the caller of a run learns while it runs (the job lifecycle's reporter and failure bookkeeping). */
export interface RunHooks {
  /** The run's record exists (running): a failure after this ends that record instead of adding one. */
  readonly onStarted?: (run: SyncRun) => void;
  readonly onProgress?: (recordsSoFar: number, startedAt: string) => void;
}

export interface DisconnectPreview {
  readonly name: string;
  readonly providerName: string;
  readonly records: number;
  /** Where the grant is revoked on disconnect (`at Intuit`); null when the provider declares no revocation. */
  readonly revokesAt: string | null;
}

export interface DisconnectResult {
  readonly recordsDeleted: number;
  readonly revocation: connections.Revocation;
}

export type SyncStart =
  | { readonly connection: string; readonly outcome: 'queued' }
  | {
      readonly connection: string;
      readonly outcome: 'already_running';
      readonly since: string;
      /** Who started the running run, in words, when it is known (a run of any process sharing the store). */
      readonly startedBy?: string;
    };

export class Finsync {
  /** Syncs queued but not yet started, so two quick triggers make one run. */
  private readonly queued = new Map<string, string>();
  /** The debounce of webhook-triggered syncs; the app may shorten it (tests do). */
  webhookDebounce: DebounceOptions = WEBHOOK_DEBOUNCE;

  private readonly statusCache: StatusCache;
  /** The progress of each `sync all` asked for in Slack, kept in the store (sync-groups.ts). */
  readonly groups: SyncGroups;

  constructor(readonly deps: FinsyncDeps) {
    this.groups = new SyncGroups(deps.store, deps.now);
    this.statusCache = new StatusCache(
      deps.store,
      () =>
        statusReport({
          store: deps.store,
          providerName: (p) => this.providerName(p),
          nextRuns: () => deps.scheduler.nextRuns(),
          now: deps.now,
        }),
      () => deps.now(),
    );
  }

  providerName(provider: string): string {
    return integrationFor(provider)?.displayName ?? provider;
  }

  /** The report of every connection; kept between changes of the store's status version (status-cache.ts). */
  status(): Promise<StatusReport> {
    return this.statusCache.report();
  }

  isAdmin(userId: string): Promise<boolean> {
    return this.deps.roles.isAdmin(userId);
  }

  /** Throws ForbiddenError naming who can do it, and audits the refusal. */
  async requireAdmin(userId: string, action: string, connection: string | null = null): Promise<void> {
    if (await this.deps.roles.isAdmin(userId)) return;
    await this.audit({ actor: userId, action, connection, outcome: 'refused', detail: 'not an admin' });
    throw new ForbiddenError(
      `Only finsync admins can ${action}. Admins: ${this.deps.roles.describeAdmins()}.`,
    );
  }

  /** Leaves an audit entry (changes made through other services use it too). */
  async audit(entry: Omit<AuditEntry, 'at'>): Promise<void> {
    await this.deps.store.appendAudit({ ...entry, at: this.deps.now().toISOString() });
  }

  private async audited<T>(
    actor: string,
    action: string,
    connection: string | null,
    work: () => Promise<T>,
    detailOf: (result: T) => string | null = () => null,
  ): Promise<T> {
    try {
      const result = await work();
      await this.audit({ actor, action, connection, outcome: 'ok', detail: detailOf(result) });
      return result;
    } catch (error) {
      const detail =
        error instanceof FinsyncError
          ? `${error.errorClass}: ${redactText(errorMessage(error))}`
          : 'internal error';
      await this.audit({ actor, action, connection, outcome: 'failed', detail: detail.slice(0, 500) });
      throw error;
    }
  }

  proposeName(provider: string): Promise<string> {
    return connections.proposeName(this.deps.store, provider);
  }

  checkNewName(name: string): Promise<string | null> {
    return connections.checkNewName(this.deps.store, name);
  }

  async connect(request: {
    provider: string;
    name: string;
    input: Credentials;
    actor: string;
    /** Credentials from an OAuth exchange (not a form): verified whole. */
    fromOAuth?: boolean;
  }): Promise<Connection> {
    await this.requireAdmin(request.actor, 'connect systems', request.name);
    return this.audited(request.actor, `connect ${request.provider}`, request.name, () =>
      connections.connect(
        {
          store: this.deps.store,
          keyring: this.deps.keyring,
          connectorContext: (provider) => this.deps.connectorContext(provider),
          now: this.deps.now,
        },
        request,
      ),
    );
  }

  /**
   * New credentials for an existing connection (the reconnect use case's completion, connections.reconnect):
   * same account only; replaced in place, state back to active; audited.
   */
  async reconnect(request: {
    name: string;
    input: Credentials;
    actor: string;
    fromOAuth?: boolean;
  }): Promise<Connection> {
    await this.requireAdmin(request.actor, 'reconnect systems', request.name);
    return this.audited(
      request.actor,
      'reconnect',
      request.name,
      () =>
        connections.reconnect(
          {
            store: this.deps.store,
            keyring: this.deps.keyring,
            connectorContext: (provider) => this.deps.connectorContext(provider),
            now: this.deps.now,
          },
          request,
        ),
      (connection) => `new credentials for ${connection.accountLabel}`.slice(0, 500),
    );
  }

  /** What a disconnect would do, for its confirmation (admins only: it leads to a change). */
  async disconnectPreview(request: { name: string; actor: string }): Promise<DisconnectPreview> {
    await this.requireAdmin(request.actor, 'disconnect systems', request.name);
    const connection = await connections.requireConnection(this.deps.store, request.name);
    return {
      name: connection.name,
      providerName: this.providerName(connection.provider),
      records: await this.deps.store.countRecords(connection.name),
      revokesAt: connections.revocationPlace(connection.provider),
    };
  }

  /**
   * Stops the schedule, revokes the grant at the provider when it declares how, then removes the connection.
   * Revoking first: a revoke that fails still disconnects (and says so), but a removal that fails leaves no
   * live grant behind that nobody holds.
   */
  async disconnect(request: {
    name: string;
    deleteRecords: boolean;
    actor: string;
  }): Promise<DisconnectResult> {
    await this.requireAdmin(request.actor, 'disconnect systems', request.name);
    const connection = await connections.requireConnection(this.deps.store, request.name);
    return this.audited(
      request.actor,
      request.deleteRecords ? 'disconnect and delete records' : 'disconnect',
      request.name,
      async () => {
        await this.deps.scheduler.setSchedule(request.name, null);
        const revocation = await connections.revokeCredentials(this.deps, connection);
        const removed = await this.deps.store.removeConnection(request.name, {
          deleteRecords: request.deleteRecords,
        });
        await this.deps.onDisconnected?.(request.name);
        return { ...removed, revocation };
      },
      ({ revocation }) =>
        revocation.outcome === 'revoked'
          ? `access revoked ${revocation.where}`
          : revocation.outcome === 'failed'
            ? `access not revoked ${revocation.where}: ${revocation.reason}`.slice(0, 500)
            : null,
    );
  }

  getConnection(name: string): Promise<Connection> {
    return connections.requireConnection(this.deps.store, name);
  }

  /** How many synced records a connection has (for the disconnect confirmation). */
  recordCount(connection: string): Promise<number> {
    return this.deps.store.countRecords(connection);
  }

  credentialsOf(connection: Connection): Credentials {
    return connections.openCredentials(this.deps.keyring, connection);
  }

  /**
   * Queues a sync of one connection or `all`; a connection already syncing or queued is reported, not doubled.
   * The one place a person's sync request is checked (role) and audited, whatever the trigger: Slack's jobs
   * go to the scheduler, the CLI passes its own queue and runs the jobs in its process.
   */
  async syncNow(
    request: {
      target: string;
      trigger: SyncJob['trigger'];
      actor: string;
      notify: NotifyTarget;
      /**
       * For `all`: the id of the group whose one message shows every connection (sync-groups.ts); recorded in
       * the store before any job is queued, so a job that ends at once, in any process, finds it.
       */
      group?: string;
    },
    queue: JobQueue = this.deps.scheduler,
  ): Promise<SyncStart[]> {
    await this.requireAdmin(request.actor, 'start syncs', request.target === 'all' ? null : request.target);
    const all = request.target === 'all';
    const targets = all
      ? (await this.deps.store.listConnections()).map((c) => c.name)
      : [(await connections.requireConnection(this.deps.store, request.target)).name];
    if (targets.length === 0)
      throw new UserInputError(
        'Nothing is connected yet: connect a system first with `/finsync connect stripe`.',
      );
    const results: SyncStart[] = [];
    for (const name of targets) {
      // A run of any process sharing the store (the CLI, another worker) holds the connection's lease.
      const running = await this.deps.store.activeRun(name);
      if (running) {
        results.push({
          connection: name,
          outcome: 'already_running',
          since: running.startedAt,
          startedBy: describeStarter(running),
        });
        continue;
      }
      const since = this.deps.engine.activeRun(name)?.startedAt ?? this.queued.get(name);
      if (since) {
        results.push({ connection: name, outcome: 'already_running', since });
        continue;
      }
      this.queued.set(name, this.deps.now().toISOString());
      results.push({ connection: name, outcome: 'queued' });
    }
    const group = all ? request.group : undefined;
    const queued = results.filter((r) => r.outcome === 'queued').map((r) => r.connection);
    try {
      if (group) await this.groups.create(group, request.actor, results);
    } catch (error) {
      for (const name of queued) this.queued.delete(name);
      throw error;
    }
    for (const [i, name] of queued.entries()) {
      try {
        await queue.enqueue({
          connection: name,
          trigger: request.trigger,
          triggeredBy: request.actor,
          // A group's jobs report to its one message; other jobs of `all` show nothing of their own.
          notify: all && !group ? { kind: 'none' } : request.notify,
          ...(group ? { group } : {}),
        });
      } catch (error) {
        for (const rest of queued.slice(i)) this.queued.delete(rest);
        throw error;
      }
      await this.audit({
        actor: request.actor,
        action: 'sync',
        connection: name,
        outcome: 'ok',
        detail: request.trigger,
      });
    }
    return results;
  }

  /**
   * A verified provider webhook announced changes: queues a debounced sync of the connection (trigger
   * `webhook`). Not gated by `queued` or an active run as syncNow is: an event that arrives while a run is
   * active may describe a change that run has already read past, so it always gets a run of its own (the
   * debounce merges a burst into one).
   */
  async syncOnWebhook(connection: string, streams?: readonly string[]): Promise<void> {
    await this.enqueueWebhookJob({
      connection,
      trigger: 'webhook',
      triggeredBy: null,
      notify: { kind: 'none' },
      ...(streams ? { streams: [...streams].sort() } : {}),
    });
  }

  private async enqueueWebhookJob(job: SyncJob): Promise<void> {
    const { scheduler } = this.deps;
    if (scheduler.enqueueDebounced) await scheduler.enqueueDebounced(job, this.webhookDebounce);
    else await scheduler.enqueue(job);
  }

  /**
   * Runs a job's one run: a source sync, or a destination's publish. Reporting, publishing after it and the
   * incidents are the job lifecycle's (job-lifecycle.ts), which calls this.
   */
  async runJob(job: SyncJob, hooks: RunHooks = {}, signal?: AbortSignal): Promise<SyncRun> {
    try {
      const connection = await this.deps.store.getConnection(job.connection);
      if (connection && this.deps.publishing.isDestination(connection)) {
        return await this.deps.publishing.publish(connection, {
          trigger: job.trigger,
          triggeredBy: job.triggeredBy,
          ...(signal ? { signal } : {}),
          ...(hooks.onStarted ? { onStarted: hooks.onStarted } : {}),
        });
      }
      const { onProgress } = hooks;
      const { run, done } = await this.deps.engine.start({
        connection: job.connection,
        trigger: job.trigger,
        triggeredBy: job.triggeredBy,
        ...(job.streams ? { streams: job.streams } : {}),
        ...(onProgress ? { onProgress: (p) => onProgress(p.recordsSoFar, p.startedAt) } : {}),
        ...(signal ? { signal } : {}),
      });
      hooks.onStarted?.(run);
      return await done;
    } catch (error) {
      // One run per connection: a webhook job that finds another run active (a manual one, or the run its
      // events arrived during) must not be dropped, or the changes it announces wait for the next schedule.
      // It is queued again and runs once the active run has ended.
      if (job.trigger === 'webhook' && error instanceof RunConflictError) {
        await this.enqueueWebhookJob(job);
      }
      throw error;
    } finally {
      // Webhook jobs never set the marker: they must not clear a manual sync's.
      if (job.trigger !== 'webhook') this.queued.delete(job.connection);
    }
  }

  async schedule(request: { connection: string; text: string; actor: string }): Promise<ScheduleResult> {
    await this.requireAdmin(request.actor, 'change schedules', request.connection);
    await connections.requireConnection(this.deps.store, request.connection);
    const off = request.text.trim().toLowerCase() === 'off';
    return this.audited(
      request.actor,
      `schedule ${request.text.slice(0, 60)}`,
      request.connection,
      async () => {
        const result = await this.deps.scheduler.setSchedule(request.connection, off ? null : request.text);
        await this.deps.store.updateConnection(request.connection, {
          schedule: off ? null : request.text.trim(),
        });
        return result;
      },
    );
  }

  async history(
    connection: string,
    limit: number,
  ): Promise<{ connection: Connection; runs: readonly SyncRun[] }> {
    const found = await connections.requireConnection(this.deps.store, connection);
    return { connection: found, runs: await this.deps.store.listRuns(found.name, limit) };
  }

  /** A day's digest in the team timezone (default yesterday, the last complete day), computed now. */
  async digest(timezone: string, day?: DigestDay): Promise<Digest> {
    return computeDigest({
      store: this.deps.store,
      status: await this.status(),
      timezone,
      now: this.deps.now(),
      ...(day ? { day } : {}),
    });
  }

  async auditLog(actor: string, limit: number): Promise<readonly AuditEntry[]> {
    await this.requireAdmin(actor, 'read the audit log');
    return this.deps.store.listAudit(limit);
  }
}
