/**
 * Sync runs and the audit log in the embedded SQLite database. Status pages read each connection's newest
 * run and newest success through the (connection, started_at) index, so their cost does not grow with the
 * history kept.
 *
 * A running run is also its connection's lease (see RunLease in ../types.ts): taking it, renewing it and
 * closing a lapsed one are each one write transaction, and the unique index on running runs per connection
 * makes a second running run impossible even for a writer that skipped these checks.
 */
import { RunConflictError } from '../../errors.ts';
import type { SqliteDatabase } from '../sqlite.ts';
import type { ActiveRun, AuditEntry, RunLease, RunStatus, RunTrigger, SyncRun } from '../types.ts';
import { describeStarter } from '../types.ts';

interface RunRow {
  id: string;
  connection: string;
  trigger: string;
  triggered_by: string | null;
  started_at: string;
  ended_at: string | null;
  status: string;
  streams: string;
  error_class: string | null;
  error_message: string | null;
  skipped: string;
  holder: string | null;
  lease_until: number | null;
}

function fromRunRow(row: RunRow): SyncRun {
  return {
    id: row.id,
    connection: row.connection,
    trigger: row.trigger as RunTrigger,
    triggeredBy: row.triggered_by,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    status: row.status as RunStatus,
    streams: JSON.parse(row.streams),
    errorClass: row.error_class,
    errorMessage: row.error_message,
    skipped: JSON.parse(row.skipped),
  };
}

function toRunRow(run: SyncRun, lease: { holder: string | null; until: number | null }): RunRow {
  return {
    holder: lease.holder,
    lease_until: lease.until,
    id: run.id,
    connection: run.connection,
    trigger: run.trigger,
    triggered_by: run.triggeredBy,
    started_at: run.startedAt,
    ended_at: run.endedAt,
    status: run.status,
    streams: JSON.stringify(run.streams),
    error_class: run.errorClass,
    error_message: run.errorMessage,
    skipped: JSON.stringify(run.skipped),
  };
}

function fromActiveRow(row: RunRow): ActiveRun {
  return { ...fromRunRow(row), holder: row.holder ?? 'unknown', leaseUntil: row.lease_until ?? 0 };
}

export interface RunSummary {
  readonly latest: SyncRun | null;
  readonly lastSuccess: SyncRun | null;
}

export class SqliteRuns {
  private readonly statements;

  constructor(private readonly db: SqliteDatabase) {
    this.statements = {
      select: db.prepare<[string], RunRow>('SELECT * FROM runs WHERE id = ?'),
      insert: db.prepare<RunRow>(
        'INSERT INTO runs (id, connection, trigger, triggered_by, started_at, ended_at, status, streams, error_class, error_message, skipped, holder, lease_until) VALUES (@id, @connection, @trigger, @triggered_by, @started_at, @ended_at, @status, @streams, @error_class, @error_message, @skipped, @holder, @lease_until)',
      ),
      // Only a running run changes: one closed by another process (its lease lapsed) keeps what it says.
      update: db.prepare<RunRow>(
        "UPDATE runs SET trigger = @trigger, triggered_by = @triggered_by, started_at = @started_at, ended_at = @ended_at, status = @status, streams = @streams, error_class = @error_class, error_message = @error_message, skipped = @skipped, holder = @holder, lease_until = @lease_until WHERE id = @id AND status = 'running'",
      ),
      running: db.prepare<[string], RunRow>("SELECT * FROM runs WHERE connection = ? AND status = 'running'"),
      // A lease that lapsed but was not taken over is still the holder's: a stalled process may go on.
      renew: db.prepare<[number, string, string]>(
        "UPDATE runs SET lease_until = ? WHERE id = ? AND holder = ? AND status = 'running'",
      ),
      closeLapsed: db.prepare<[string, string, string, number]>(
        "UPDATE runs SET status = 'failed', ended_at = ?, error_class = 'internal', error_message = ?, lease_until = NULL WHERE id = ? AND status = 'running' AND (lease_until IS NULL OR lease_until < ?)",
      ),
      list: db.prepare<[string, number], RunRow>(
        'SELECT * FROM runs WHERE connection = ? ORDER BY started_at DESC, id DESC LIMIT ?',
      ),
      latestSuccess: db.prepare<[string], RunRow>(
        "SELECT * FROM runs WHERE connection = ? AND status IN ('success', 'partial') ORDER BY started_at DESC, id DESC LIMIT 1",
      ),
      closeOrphans: db.prepare<[string, string, number]>(
        "UPDATE runs SET status = 'failed', ended_at = ?, error_class = 'internal', error_message = ?, lease_until = NULL WHERE status = 'running' AND (lease_until IS NULL OR lease_until < ?)",
      ),
      appendAudit: db.prepare<AuditEntry>(
        'INSERT INTO audit (at, actor, action, connection, outcome, detail) VALUES (@at, @actor, @action, @connection, @outcome, @detail)',
      ),
      listAudit: db.prepare<[number], AuditEntry>(
        'SELECT at, actor, action, connection, outcome, detail FROM audit ORDER BY seq DESC LIMIT ?',
      ),
    };
  }

  /**
   * Records a run. A running run takes its connection's lease, in one write transaction: a live lease of
   * another run throws RunConflictError; a lapsed one (its holder died or stalled past the lease) is closed
   * as failed first, and this run resumes from the connection's committed cursors.
   */
  start(run: SyncRun, lease: RunLease, nowMs: number): void {
    this.db
      .transaction(() => {
        if (run.status === 'running') {
          const live = this.statements.running.get(run.connection);
          if (live && live.lease_until !== null && live.lease_until >= nowMs) {
            throw new RunConflictError(run.connection, live.started_at, describeStarter(fromActiveRow(live)));
          }
          if (live) this.closeLapsed(live, nowMs);
        }
        const held = run.status === 'running';
        this.statements.insert.run(
          toRunRow(run, { holder: held ? lease.holder : null, until: held ? nowMs + lease.ttlMs : null }),
        );
      })
      .immediate();
  }

  private closeLapsed(row: RunRow, nowMs: number): void {
    const lapsedAt =
      row.lease_until === null ? 'an earlier version' : new Date(row.lease_until).toISOString();
    this.statements.closeLapsed.run(
      new Date(nowMs).toISOString(),
      `the process running it (${row.holder ?? 'unknown'}) stopped renewing its lease (lapsed ${lapsedAt}); the next run resumed from the last committed page`,
      row.id,
      nowMs,
    );
  }

  /** Extends a run's lease; false when it is no longer this holder's (closed, or taken over after lapsing). */
  renew(id: string, holder: string, ttlMs: number, nowMs: number): boolean {
    return this.statements.renew.run(nowMs + ttlMs, id, holder).changes === 1;
  }

  /** The connection's running run while its lease is live. */
  active(connection: string, nowMs: number): ActiveRun | undefined {
    const row = this.statements.running.get(connection);
    if (!row || row.lease_until === null || row.lease_until < nowMs) return undefined;
    return fromActiveRow(row);
  }

  /** Updates a running run; a run already ended (or closed by another process) is returned as stored. */
  update(id: string, patch: Partial<Omit<SyncRun, 'id' | 'connection'>>): SyncRun | undefined {
    return this.db
      .transaction((): SyncRun | undefined => {
        const current = this.statements.select.get(id);
        if (!current) return undefined;
        if (current.status !== 'running') return fromRunRow(current);
        const next = { ...fromRunRow(current), ...patch };
        const ended = next.status !== 'running';
        this.statements.update.run(
          toRunRow(next, { holder: current.holder, until: ended ? null : current.lease_until }),
        );
        return next;
      })
      .immediate();
  }

  list(connection: string, limit: number): SyncRun[] {
    return this.statements.list.all(connection, limit).map(fromRunRow);
  }

  summaries(connections: readonly string[]): Map<string, RunSummary> {
    const out = new Map<string, RunSummary>();
    for (const connection of connections) {
      const latest = this.statements.list.get(connection, 1);
      if (!latest) continue;
      const success =
        latest.status === 'success' || latest.status === 'partial'
          ? latest
          : this.statements.latestSuccess.get(connection);
      out.set(connection, { latest: fromRunRow(latest), lastSuccess: success ? fromRunRow(success) : null });
    }
    return out;
  }

  /** Closes running runs whose lease has lapsed (a live run of another process is left alone). */
  closeOrphans(reason: string, nowMs: number): number {
    return this.statements.closeOrphans.run(new Date(nowMs).toISOString(), reason, nowMs).changes;
  }

  appendAudit(entry: AuditEntry): void {
    this.statements.appendAudit.run(entry);
  }

  listAudit(limit: number): AuditEntry[] {
    return this.statements.listAudit.all(limit);
  }
}
