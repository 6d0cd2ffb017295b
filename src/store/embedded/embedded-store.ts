/**
 * The embedded store: human-scale documents (connections, settings) as lowdb JSON files, and the
 * high-volume data (records, cursors, runs, audit, scheduler jobs) in one SQLite file, all under
 * FINSYNC_DATA_DIR. One process writes at a time (lowdb has no cross-process locking).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { StreamCursor } from '../../../connectors/types.ts';
import { ConflictError, NotFoundError } from '../../errors.ts';
import type { LedgerRecord } from '../../records.ts';
import { openSqlite, type SqliteDatabase } from '../sqlite.ts';
import type {
  AuditEntry,
  Connection,
  LedgerChange,
  PageResult,
  PageWrite,
  RecordQuery,
  Store,
  StoreHealth,
  SyncRun,
} from '../types.ts';
import { JsonDocument } from './json-document.ts';
import { SqliteLedger } from './ledger.ts';
import { LedgerWriter } from './ledger-writer.ts';
import { SqliteRuns } from './runs.ts';

interface ConnectionsDoc {
  connections: Connection[];
}
interface SettingsDoc {
  settings: Record<string, unknown>;
}

const isConnectionsDoc = (data: unknown): data is ConnectionsDoc =>
  typeof data === 'object' && data !== null && Array.isArray((data as ConnectionsDoc).connections);
const isSettingsDoc = (data: unknown): data is SettingsDoc =>
  typeof data === 'object' && data !== null && typeof (data as SettingsDoc).settings === 'object';

export const DATABASE_FILE = 'finsync.db';

export class EmbeddedStore implements Store {
  readonly kind = 'embedded';

  private constructor(
    readonly dataDir: string,
    private readonly connections: JsonDocument<ConnectionsDoc>,
    private readonly settings: JsonDocument<SettingsDoc>,
    private readonly ledger: SqliteLedger,
    private readonly runs: SqliteRuns,
    private readonly writer: LedgerWriter,
  ) {}

  /** Opens (creating when absent) the store; a corrupt file throws StorageError naming it, untouched. */
  static async open(dataDir: string): Promise<EmbeddedStore> {
    mkdirSync(dataDir, { recursive: true });
    const connections = await JsonDocument.open(
      join(dataDir, 'connections.json'),
      { connections: [] },
      isConnectionsDoc,
    );
    const settings = await JsonDocument.open(join(dataDir, 'settings.json'), { settings: {} }, isSettingsDoc);
    const file = join(dataDir, DATABASE_FILE);
    const ledger = new SqliteLedger(openSqlite(file));
    // Started after the schema is migrated on this connection, so the writer's connection finds it ready.
    const writer = await LedgerWriter.start(file);
    return new EmbeddedStore(dataDir, connections, settings, ledger, new SqliteRuns(ledger.db), writer);
  }

  /** The SQLite handle, shared with the scheduler's Agenda backend. */
  get database(): SqliteDatabase {
    return this.ledger.db;
  }

  async listConnections(): Promise<readonly Connection[]> {
    return this.connections.data.connections;
  }

  async getConnection(name: string): Promise<Connection | undefined> {
    return this.connections.data.connections.find((c) => c.name === name);
  }

  async createConnection(connection: Connection): Promise<void> {
    await this.connections.update((doc) => {
      if (doc.connections.some((c) => c.name === connection.name)) {
        throw new ConflictError(`a connection named ${connection.name} already exists`);
      }
      doc.connections.push(connection);
    });
  }

  async updateConnection(
    name: string,
    patch: Partial<Omit<Connection, 'name' | 'provider'>>,
  ): Promise<Connection> {
    return this.connections.update((doc) => {
      const index = doc.connections.findIndex((c) => c.name === name);
      if (index < 0) throw new NotFoundError(`no connection named ${name}`);
      const next = { ...doc.connections[index]!, ...patch };
      doc.connections[index] = next;
      return next;
    });
  }

  async removeConnection(
    name: string,
    options: { deleteRecords: boolean },
  ): Promise<{ recordsDeleted: number }> {
    if (!(await this.getConnection(name))) throw new NotFoundError(`no connection named ${name}`);
    // Credentials go first: a crash after this leaves orphan data, never orphan secrets.
    await this.connections.update((doc) => {
      doc.connections = doc.connections.filter((c) => c.name !== name);
    });
    return { recordsDeleted: this.ledger.removeConnectionData(name, options.deleteRecords) };
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

  async startRun(run: SyncRun): Promise<void> {
    this.runs.start(run);
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
    return this.runs.summaries(this.connections.data.connections.map((c) => c.name));
  }

  async closeOrphanRuns(reason: string): Promise<number> {
    return this.runs.closeOrphans(reason);
  }

  async getSetting<T>(key: string): Promise<T | undefined> {
    return this.settings.data.settings[key] as T | undefined;
  }

  async setSetting<T>(key: string, value: T): Promise<void> {
    await this.settings.update((doc) => {
      doc.settings[key] = value;
    });
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
