/**
 * The one way finsync talks to Slack's Web API for alerts, digests, DMs and Home tabs: a persistent queue
 * in the store (ports/outbox.ts) and a sender loop (CONVENTIONS, Slack UX bar 8).
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
 * One sender per store: `start()` takes over every claim left in the queue (any process may enqueue).
 */
import type { webApi } from '@slack/bolt';
import { errorMessage } from '../errors.ts';
import type { Logger } from '../log.ts';
import type {
  ClaimedItem,
  OutboxItem,
  OutboxState,
  OutboxStore,
  PendingEntry,
} from '../store/ports/outbox.ts';
import { type DeliveredResult, type OutboxMessage, prepareMessage, resolveArgs } from './outbox-args.ts';
import { DEFAULT_OUTBOX_RETRY, type OutboxRetry, retryDelayMs } from './outbox-errors.ts';
import { type Outcome, sendOnce } from './outbox-send.ts';

export type { OutboxItem, OutboxState } from '../store/ports/outbox.ts';
export type { OutboxArgs, OutboxMessage, OutboxMethod, ResultRef } from './outbox-args.ts';
export type { OutboxRetry } from './outbox-errors.ts';
export { type OutboxClientOptions, outboxWebClient } from './outbox-send.ts';

export interface OutboxOptions {
  /** The store's outbox queue (`store.outbox`). */
  readonly queue: OutboxStore;
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
  private readonly queue: OutboxStore;
  private readonly paceMs: number;
  private readonly concurrency: number;
  private readonly retry: OutboxRetry;
  private readonly dependencyTimeoutMs: number;
  private readonly pollMs: number;
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly lastCallEnd = new Map<string, number>();
  /** Outcomes the store refused to record (busy), by lane: written again first; the lane waits for them. */
  private readonly unwritten = new Map<string, () => Promise<void>>();
  private readonly warned = new Set<string>();
  private running = false;
  private timer: NodeJS.Timeout | undefined;
  private timerDue = 0;
  /** The pass awaiting the store, if any: the timer does not start a second one beside it. */
  private turning: Promise<void> | undefined;
  private recovered = false;
  /** A pass was due while one was running: run another right after it. */
  private passAgain = false;

  constructor(private readonly options: OutboxOptions) {
    this.queue = options.queue;
    this.paceMs = options.paceMs ?? 1_000;
    this.concurrency = Math.max(1, options.concurrency ?? 4);
    this.retry = options.retry ?? DEFAULT_OUTBOX_RETRY;
    this.dependencyTimeoutMs = options.dependencyTimeoutMs ?? 3_600_000;
    this.pollMs = options.pollMs ?? 30_000;
  }

  /** Queues a message; false (and nothing queued) when its key was enqueued before. */
  async enqueue(message: OutboxMessage): Promise<boolean> {
    const { args, dependsOn } = prepareMessage(message);
    const added = await this.queue.insert(
      { key: message.key, channel: message.channel, method: message.method, args, dependsOn },
      Date.now(),
    );
    if (added) this.schedule(0);
    return added;
  }

  /** Starts the sender; its first pass takes over the claims a stopped sender left (`recoverClaims`). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.recovered = false;
    this.schedule(0);
  }

  private async recover(): Promise<void> {
    const recovered = await this.queue.recoverClaims();
    this.recovered = true;
    if (recovered > 0)
      this.options.log.warn(
        'outbox: messages left in flight by the last run will be checked before resending',
        {
          count: recovered,
        },
      );
  }

  /** Stops taking new work and waits for the calls in flight to be recorded. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.turning;
    await Promise.allSettled([...this.inFlight.values()]);
    try {
      await this.writeUnwritten();
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
      if (this.turning) {
        this.passAgain = true;
        return;
      }
      this.turning = this.turn().finally(() => {
        this.turning = undefined;
        if (this.passAgain) {
          this.passAgain = false;
          this.schedule(0);
        }
      });
    }, wait);
    this.timer.unref();
  }

  /**
   * One pass: settle waiting messages, then start every lane head that is due. Passes never overlap: one
   * asked for while another awaits the store runs right after it.
   */
  private async turn(): Promise<void> {
    if (!this.running) return;
    let wakeIn = this.pollMs;
    try {
      if (!this.recovered) await this.recover();
      await this.writeUnwritten();
      const now = Date.now();
      const heads = new Map<string, PendingEntry>();
      for (const entry of await this.queue.pending()) {
        // A failure may unblock (by failing) messages that wait for this one: look again at once.
        if (entry.waitingOn.length > 0) {
          if (await this.settleWaiting(entry, now)) wakeIn = 0;
        } else if (!heads.has(entry.channel)) heads.set(entry.channel, entry);
      }
      for (const head of heads.values()) {
        if (!this.running) break;
        if (this.inFlight.has(head.channel) || this.unwritten.has(head.channel)) continue;
        if (this.inFlight.size >= this.concurrency) break;
        const due = Math.max(head.notBefore, (await this.lastEnd(head.channel)) + this.paceMs);
        if (due > now) wakeIn = Math.min(wakeIn, due - now);
        else this.launch(head.seq, head.channel, now);
      }
    } catch (error) {
      this.options.log.error('outbox: a pass failed; trying again later', { error: errorMessage(error) });
    }
    this.schedule(wakeIn);
  }

  /** A message waiting for others fails when one of them failed, or was never enqueued within the timeout. */
  private async settleWaiting(entry: PendingEntry, now: number): Promise<boolean> {
    const failed = entry.waitingOn.find((dep) => dep.state === 'failed');
    const missing = entry.waitingOn.find((dep) => dep.state === null);
    if (failed) {
      await this.failFor(
        entry.seq,
        `dependency_failed: ${failed.key} (${failed.error ?? 'failed'})`,
        now,
        false,
      );
      return true;
    }
    if (missing && now - entry.enqueuedAt > this.dependencyTimeoutMs) {
      await this.failFor(entry.seq, `dependency_missing: ${missing.key}`, now, false);
      return true;
    }
    return false;
  }

  private async lastEnd(channel: string): Promise<number> {
    let end = this.lastCallEnd.get(channel);
    if (end === undefined) {
      end = (await this.queue.lastAttemptAt(channel)) ?? 0;
      this.lastCallEnd.set(channel, end);
    }
    return end;
  }

  /** Claims and sends a lane's head; the lane counts as in flight from the claim on. */
  private launch(seq: number, channel: string, now: number): void {
    const run = (async () => {
      const item = await this.queue.claim(seq, now);
      if (!item) return;
      await this.deliver(item).catch((error: unknown) => {
        this.options.log.error('outbox: delivery bookkeeping failed', {
          key: item.key,
          error: errorMessage(error),
        });
      });
    })()
      .catch((error: unknown) => {
        this.options.log.error('outbox: could not claim a message; trying again later', {
          error: errorMessage(error),
        });
      })
      .finally(() => {
        this.inFlight.delete(channel);
        this.schedule(0);
      });
    this.inFlight.set(channel, run);
  }

  /** What Slack answered for each message this one refers to (all delivered: it was not waiting). */
  private async referencedResults(item: ClaimedItem): Promise<Map<string, DeliveredResult>> {
    const results = new Map<string, DeliveredResult>();
    for (const value of Object.values(item.args)) {
      const key = (value as { fromKey?: unknown } | null)?.fromKey;
      if (typeof key !== 'string' || results.has(key)) continue;
      const result = await this.queue.resultOf(key);
      if (result) results.set(key, result);
    }
    return results;
  }

  private async deliver(item: ClaimedItem): Promise<void> {
    let outcome: Outcome;
    try {
      const results = await this.referencedResults(item);
      const args = resolveArgs(item.args, (key) => results.get(key));
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
    await this.record(item.channel, () => this.apply(item, outcome, now));
  }

  private async apply(item: ClaimedItem, outcome: Outcome, now: number): Promise<void> {
    const { seq, key } = item;
    switch (outcome.kind) {
      case 'delivered':
        await this.queue.delivered(seq, { ts: outcome.ts, channel: outcome.channel }, now, outcome.called);
        return;
      case 'rate_limited':
        this.options.log.info('outbox: Slack asked us to wait', {
          key,
          channel: item.channel,
          ms: outcome.retryAfterMs,
        });
        await this.queue.retryLater(seq, now, {
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
          await this.failFor(seq, `${outcome.error}, after ${failures} attempts${unsure}`, now, true);
          return;
        }
        const delay = retryDelayMs(failures, this.retry, this.options.random);
        this.options.log.warn('outbox: delivery failed; will retry', {
          key,
          error: outcome.error,
          delayMs: delay,
        });
        await this.queue.retryLater(seq, now, {
          notBefore: now + delay,
          error: outcome.error,
          transient: true,
          unsure: outcome.unsure,
        });
        return;
      }
      case 'permanent':
        await this.failFor(seq, outcome.error, now, true);
    }
  }

  private async failFor(seq: number, error: string, now: number, called: boolean): Promise<void> {
    const item = await this.queue.fail(seq, error, now, called);
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

  private async record(channel: string, write: () => Promise<void>): Promise<void> {
    try {
      await write();
    } catch (error) {
      this.options.log.error('outbox: could not record an outcome; will retry', {
        error: errorMessage(error),
      });
      this.unwritten.set(channel, write);
    }
  }

  private async writeUnwritten(): Promise<void> {
    for (const [channel, write] of this.unwritten) {
      await write();
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
