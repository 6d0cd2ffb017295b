/**
 * The outbox port: the durable queue behind src/notify/outbox.ts (every message to Slack). The sender loop
 * decides pace, order and retries; the store keeps the messages and makes each state change one atomic write,
 * so several processes may enqueue and one sender may claim without a message being sent twice.
 */
import type { DeliveredResult, OutboxArgs, OutboxMethod } from '../../notify/outbox-args.ts';

export type OutboxState = 'pending' | 'sending' | 'delivered' | 'failed';
export const OUTBOX_STATES: readonly OutboxState[] = ['pending', 'sending', 'delivered', 'failed'];

export interface OutboxItem {
  /** Enqueue order, increasing (the order of a lane). */
  readonly seq: number;
  readonly key: string;
  readonly channel: string;
  readonly method: OutboxMethod;
  /** As enqueued: references are not resolved here. */
  readonly args: OutboxArgs;
  readonly state: OutboxState;
  /** Calls made to Slack for this message, rate-limited ones included. */
  readonly attempts: number;
  readonly enqueuedAt: string;
  /** An attempt may have reached Slack without us seeing the answer (lost response, crash). */
  readonly unconfirmed: boolean;
  readonly deliveredAt?: string;
  /** `ts` of the message (`message_ts` for an ephemeral); none for views.publish. */
  readonly ts?: string;
  /** The channel Slack answered with: for a post to a user id, the DM's D… id. */
  readonly deliveredChannel?: string;
  /** Slack's error code (or what went wrong) of the last failed attempt. */
  readonly error?: string;
  readonly failedAt?: string;
}

/** What the sender needs beyond the public view. */
export interface ClaimedItem extends OutboxItem {
  readonly transientFailures: number;
  /** Epoch ms of the first claim (kept across retries). */
  readonly firstClaimedAt: number;
}

/** A pending message as the sender sees it, with the state of every message it waits for. */
export interface PendingEntry {
  readonly seq: number;
  readonly key: string;
  readonly channel: string;
  /** Epoch ms before which it must not be sent (a rate limit or a backoff). */
  readonly notBefore: number;
  readonly enqueuedAt: number;
  /** The messages it refers to that are not delivered yet (state null: never enqueued). */
  readonly waitingOn: readonly { key: string; state: OutboxState | null; error: string | null }[];
}

export interface NewOutboxItem {
  readonly key: string;
  readonly channel: string;
  readonly method: OutboxMethod;
  readonly args: OutboxArgs;
  /** Keys of the messages whose results its args refer to. */
  readonly dependsOn: readonly string[];
}

export interface RetryLater {
  /** Epoch ms. */
  readonly notBefore: number;
  readonly error: string;
  /** Counts towards the transient-failure limit (a rate limit does not). */
  readonly transient: boolean;
  /** The attempt may have reached Slack: the message becomes unconfirmed (and stays so). */
  readonly unsure: boolean;
}

/** Times are epoch milliseconds, given by the caller (one clock: the sender's). */
export interface OutboxStore {
  /**
   * Stores a new pending message; false (nothing stored) when its key is known, whatever its state.
   * Throws InvalidRequestError when its references would wait for itself, directly or through others.
   */
  insert(item: NewOutboxItem, now: number): Promise<boolean>;
  get(key: string): Promise<OutboxItem | undefined>;
  /** What Slack answered for a delivered message; undefined while it is not delivered. */
  resultOf(key: string): Promise<DeliveredResult | undefined>;
  /** Every pending message, in seq order. */
  pending(): Promise<readonly PendingEntry[]>;
  /** pending → sending, atomically: one claimer wins; undefined when it was not pending any more. */
  claim(seq: number, now: number): Promise<ClaimedItem | undefined>;
  /** sending → delivered; `called` when this followed a call to Slack (counts an attempt). */
  delivered(seq: number, result: DeliveredResult, now: number, called: boolean): Promise<void>;
  /** sending → pending, not before `retry.notBefore`; counts an attempt. */
  retryLater(seq: number, now: number, retry: RetryLater): Promise<void>;
  /** → failed for good; returns the message as failed (undefined when there is no such message). */
  fail(seq: number, error: string, now: number, called: boolean): Promise<OutboxItem | undefined>;
  /** Claims left by a sender that stopped before recording the outcome: pending again, unconfirmed. */
  recoverClaims(): Promise<number>;
  /** The latest attempt on a lane, to keep its pace across restarts. */
  lastAttemptAt(channel: string): Promise<number | undefined>;
  /** The newest delivered message whose key starts with the prefix. */
  lastDelivered(keyPrefix: string): Promise<OutboxItem | undefined>;
  /** Messages that failed for good, newest first. */
  failures(limit: number): Promise<readonly OutboxItem[]>;
  counts(): Promise<Record<OutboxState, number>>;
}
