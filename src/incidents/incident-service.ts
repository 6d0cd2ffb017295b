/**
 * Incidents from sync runs: the first failed run of a connection opens one, the first success after it
 * resolves it. What Slack sees follows from that (one living message per incident and channel):
 *
 * - Authentication and other failures that need a person alert at once; transient ones (network, 5xx, rate
 *   limits, after the engine's own retries) after `alertAfter` failed runs in a row.
 * - Each further failure updates the parent in place and adds one thread reply; after `escalateAfter`
 *   failures in a row, one reply mentions the owner. No new top-level posts.
 * - While snoozed nothing is posted; when the snooze ends and the incident is still open, the parent is
 *   updated and one reply is broadcast to the channel (the re-alert).
 * - The first success edits the parent to resolved (buttons gone) and posts exactly one reply.
 *
 * Every message goes through the outbox with a key derived from the incident and the event, so a repeated
 * call (a crash between the bookkeeping and the enqueue, replayed on the next run end) never posts twice.
 * Run ends are handled one at a time, in order: the incident row and its messages never interleave.
 */

import type { Logger } from '../log.ts';
import { redactText } from '../log.ts';
import {
  alertMessage,
  escalationReply,
  failureReply,
  recoveryNotice,
  recoveryReply,
  snoozeExpiredReply,
} from '../messages/alert.ts';
import type { SlackMessage } from '../messages/blocks.ts';
import type { OutboxMessage } from '../notify/outbox.ts';
import type { AlertRouting } from '../notify/routing.ts';
import type { IncidentStore } from '../store/ports/incidents.ts';
import type { Store, SyncRun } from '../store/types.ts';
import { type AlertPolicy, type Incident, isTransientClass, type Snooze } from './types.ts';

/** What the service needs of the outbox. */
export interface OutboxPort {
  enqueue(message: OutboxMessage): Promise<boolean>;
}

export interface IncidentDeps {
  readonly store: Store;
  readonly incidents: IncidentStore;
  readonly outbox: OutboxPort;
  readonly routing: AlertRouting;
  readonly providerName: (provider: string) => string;
  readonly policy: AlertPolicy;
  readonly log: Logger;
  readonly now: () => Date;
  /** Mentioned by the escalation when the owner is not a Slack user (connected from the CLI). */
  readonly admins: readonly string[];
}

export type ActionOutcome =
  | { readonly kind: 'ok'; readonly incident: Incident }
  | { readonly kind: 'stale' | 'duplicate' | 'resolved' | 'not_found'; readonly incident?: Incident };

/** The key of one alert message: `alert:` first, so the Home tab can find the last one delivered. */
export function alertKey(incidentId: number, channel: string, event: string): string {
  return `alert:inc${incidentId}:${channel}:${event}`;
}

const SLACK_USER = /^[UW][A-Z0-9]{2,}$/;

export class IncidentService {
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly deps: IncidentDeps) {}

  /** Called for every run that ended (source syncs and destination publishes). Never throws. */
  onRunEnded(run: SyncRun): Promise<void> {
    return this.serialized(`run ${run.id}`, () => this.handleRun(run));
  }

  /** Ends snoozes that are due; called by a timer (and by tests with their own clock). Never throws. */
  tick(): Promise<void> {
    return this.serialized('tick', () => this.expireSnoozes());
  }

  /** Resolves when every run end handed in so far has been handled. */
  drain(): Promise<void> {
    return this.chain;
  }

  open(connection: string): Promise<Incident | undefined> {
    return this.deps.incidents.open(connection);
  }

  get(id: number): Promise<Incident | undefined> {
    return this.deps.incidents.get(id);
  }

  /**
   * A click on Retry Now: once per incident version, on the current version of an open incident. The claim
   * is the store's, so a double click landing on two processes retries once.
   */
  async claimRetry(id: number, version: number, actor: string): Promise<ActionOutcome> {
    const incident = await this.deps.incidents.get(id);
    const refused = this.refusal(incident, version);
    if (refused) return refused;
    if (!(await this.deps.incidents.claimAction(id, 'retry', version, actor, this.deps.now())))
      return { kind: 'duplicate', incident: incident! };
    return { kind: 'ok', incident: incident! };
  }

  /** Snoozes an open incident; the parent shows who and until when. */
  snooze(id: number, version: number, snooze: Omit<Snooze, 'at'>): Promise<ActionOutcome> {
    return this.serializedResult(async () => {
      const incident = await this.deps.incidents.get(id);
      const refused = this.refusal(incident, version);
      if (refused) return refused;
      const now = this.deps.now();
      if (!(await this.deps.incidents.claimAction(id, 'snooze', version, snooze.by, now)))
        return { kind: 'duplicate', incident: incident! };
      const next = await this.bump({ ...incident!, snooze: { ...snooze, at: now.toISOString() } });
      await this.updateParents(next);
      return { kind: 'ok', incident: next };
    });
  }

  /** Whether an action may be taken on this version of the incident now (no claim is made). */
  async check(id: number, version: number): Promise<ActionOutcome> {
    const incident = await this.deps.incidents.get(id);
    return this.refusal(incident, version) ?? { kind: 'ok', incident: incident! };
  }

  private refusal(incident: Incident | undefined, version: number): ActionOutcome | null {
    if (!incident) return { kind: 'not_found' };
    if (incident.state === 'resolved') return { kind: 'resolved', incident };
    if (incident.version !== version) return { kind: 'stale', incident };
    return null;
  }

  private async handleRun(run: SyncRun): Promise<void> {
    if (run.status === 'failed') await this.failed(run);
    else if (run.status === 'success' || run.status === 'partial') await this.succeeded(run);
    // `cancelled` (shutdown) and `running` say nothing about the provider.
  }

  private async failed(run: SyncRun): Promise<void> {
    const { incidents, now } = this.deps;
    const errorClass = run.errorClass ?? 'internal';
    const errorMessage = redactText(run.errorMessage ?? '').slice(0, 10_000);
    const at = run.endedAt ?? now().toISOString();
    const open = await incidents.open(run.connection);
    let incident: Incident;
    if (open) {
      incident = { ...open, failedRuns: open.failedRuns + 1, errorClass, errorMessage, lastFailureAt: at };
    } else {
      const connection = await this.deps.store.getConnection(run.connection);
      if (!connection) return;
      const summary = (await this.deps.store.runSummaries()).get(run.connection);
      incident = await incidents.create({
        connection: run.connection,
        provider: connection.provider,
        providerName: this.deps.providerName(connection.provider),
        state: 'open',
        errorClass,
        errorMessage,
        failingSince: run.startedAt,
        failedRuns: 1,
        lastFailureAt: at,
        lastSuccessAt: summary?.lastSuccess?.endedAt ?? null,
        alertedAt: null,
        version: 0,
        snooze: null,
        snoozesExpired: 0,
        escalatedAt: null,
        resolvedAt: null,
        owner: connection.createdBy,
        channels: [],
      });
    }
    if (incident.alertedAt === null) {
      const due = !isTransientClass(errorClass) || incident.failedRuns >= this.deps.policy.alertAfter;
      if (!due) return incidents.save(incident);
      return this.raise(incident);
    }
    if (this.snoozed(incident)) return incidents.save(incident);
    const next = await this.bump(incident);
    await this.updateParents(next);
    await this.reply(next, `fail${next.failedRuns}`, failureReply(next));
    await this.escalateIfDue(next);
  }

  /** First alert of an incident: the parent goes to every failure channel. */
  private async raise(incident: Incident): Promise<void> {
    const channels = await this.deps.routing.failureChannels(incident.connection);
    const next = {
      ...incident,
      version: incident.version + 1,
      alertedAt: this.deps.now().toISOString(),
      channels,
    };
    if (channels.length === 0)
      this.deps.log.warn('incident not posted: no alert channel is set and no channel subscribed', {
        connection: incident.connection,
        incident: incident.id,
        hint: 'set one with /finsync alerts #channel',
      });
    const message = alertMessage(next);
    for (const channel of channels) {
      await this.enqueue(next, channel, 'post', 'chat.postMessage', {
        ...messageArgs(message),
        unfurl_links: false,
        unfurl_media: false,
      });
    }
    // Saved only once the posts are queued: a crash in between leaves the incident un-alerted, and the next
    // failure queues the same posts again (same keys, so nothing doubles) instead of updating a post that
    // was never queued.
    await this.deps.incidents.save(next);
    await this.escalateIfDue(next);
  }

  private async succeeded(run: SyncRun): Promise<void> {
    const open = await this.deps.incidents.open(run.connection);
    if (!open) return;
    const resolved = await this.bump({
      ...open,
      state: 'resolved',
      resolvedAt: run.endedAt ?? this.deps.now().toISOString(),
      snooze: null,
    });
    if (resolved.alertedAt === null) return;
    await this.updateParents(resolved);
    const recoveries = await this.deps.routing.recoveryChannels(run.connection);
    for (const channel of resolved.channels) {
      if (recoveries.includes(channel))
        await this.replyIn(resolved, channel, 'recovered', recoveryReply(resolved));
    }
    for (const channel of recoveries) {
      if (!resolved.channels.includes(channel))
        await this.enqueue(resolved, channel, 'recovery-notice', 'chat.postMessage', {
          ...messageArgs(recoveryNotice(resolved)),
        });
    }
  }

  /**
   * The connection was disconnected: its open incident ends, and its alert says so (buttons gone). No
   * recovery reply: nothing recovered.
   */
  onDisconnected(connection: string): Promise<void> {
    return this.serialized(`disconnect ${connection}`, async () => {
      const open = await this.deps.incidents.open(connection);
      if (!open) return;
      const closed = await this.bump({
        ...open,
        state: 'resolved',
        resolvedAt: this.deps.now().toISOString(),
        closedBecause: 'disconnected',
        snooze: null,
      });
      if (closed.alertedAt !== null) await this.updateParents(closed);
    });
  }

  private async expireSnoozes(): Promise<void> {
    const now = this.deps.now();
    for (const incident of await this.deps.incidents.allOpen()) {
      const snooze = incident.snooze;
      if (!snooze?.until || Date.parse(snooze.until) > now.getTime()) continue;
      const next = await this.bump({
        ...incident,
        snooze: null,
        snoozesExpired: incident.snoozesExpired + 1,
      });
      await this.updateParents(next);
      await this.reply(next, `snooze-end${next.snoozesExpired}`, snoozeExpiredReply(next, snooze), true);
      await this.escalateIfDue(next);
    }
  }

  private async escalateIfDue(incident: Incident): Promise<void> {
    if (incident.escalatedAt !== null || incident.failedRuns < this.deps.policy.escalateAfter) return;
    if (this.snoozed(incident) || incident.channels.length === 0) return;
    const owner = SLACK_USER.test(incident.owner) ? incident.owner : (this.deps.admins[0] ?? null);
    const next = { ...incident, escalatedAt: this.deps.now().toISOString() };
    await this.deps.incidents.save(next);
    await this.reply(next, 'escalate', escalationReply(next, owner));
  }

  private snoozed(incident: Incident): boolean {
    const snooze = incident.snooze;
    if (!snooze) return false;
    return snooze.until === null || Date.parse(snooze.until) > this.deps.now().getTime();
  }

  /** A new version of the incident, saved: its parent's buttons and block_id change with it. */
  private async bump(incident: Incident): Promise<Incident> {
    const next = { ...incident, version: incident.version + 1 };
    await this.deps.incidents.save(next);
    return next;
  }

  private async updateParents(incident: Incident): Promise<void> {
    const message = alertMessage(incident);
    for (const channel of incident.channels) {
      await this.enqueue(incident, channel, `v${incident.version}`, 'chat.update', {
        ...messageArgs(message),
        channel: { fromKey: alertKey(incident.id, channel, 'post'), field: 'channel' },
        ts: { fromKey: alertKey(incident.id, channel, 'post') },
      });
    }
  }

  private async reply(incident: Incident, event: string, message: SlackMessage, broadcast = false) {
    for (const channel of incident.channels) await this.replyIn(incident, channel, event, message, broadcast);
  }

  private async replyIn(
    incident: Incident,
    channel: string,
    event: string,
    message: SlackMessage,
    broadcast = false,
  ): Promise<void> {
    await this.enqueue(incident, channel, event, 'chat.postMessage', {
      ...messageArgs(message),
      thread_ts: { fromKey: alertKey(incident.id, channel, 'post') },
      ...(broadcast ? { reply_broadcast: true } : {}),
      unfurl_links: false,
    });
  }

  private async enqueue(
    incident: Incident,
    channel: string,
    event: string,
    method: OutboxMessage['method'],
    args: Record<string, unknown>,
  ): Promise<void> {
    await this.deps.outbox.enqueue({ key: alertKey(incident.id, channel, event), channel, method, args });
  }

  private serialized(what: string, work: () => Promise<void>): Promise<void> {
    const next = this.chain.then(work).catch((error: unknown) => {
      this.deps.log.error('incident bookkeeping failed', { what, error: redactText(String(error)) });
    });
    this.chain = next;
    return next;
  }

  private serializedResult<T>(work: () => Promise<T>): Promise<T> {
    const result = this.chain.then(work);
    this.chain = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}

function messageArgs(message: SlackMessage): Record<string, unknown> {
  return { text: message.text, blocks: message.blocks };
}
