/**
 * The one way finsync talks to Slack's Web API for alerts, digests, DMs and Home tabs: a persistent queue
 * in the embedded SQLite database and a sender loop (CONVENTIONS, Slack UX bar 8).
 *
 * - One message per key, ever: enqueueing a known key is a no-op.
 * - Per channel ("lane"): strict order, one call in flight, at least `paceMs` (1 s) between the end of one
 *   call and the start of the next, also across restarts. Lanes progress independently; at most
 *   `concurrency` calls are in flight in all.
 * - A message waits while another it refers to (`{ fromKey }`) is not delivered; it fails if that one fails.
 *   The lane's order is among messages that are ready: a waiting message does not hold up the others.
 * - 429: the lane waits Retry-After, the message is retried (rate limits do not use up attempts).
 *   Transient failures (5xx, network, service_unavailable…): retried with backoff, then failed.
 *   Any other `ok: false` (channel_not_found, is_archived, invalid_blocks…): failed at once.
 *   The head of a lane holds the lane while it waits, so later messages never overtake it.
 * - Restart/duplicates: a message claimed when the process stopped, or whose call may have reached Slack
 *   without an answer, is *unconfirmed*. Before posting it again, chat.postMessage is looked up in the
 *   channel history by the key it carries in its metadata (outbox-confirm.ts); chat.update and views.publish
 *   are idempotent and simply sent again; chat.postEphemeral cannot be looked up and is sent again.
 *   So: exactly once where Slack lets us check, at-least-once for that one unsure message where it does not.
 *
 * One Outbox per database: `start()` takes over every claim left in the table.
 */
import type { webApi } from '@slack/bolt';
import { errorMessage } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { SqliteDatabase } from '../store/sqlite.ts';
import { type OutboxMessage, prepareMessage, resolveArgs } from './outbox-args.ts';
import { DEFAULT_OUTBOX_RETRY, type OutboxRetry, retryDelayMs } from './outbox-errors.ts';
import {
  type ClaimedItem,
  type OutboxItem,
  OutboxQueue,
  type OutboxState,
  type PendingEntry,
} from './outbox-queue.ts';
import { type Outcome, sendOnce } from './outbox-send.ts';

export type { OutboxArgs, OutboxMessage, OutboxMethod, ResultRef } from './outbox-args.ts';
export type { OutboxRetry } from './outbox-errors.ts';
export type { OutboxItem, OutboxState } from './outbox-queue.ts';
export { type OutboxClientOptions, outboxWebClient } from './outbox-send.ts';

export interface OutboxOptions {
  readonly db: SqliteDatabase;
  /** Made by `outboxWebClient` (rate-limited calls rejected, no retries): the outbox alone decides retries. */
  readonly client: webApi.WebClient;
  readonly log: Logger;
  /** Least time between two calls in one lane, from the end of one to the start of the next. */
  readonly paceMs?: number;
  /** Calls in flight across all lanes. */
  readonly concurrency?: number;
  readonly retry?: OutboxRetry;
  /** A message referring to a key nobody enqueued fails after this long. */
  readonly dependencyTimeoutMs?: number;
  /** Longest sleep of the loop when nothing is due (new messages wake it at once). */
  readonly pollMs?: number;
  /** Called once for every message that failed for good (the caller DMs the admins). */
  readonly onPersistentFailure?: (item: OutboxItem) => void | Promise<void>;
  readonly random?: () => number;
}

export class Outbox {
  private readonly queue: OutboxQueue;
  private readonly paceMs: number;
  private readonly concurrency: number;
  private readonly retry: OutboxRetry;
  private readonly dependencyTimeoutMs: number;
  private readonly pollMs: number;
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly lastCallEnd = new Map<string, number>();
  /** Outcomes the database refused to record (busy), by lane: written again first; the lane waits for them. */
  private readonly unwritten = new Map<string, () => void>();
  private readonly warned = new Set<string>();
  private running = false;
  private timer: NodeJS.Timeout | undefined;
  private timerDue = 0;

  constructor(private readonly options: OutboxOptions) {
    this.queue = new OutboxQueue(options.db);
    this.paceMs = options.paceMs ?? 1_000;
    this.concurrency = Math.max(1, options.concurrency ?? 4);
    this.retry = options.retry ?? DEFAULT_OUTBOX_RETRY;
    this.dependencyTimeoutMs = options.dependencyTimeoutMs ?? 3_600_000;
    this.pollMs = options.pollMs ?? 30_000;
  }

  /** Queues a message; false (and nothing queued) when its key was enqueued before. */
  async enqueue(message: OutboxMessage): Promise<boolean> {
    const { args, dependsOn } = prepareMessage(message);
    const added = this.queue.insert(
      message.key,
      message.channel,
      message.method,
      args,
      dependsOn,
      Date.now(),
    );
    if (added) this.schedule(0);
    return added;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    const recovered = this.queue.recoverClaims();
    if (recovered > 0)
      this.options.log.warn(
        'outbox: messages left in flight by the last run will be checked before resending',
        {
          count: recovered,
        },
      );
    this.schedule(0);
  }

  /** Stops taking new work and waits for the calls in flight to be recorded. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await Promise.allSettled([...this.inFlight.values()]);
    try {
      this.writeUnwritten();
    } catch (error) {
      // Left as claimed in the table: the next start() treats them as unconfirmed.
      this.options.log.error('outbox: outcomes not recorded at stop', { error: errorMessage(error) });
    }
  }

  async get(key: string): Promise<OutboxItem | undefined> {
    return this.queue.get(key);
  }

  /** The newest delivered message whose key starts with the prefix (`alert:`, `digest:`), for the Home tab. */
  async lastDelivered(keyPrefix: string): Promise<OutboxItem | undefined> {
    return this.queue.lastDelivered(keyPrefix);
  }

  /** Messages that failed for good, newest first. */
  async failures(limit = 20): Promise<readonly OutboxItem[]> {
    return this.queue.failures(limit);
  }

  async counts(): Promise<Record<OutboxState, number>> {
    return this.queue.counts();
  }

  private schedule(delayMs: number): void {
    if (!this.running) return;
    const wait = Math.max(0, Math.min(delayMs, this.pollMs));
    const due = Date.now() + wait;
    if (this.timer && this.timerDue <= due) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerDue = due;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.turn();
    }, wait);
    this.timer.unref();
  }

  /** One pass: settle waiting messages, then start every lane head that is due. */
  private turn(): void {
    if (!this.running) return;
    let wakeIn = this.pollMs;
    try {
      this.writeUnwritten();
      const now = Date.now();
      const heads = new Map<string, PendingEntry>();
      for (const entry of this.queue.pending()) {
        // A failure may unblock (by failing) messages that wait for this one: look again at once.
        if (entry.waitingOn.length > 0) {
          if (this.settleWaiting(entry, now)) wakeIn = 0;
        } else if (!heads.has(entry.channel)) heads.set(entry.channel, entry);
      }
      for (const head of heads.values()) {
        if (this.inFlight.has(head.channel) || this.unwritten.has(head.channel)) continue;
        if (this.inFlight.size >= this.concurrency) break;
        const due = Math.max(head.notBefore, this.lastEnd(head.channel) + this.paceMs);
        if (due > now) wakeIn = Math.min(wakeIn, due - now);
        else this.launch(head.seq, head.channel, now);
      }
    } catch (error) {
      this.options.log.error('outbox: a pass failed; trying again later', { error: errorMessage(error) });
    }
    this.schedule(wakeIn);
  }

  /** A message waiting for others fails when one of them failed, or was never enqueued within the timeout. */
  private settleWaiting(entry: PendingEntry, now: number): boolean {
    const failed = entry.waitingOn.find((dep) => dep.state === 'failed');
    const missing = entry.waitingOn.find((dep) => dep.state === null);
    if (failed) {
      this.failFor(entry.seq, `dependency_failed: ${failed.key} (${failed.error ?? 'failed'})`, now, false);
      return true;
    }
    if (missing && now - entry.enqueuedAt > this.dependencyTimeoutMs) {
      this.failFor(entry.seq, `dependency_missing: ${missing.key}`, now, false);
      return true;
    }
    return false;
  }

  private lastEnd(channel: string): number {
    let end = this.lastCallEnd.get(channel);
    if (end === undefined) {
      end = this.queue.lastAttemptAt(channel) ?? 0;
      this.lastCallEnd.set(channel, end);
    }
    return end;
  }

  private launch(seq: number, channel: string, now: number): void {
    const item = this.queue.claim(seq, now);
    if (!item) return;
    const run = this.deliver(item)
      .catch((error: unknown) => {
        this.options.log.error('outbox: delivery bookkeeping failed', {
          key: item.key,
          error: errorMessage(error),
        });
      })
      .finally(() => {
        this.inFlight.delete(channel);
        this.schedule(0);
      });
    this.inFlight.set(channel, run);
  }

  private async deliver(item: ClaimedItem): Promise<void> {
    let outcome: Outcome;
    try {
      const args = resolveArgs(item.args, (key) => this.queue.resultOf(key));
      outcome = await sendOnce(this.options.client, item, args, {
        found: (key) =>
          this.options.log.info('outbox: an unconfirmed post was found in Slack; not posting it again', {
            key,
          }),
        unavailable: (error, key) => this.warnOnce(error, key),
      });
    } catch (error) {
      outcome = { kind: 'transient', error: errorMessage(error), unsure: true };
    }
    const now = Date.now();
    this.lastCallEnd.set(item.channel, now);
    this.record(item.channel, () => this.apply(item, outcome, now));
  }

  private apply(item: ClaimedItem, outcome: Outcome, now: number): void {
    const { seq, key } = item;
    switch (outcome.kind) {
      case 'delivered':
        this.queue.delivered(seq, { ts: outcome.ts, channel: outcome.channel }, now, outcome.called);
        return;
      case 'rate_limited':
        this.options.log.info('outbox: Slack asked us to wait', {
          key,
          channel: item.channel,
          ms: outcome.retryAfterMs,
        });
        this.queue.retryLater(seq, now, {
          notBefore: now + outcome.retryAfterMs,
          error: outcome.error,
          transient: false,
          unsure: false,
        });
        return;
      case 'transient': {
        const failures = item.transientFailures + 1;
        if (failures >= this.retry.attempts) {
          const unsure = item.unconfirmed || outcome.unsure ? ' (one attempt may have been delivered)' : '';
          this.failFor(seq, `${outcome.error}, after ${failures} attempts${unsure}`, now, true);
          return;
        }
        const delay = retryDelayMs(failures, this.retry, this.options.random);
        this.options.log.warn('outbox: delivery failed; will retry', {
          key,
          error: outcome.error,
          delayMs: delay,
        });
        this.queue.retryLater(seq, now, {
          notBefore: now + delay,
          error: outcome.error,
          transient: true,
          unsure: outcome.unsure,
        });
        return;
      }
      case 'permanent':
        this.failFor(seq, outcome.error, now, true);
    }
  }

  private failFor(seq: number, error: string, now: number, called: boolean): void {
    const item = this.queue.fail(seq, error, now, called);
    if (!item) return;
    this.options.log.error('outbox: message not delivered', { key: item.key, channel: item.channel, error });
    const hook = this.options.onPersistentFailure;
    if (!hook) return;
    Promise.resolve()
      .then(() => hook(item))
      .catch((hookError: unknown) => {
        this.options.log.error('outbox: failure hook failed', {
          key: item.key,
          error: errorMessage(hookError),
        });
      });
  }

  private record(channel: string, write: () => void): void {
    try {
      write();
    } catch (error) {
      this.options.log.error('outbox: could not record an outcome; will retry', {
        error: errorMessage(error),
      });
      this.unwritten.set(channel, write);
    }
  }

  private writeUnwritten(): void {
    for (const [channel, write] of this.unwritten) {
      write();
      this.unwritten.delete(channel);
    }
  }

  private warnOnce(error: string, key: string): void {
    if (this.warned.has(error)) return;
    this.warned.add(error);
    this.options.log.warn(
      'outbox: cannot look up unconfirmed posts in Slack history; sending them again (may duplicate one post)',
      {
        error,
        key,
        hint: 'add channels:history, groups:history, im:history, mpim:history to the bot scopes',
      },
    );
  }
}
