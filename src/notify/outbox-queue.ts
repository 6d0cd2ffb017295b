/**
 * The outbox table in the embedded SQLite database. Every write is one short statement (or a tiny
 * transaction), because the ledger writer thread writes to the same file.
 */
import { InvalidRequestError, StorageError } from '../errors.ts';
import type { SqliteDatabase } from '../store/sqlite.ts';
import { type DeliveredResult, isOutboxMethod, type OutboxArgs, type OutboxMethod } from './outbox-args.ts';

export type OutboxState = 'pending' | 'sending' | 'delivered' | 'failed';

export interface OutboxItem {
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
  readonly firstClaimedAt: number;
}

/** A pending message as the scheduler sees it, with the state of every message it waits for. */
export interface PendingEntry {
  readonly seq: number;
  readonly key: string;
  readonly channel: string;
  readonly notBefore: number;
  readonly enqueuedAt: number;
  readonly waitingOn: readonly { key: string; state: OutboxState | null; error: string | null }[];
}

interface Row {
  seq: number;
  key: string;
  channel: string;
  method: string;
  args: string;
  depends_on: string;
  state: string;
  attempts: number;
  transient_failures: number;
  not_before: number;
  enqueued_at: number;
  first_claimed_at: number | null;
  unconfirmed: number;
  delivered_at: number | null;
  result_ts: string | null;
  result_channel: string | null;
  error: string | null;
  failed_at: number | null;
}

const STATES: readonly string[] = ['pending', 'sending', 'delivered', 'failed'];
const iso = (ms: number | null) => (ms === null ? undefined : new Date(ms).toISOString());

export class OutboxQueue {
  private readonly statements;

  constructor(private readonly db: SqliteDatabase) {
    const exists = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'outbox'`).get();
    if (!exists) throw new StorageError(db.name, `${db.name} has no outbox table: open it through the store`);
    this.statements = {
      insert: db.prepare(
        `INSERT INTO outbox (key, channel, method, args, depends_on, state, enqueued_at)
         VALUES (?, ?, ?, ?, ?, 'pending', ?) ON CONFLICT (key) DO NOTHING`,
      ),
      byKey: db.prepare<[string], Row>('SELECT * FROM outbox WHERE key = ?'),
      dependsOn: db.prepare<[string], { depends_on: string }>('SELECT depends_on FROM outbox WHERE key = ?'),
      pending: db.prepare<
        [],
        {
          seq: number;
          key: string;
          channel: string;
          not_before: number;
          enqueued_at: number;
          waiting: string;
        }
      >(
        `SELECT o.seq, o.key, o.channel, o.not_before, o.enqueued_at,
           (SELECT json_group_array(json_object('key', d.value, 'state', p.state, 'error', p.error))
              FROM json_each(o.depends_on) d LEFT JOIN outbox p ON p.key = d.value
              WHERE p.state IS NULL OR p.state <> 'delivered') AS waiting
         FROM outbox o WHERE o.state = 'pending' ORDER BY o.seq`,
      ),
      claim: db.prepare<[number, number, number], Row>(
        `UPDATE outbox SET state = 'sending', first_claimed_at = coalesce(first_claimed_at, ?),
           last_attempt_at = ? WHERE seq = ? AND state = 'pending' RETURNING *`,
      ),
      delivered: db.prepare(
        `UPDATE outbox SET state = 'delivered', delivered_at = ?, last_attempt_at = ?, result_ts = ?,
           result_channel = ?, attempts = attempts + ?, error = NULL WHERE seq = ?`,
      ),
      retry: db.prepare(
        `UPDATE outbox SET state = 'pending', not_before = ?, last_attempt_at = ?, error = ?,
           attempts = attempts + 1, transient_failures = transient_failures + ?,
           unconfirmed = max(unconfirmed, ?) WHERE seq = ?`,
      ),
      fail: db.prepare<[number, number | null, number, string, number], Row>(
        `UPDATE outbox SET state = 'failed', failed_at = ?, last_attempt_at = coalesce(?, last_attempt_at),
           attempts = attempts + ?, error = ? WHERE seq = ? RETURNING *`,
      ),
      recover: db.prepare(`UPDATE outbox SET state = 'pending', unconfirmed = 1 WHERE state = 'sending'`),
      lastAttempt: db.prepare<[string], { at: number | null }>(
        'SELECT max(last_attempt_at) AS at FROM outbox WHERE channel = ?',
      ),
      lastDelivered: db.prepare<[string, string], Row>(
        `SELECT * FROM outbox WHERE key >= ? AND key < ? AND state = 'delivered'
         ORDER BY delivered_at DESC, seq DESC LIMIT 1`,
      ),
      failures: db.prepare<[number], Row>(
        `SELECT * FROM outbox WHERE state = 'failed' ORDER BY failed_at DESC, seq DESC LIMIT ?`,
      ),
      counts: db.prepare<[], { state: string; n: number }>(
        'SELECT state, count(*) AS n FROM outbox GROUP BY state',
      ),
    };
  }

  /** Stores a new message; false when its key is already known (whatever its state). */
  insert(
    key: string,
    channel: string,
    method: OutboxMethod,
    args: OutboxArgs,
    dependsOn: string[],
    now: number,
  ) {
    return this.db.transaction(() => {
      if (this.statements.byKey.get(key)) return false;
      if (this.reaches(dependsOn, key))
        throw new InvalidRequestError(`outbox message ${key} would wait for itself through its references`);
      const json = JSON.stringify(args);
      this.statements.insert.run(key, channel, method, json, JSON.stringify(dependsOn), now);
      return true;
    })();
  }

  /** Whether `target` is among the keys, or among what they wait for, transitively. */
  private reaches(keys: readonly string[], target: string): boolean {
    const seen = new Set<string>();
    const stack = [...keys];
    while (stack.length > 0) {
      const key = stack.pop()!;
      if (key === target) return true;
      if (seen.has(key)) continue;
      seen.add(key);
      const row = this.statements.dependsOn.get(key);
      if (row) stack.push(...(JSON.parse(row.depends_on) as string[]));
    }
    return false;
  }

  get(key: string): OutboxItem | undefined {
    const row = this.statements.byKey.get(key);
    return row ? this.toItem(row) : undefined;
  }

  resultOf(key: string): DeliveredResult | undefined {
    const row = this.statements.byKey.get(key);
    if (row?.state !== 'delivered') return undefined;
    return { ts: row.result_ts ?? undefined, channel: row.result_channel ?? undefined };
  }

  pending(): PendingEntry[] {
    return this.statements.pending.all().map((row) => ({
      seq: row.seq,
      key: row.key,
      channel: row.channel,
      notBefore: row.not_before,
      enqueuedAt: row.enqueued_at,
      waitingOn: JSON.parse(row.waiting) as PendingEntry['waitingOn'],
    }));
  }

  claim(seq: number, now: number): ClaimedItem | undefined {
    const row = this.statements.claim.get(now, now, seq);
    if (!row) return undefined;
    return {
      ...this.toItem(row),
      transientFailures: row.transient_failures,
      firstClaimedAt: row.first_claimed_at!,
    };
  }

  delivered(seq: number, result: DeliveredResult, now: number, called: boolean): void {
    this.statements.delivered.run(now, now, result.ts ?? null, result.channel ?? null, called ? 1 : 0, seq);
  }

  retryLater(
    seq: number,
    now: number,
    retry: { notBefore: number; error: string; transient: boolean; unsure: boolean },
  ): void {
    this.statements.retry.run(
      retry.notBefore,
      now,
      retry.error,
      retry.transient ? 1 : 0,
      retry.unsure ? 1 : 0,
      seq,
    );
  }

  /** Marks a message failed for good; `called` when this follows a call to Slack. */
  fail(seq: number, error: string, now: number, called: boolean): OutboxItem | undefined {
    const row = this.statements.fail.get(now, called ? now : null, called ? 1 : 0, error, seq);
    return row ? this.toItem(row) : undefined;
  }

  /** Claims left by a process that stopped before recording the outcome: pending again, but unsure. */
  recoverClaims(): number {
    return this.statements.recover.run().changes;
  }

  lastAttemptAt(channel: string): number | undefined {
    return this.statements.lastAttempt.get(channel)?.at ?? undefined;
  }

  lastDelivered(keyPrefix: string): OutboxItem | undefined {
    const row = this.statements.lastDelivered.get(keyPrefix, `${keyPrefix}\u{10ffff}`);
    return row ? this.toItem(row) : undefined;
  }

  failures(limit: number): OutboxItem[] {
    return this.statements.failures.all(limit).map((row) => this.toItem(row));
  }

  counts(): Record<OutboxState, number> {
    const counts: Record<OutboxState, number> = { pending: 0, sending: 0, delivered: 0, failed: 0 };
    for (const { state, n } of this.statements.counts.all())
      if (STATES.includes(state)) counts[state as OutboxState] = n;
    return counts;
  }

  /** Rows are parsed at the edge: a row this code did not write fails loudly rather than being sent. */
  private toItem(row: Row): OutboxItem {
    const args: unknown = JSON.parse(row.args);
    if (
      !isOutboxMethod(row.method) ||
      !STATES.includes(row.state) ||
      typeof args !== 'object' ||
      args === null
    )
      throw new StorageError(
        this.db.name,
        `outbox row ${row.seq} (${row.key}) is not a valid outbox message`,
      );
    return {
      seq: row.seq,
      key: row.key,
      channel: row.channel,
      method: row.method,
      args: args as OutboxArgs,
      state: row.state as OutboxState,
      attempts: row.attempts,
      enqueuedAt: iso(row.enqueued_at)!,
      unconfirmed: row.unconfirmed === 1,
      ...(row.delivered_at !== null ? { deliveredAt: iso(row.delivered_at) } : {}),
      ...(row.result_ts !== null ? { ts: row.result_ts } : {}),
      ...(row.result_channel !== null ? { deliveredChannel: row.result_channel } : {}),
      ...(row.error !== null ? { error: row.error } : {}),
      ...(row.failed_at !== null ? { failedAt: iso(row.failed_at) } : {}),
    };
  }
}
