/**
 * The outbox queue (ports/outbox.ts) in the embedded SQLite database. Every write is one short statement
 * (or a tiny transaction), because the ledger writer thread writes to the same file; `claim` is one
 * conditional UPDATE, so of two senders only one moves a message to `sending`.
 */
import { InvalidRequestError, StorageError } from '../../errors.ts';
import { type DeliveredResult, isOutboxMethod, type OutboxArgs } from '../../notify/outbox-args.ts';
import {
  type ClaimedItem,
  type NewOutboxItem,
  OUTBOX_STATES,
  type OutboxItem,
  type OutboxState,
  type OutboxStore,
  type PendingEntry,
  type RetryLater,
} from '../ports/outbox.ts';
import type { SqliteDatabase } from '../sqlite.ts';

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

const STATES: readonly string[] = OUTBOX_STATES;
const iso = (ms: number | null) => (ms === null ? undefined : new Date(ms).toISOString());

export class SqliteOutbox implements OutboxStore {
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

  async insert({ key, channel, method, args, dependsOn }: NewOutboxItem, now: number): Promise<boolean> {
    // IMMEDIATE: this reads before it writes, and a deferred transaction whose snapshot another connection
    // committed past cannot take the write lock: SQLite answers "database is locked" without waiting.
    return this.db
      .transaction(() => {
        if (this.statements.byKey.get(key)) return false;
        if (this.reaches([...dependsOn], key))
          throw new InvalidRequestError(`outbox message ${key} would wait for itself through its references`);
        const json = JSON.stringify(args);
        this.statements.insert.run(key, channel, method, json, JSON.stringify(dependsOn), now);
        return true;
      })
      .immediate();
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

  async get(key: string): Promise<OutboxItem | undefined> {
    const row = this.statements.byKey.get(key);
    return row ? this.toItem(row) : undefined;
  }

  async resultOf(key: string): Promise<DeliveredResult | undefined> {
    const row = this.statements.byKey.get(key);
    if (row?.state !== 'delivered') return undefined;
    return { ts: row.result_ts ?? undefined, channel: row.result_channel ?? undefined };
  }

  async pending(): Promise<PendingEntry[]> {
    return this.statements.pending.all().map((row) => ({
      seq: row.seq,
      key: row.key,
      channel: row.channel,
      notBefore: row.not_before,
      enqueuedAt: row.enqueued_at,
      waitingOn: JSON.parse(row.waiting) as PendingEntry['waitingOn'],
    }));
  }

  async claim(seq: number, now: number): Promise<ClaimedItem | undefined> {
    const row = this.statements.claim.get(now, now, seq);
    if (!row) return undefined;
    return {
      ...this.toItem(row),
      transientFailures: row.transient_failures,
      firstClaimedAt: row.first_claimed_at!,
    };
  }

  async delivered(seq: number, result: DeliveredResult, now: number, called: boolean): Promise<void> {
    this.statements.delivered.run(now, now, result.ts ?? null, result.channel ?? null, called ? 1 : 0, seq);
  }

  async retryLater(seq: number, now: number, retry: RetryLater): Promise<void> {
    this.statements.retry.run(
      retry.notBefore,
      now,
      retry.error,
      retry.transient ? 1 : 0,
      retry.unsure ? 1 : 0,
      seq,
    );
  }

  async fail(seq: number, error: string, now: number, called: boolean): Promise<OutboxItem | undefined> {
    const row = this.statements.fail.get(now, called ? now : null, called ? 1 : 0, error, seq);
    return row ? this.toItem(row) : undefined;
  }

  async recoverClaims(): Promise<number> {
    return this.statements.recover.run().changes;
  }

  async lastAttemptAt(channel: string): Promise<number | undefined> {
    return this.statements.lastAttempt.get(channel)?.at ?? undefined;
  }

  async lastDelivered(keyPrefix: string): Promise<OutboxItem | undefined> {
    const row = this.statements.lastDelivered.get(keyPrefix, `${keyPrefix}\u{10ffff}`);
    return row ? this.toItem(row) : undefined;
  }

  async failures(limit: number): Promise<OutboxItem[]> {
    return this.statements.failures.all(limit).map((row) => this.toItem(row));
  }

  async counts(): Promise<Record<OutboxState, number>> {
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
