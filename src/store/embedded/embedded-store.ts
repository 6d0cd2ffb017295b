/**
 * The embedded store: one SQLite file under FINSYNC_DATA_DIR holds everything (connections and settings,
 * records, cursors, runs and their leases, audit, scheduler jobs, outbox, incidents). Several processes
 * (the app, the CLI beside it) share it safely: each change is a transaction on the current durable state,
 * and the rules that span processes (one run per connection, a token rotation, a setting) are enforced by
 * those transactions, never by one process's memory. Older folders kept connections and settings as lowdb
 * files; they are imported once at open (documents.ts). Each port (../ports/) is one file of SQL here.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { StreamCursor } from '../../../connectors/types.ts';
import { NotFoundError } from '../../errors.ts';
import type { LedgerRecord } from '../../records.ts';
import { defaultLease } from '../lease.ts';
import type { DigestQueries } from '../ports/digest.ts';
import type { IncidentStore } from '../ports/incidents.ts';
import type { JobStore } from '../ports/jobs.ts';
import type { LinkSessionStore } from '../ports/link-sessions.ts';
import type { OutboxStore } from '../ports/outbox.ts';
import type { PaymentRequestStore } from '../ports/payment-requests.ts';
import type { ReplayStore } from '../ports/replays.ts';
import { openSqlite, type SqliteDatabase } from '../sqlite.ts';
import type {
  ActiveRun,
  AuditEntry,
  Connection,
  LedgerChange,
  PageResult,
  PageWrite,
  RecordQuery,
  RunLease,
  Store,
  StoreHealth,
  SyncRun,
} from '../types.ts';
import { sqliteDigestQueries } from './digest-queries.ts';
import { type ConnectionPatch, importLegacyDocuments, SqliteDocuments } from './documents.ts';
import { SqliteIncidents } from './incidents.ts';
import { SqliteAgendaBackend } from './jobs/sqlite-backend.ts';
import { SqliteLedger } from './ledger.ts';
import { LedgerWriter } from './ledger-writer.ts';
import { SqliteLinkSessions } from './link-sessions.ts';
import { SqliteOutbox } from './outbox.ts';
import { SqlitePaymentRequests } from './payment-requests.ts';
import { SqliteReplays } from './replays.ts';
import { SqliteRuns } from './runs.ts';

export const DATABASE_FILE = 'finsync.db';

export class EmbeddedStore implements Store {
  readonly kind = 'embedded';
  readonly outbox: OutboxStore;
  readonly incidents: IncidentStore;
  readonly jobs: JobStore;
  readonly digest: DigestQueries;
  readonly linkSessions: LinkSessionStore;
  readonly replays: ReplayStore;
  readonly paymentRequests: PaymentRequestStore;

  private constructor(
    readonly dataDir: string,
    private readonly documents: SqliteDocuments,
    private readonly ledger: SqliteLedger,
    private readonly runs: SqliteRuns,
    private readonly writer: LedgerWriter,
  ) {
    const db = ledger.db;
    this.outbox = new SqliteOutbox(db);
    this.incidents = new SqliteIncidents(db);
    this.jobs = { agendaBackend: () => new SqliteAgendaBackend({ db }) };
    this.digest = sqliteDigestQueries(db);
    this.linkSessions = new SqliteLinkSessions(db);
    this.replays = new SqliteReplays(db);
    this.paymentRequests = new SqlitePaymentRequests(db);
  }

  /** Opens (creating when absent) the store; a corrupt file throws StorageError naming it, untouched. */
  static async open(dataDir: string): Promise<EmbeddedStore> {
    mkdirSync(dataDir, { recursive: true });
    const file = join(dataDir, DATABASE_FILE);
    // This connection (the main thread: Slack requests, runs, the outbox) never checkpoints the WAL: a small
    // commit that crossed the threshold would copy everything a sync wrote before it, a 40-60 ms stall in the
    // middle of a Slack request (bench/ack-latency.ts). The ledger writer thread checkpoints instead.
    const ledger = new SqliteLedger(openSqlite(file, { checkpointPages: 0 }));
    await importLegacyDocuments(ledger.db, {
      connections: join(dataDir, 'connections.json'),
      settings: join(dataDir, 'settings.json'),
    });
    // Started after the schema is migrated on this connection, so the writer's connection finds it ready.
    const writer = await LedgerWriter.start(file);
    return new EmbeddedStore(
      dataDir,
      new SqliteDocuments(ledger.db, file),
      ledger,
      new SqliteRuns(ledger.db),
      writer,
    );
  }

  /** The SQLite handle, for tests of this implementation (query plans) and bench seeding (embedded/seed.ts). */
  get database(): SqliteDatabase {
    return this.ledger.db;
  }

  async listConnections(): Promise<readonly Connection[]> {
    return this.documents.listConnections();
  }

  async getConnection(name: string): Promise<Connection | undefined> {
    return this.documents.getConnection(name);
  }

  async createConnection(connection: Connection): Promise<void> {
    this.documents.createConnection(connection);
  }

  async updateConnection(name: string, patch: ConnectionPatch): Promise<Connection> {
    return this.documents.modifyConnection(name, () => patch);
  }

  async modifyConnection(
    name: string,
    change: (current: Connection) => ConnectionPatch | null,
  ): Promise<Connection> {
    return this.documents.modifyConnection(name, change);
  }

  async removeConnection(
    name: string,
    options: { deleteRecords: boolean },
  ): Promise<{ recordsDeleted: number }> {
    // Credentials go first: a crash after this leaves orphan data, never orphan secrets.
    if (!this.documents.removeConnection(name)) throw new NotFoundError(`no connection named ${name}`);
    return { recordsDeleted: this.ledger.removeConnectionData(name, options.deleteRecords) };
  }

  async adoptProvisional(connection: string, stream: string, readId: string): Promise<number> {
    return this.ledger.adoptProvisional(connection, stream, readId);
  }

  applyPage(page: PageWrite): Promise<PageResult> {
    return this.writer.apply(page);
  }

  async saveCursor(connection: string, stream: string, cursor: StreamCursor): Promise<void> {
    this.ledger.saveCursor(connection, stream, cursor);
  }

  async getCursor(connection: string, stream: string): Promise<StreamCursor | null> {
    return this.ledger.getCursor(connection, stream);
  }

  async countRecords(connection?: string): Promise<number> {
    return this.ledger.countRecords(connection);
  }

  async recordCounts(): Promise<ReadonlyMap<string, number>> {
    return this.ledger.recordCounts();
  }

  iterateRecords(query: RecordQuery): AsyncIterable<LedgerRecord> {
    return this.ledger.iterateRecords(query);
  }

  async changesSince(afterSeq: number, limit: number): Promise<readonly LedgerChange[]> {
    return this.ledger.changesSince(afterSeq, limit);
  }

  async startRun(run: SyncRun, lease: RunLease = defaultLease()): Promise<void> {
    this.runs.start(run, lease, Date.now());
  }

  async renewRunLease(id: string, lease: RunLease): Promise<boolean> {
    return this.runs.renew(id, lease.holder, lease.ttlMs, Date.now());
  }

  async activeRun(connection: string): Promise<ActiveRun | undefined> {
    return this.runs.active(connection, Date.now());
  }

  async updateRun(id: string, patch: Partial<Omit<SyncRun, 'id' | 'connection'>>): Promise<SyncRun> {
    const run = this.runs.update(id, patch);
    if (!run) throw new NotFoundError(`no sync run ${id}`);
    return run;
  }

  async listRuns(connection: string, limit: number): Promise<readonly SyncRun[]> {
    return this.runs.list(connection, limit);
  }

  async runSummaries(): Promise<
    ReadonlyMap<string, { latest: SyncRun | null; lastSuccess: SyncRun | null }>
  > {
    return this.runs.summaries(this.documents.listConnections().map((c) => c.name));
  }

  async ledgerVersion(): Promise<number> {
    return this.ledger.lastChangeSeq();
  }

  async statusVersion(): Promise<number> {
    return this.ledger.statusVersion();
  }

  async closeOrphanRuns(reason: string): Promise<number> {
    return this.runs.closeOrphans(reason, Date.now());
  }

  async getSetting<T>(key: string): Promise<T | undefined> {
    return this.documents.getSetting<T>(key);
  }

  async setSetting<T>(key: string, value: T): Promise<void> {
    this.documents.setSetting(key, value);
  }

  async modifySetting<T>(key: string, change: (current: T | undefined) => T): Promise<T> {
    return this.documents.modifySetting(key, change);
  }

  async appendAudit(entry: AuditEntry): Promise<void> {
    this.runs.appendAudit(entry);
  }

  async listAudit(limit: number): Promise<readonly AuditEntry[]> {
    return this.runs.listAudit(limit);
  }

  async health(): Promise<StoreHealth> {
    try {
      this.ledger.db.prepare('SELECT 1').get();
      return { ok: true, kind: this.kind, detail: `embedded store in ${this.dataDir}` };
    } catch (error) {
      return { ok: false, kind: this.kind, detail: error instanceof Error ? error.message : String(error) };
    }
  }

  async close(): Promise<void> {
    await this.writer.close();
    if (this.ledger.db.open) this.ledger.db.close();
  }
}
