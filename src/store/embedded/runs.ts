/**
 * Sync runs and the audit log in the embedded SQLite database. Status pages read each connection's newest
 * run and newest success through the (connection, started_at) index, so their cost does not grow with the
 * history kept.
 */
import type { SqliteDatabase } from '../sqlite.ts';
import type { AuditEntry, RunStatus, RunTrigger, SyncRun } from '../types.ts';

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

function toRunRow(run: SyncRun): RunRow {
  return {
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

export interface RunSummary {
  readonly latest: SyncRun | null;
  readonly lastSuccess: SyncRun | null;
}

export class SqliteRuns {
  private readonly statements;

  constructor(db: SqliteDatabase) {
    this.statements = {
      select: db.prepare<[string], RunRow>('SELECT * FROM runs WHERE id = ?'),
      insert: db.prepare<RunRow>(
        'INSERT INTO runs (id, connection, trigger, triggered_by, started_at, ended_at, status, streams, error_class, error_message, skipped) VALUES (@id, @connection, @trigger, @triggered_by, @started_at, @ended_at, @status, @streams, @error_class, @error_message, @skipped)',
      ),
      update: db.prepare<RunRow>(
        'UPDATE runs SET trigger = @trigger, triggered_by = @triggered_by, started_at = @started_at, ended_at = @ended_at, status = @status, streams = @streams, error_class = @error_class, error_message = @error_message, skipped = @skipped WHERE id = @id',
      ),
      list: db.prepare<[string, number], RunRow>(
        'SELECT * FROM runs WHERE connection = ? ORDER BY started_at DESC, id DESC LIMIT ?',
      ),
      latestSuccess: db.prepare<[string], RunRow>(
        "SELECT * FROM runs WHERE connection = ? AND status IN ('success', 'partial') ORDER BY started_at DESC, id DESC LIMIT 1",
      ),
      closeOrphans: db.prepare<[string, string]>(
        "UPDATE runs SET status = 'failed', ended_at = ?, error_class = 'internal', error_message = ? WHERE status = 'running'",
      ),
      appendAudit: db.prepare<AuditEntry>(
        'INSERT INTO audit (at, actor, action, connection, outcome, detail) VALUES (@at, @actor, @action, @connection, @outcome, @detail)',
      ),
      listAudit: db.prepare<[number], AuditEntry>(
        'SELECT at, actor, action, connection, outcome, detail FROM audit ORDER BY seq DESC LIMIT ?',
      ),
    };
  }

  start(run: SyncRun): void {
    this.statements.insert.run(toRunRow(run));
  }

  update(id: string, patch: Partial<Omit<SyncRun, 'id' | 'connection'>>): SyncRun | undefined {
    const current = this.statements.select.get(id);
    if (!current) return undefined;
    const next = { ...fromRunRow(current), ...patch };
    this.statements.update.run(toRunRow(next));
    return next;
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

  closeOrphans(reason: string): number {
    return this.statements.closeOrphans.run(new Date().toISOString(), reason).changes;
  }

  appendAudit(entry: AuditEntry): void {
    this.statements.appendAudit.run(entry);
  }

  listAudit(limit: number): AuditEntry[] {
    return this.statements.listAudit.all(limit);
  }
}
