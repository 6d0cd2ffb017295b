/**
 * Connections and settings in the embedded SQLite database. Every read is of the current durable state and
 * every change is a read-modify-write inside one write transaction, so a process (the app, the CLI beside it)
 * can never revert another's change: a refresh token rotated by a CLI sync, a setting set from Slack, a data
 * key re-wrapped by `rotate-key`. They used to be lowdb files, which each process held in memory and rewrote
 * whole (shared/NOTES.md); `importLegacyDocuments` moves those files in once.
 */
import { existsSync, renameSync } from 'node:fs';
import { AccountConnectedError, ConflictError, NotFoundError, StorageError } from '../../errors.ts';
import type { SqliteDatabase } from '../sqlite.ts';
import type { Connection } from '../types.ts';
import { JsonDocument } from './json-document.ts';

export type ConnectionPatch = Partial<Omit<Connection, 'name' | 'provider'>>;

export class SqliteDocuments {
  private readonly statements;

  constructor(
    private readonly db: SqliteDatabase,
    private readonly file: string,
  ) {
    this.statements = {
      listConnections: db.prepare<[], { doc: string }>('SELECT doc FROM connections ORDER BY rowid'),
      getConnection: db.prepare<[string], { doc: string }>('SELECT doc FROM connections WHERE name = ?'),
      accountHolder: db.prepare<[string, string], { name: string }>(
        "SELECT name FROM connections WHERE json_extract(doc, '$.provider') = ? AND json_extract(doc, '$.accountId') = ? LIMIT 1",
      ),
      insertConnection: db.prepare<[string, string]>(
        'INSERT INTO connections (name, doc) VALUES (?, ?) ON CONFLICT (name) DO NOTHING',
      ),
      replaceConnection: db.prepare<[string, string]>(
        'UPDATE connections SET doc = ?, version = version + 1 WHERE name = ?',
      ),
      deleteConnection: db.prepare<[string]>('DELETE FROM connections WHERE name = ?'),
      getSetting: db.prepare<[string], { value: string }>('SELECT value FROM settings WHERE key = ?'),
      putSetting: db.prepare<[string, string]>(
        'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
      ),
    };
  }

  listConnections(): Connection[] {
    return this.statements.listConnections
      .all()
      .map((row) => this.parse<Connection>(row.doc, 'a connection'));
  }

  getConnection(name: string): Connection | undefined {
    const row = this.statements.getConnection.get(name);
    return row ? this.parse<Connection>(row.doc, `connection ${name}`) : undefined;
  }

  /** The account check and the insert are one write transaction: no other process connects in between. */
  createConnection(connection: Connection): void {
    this.db
      .transaction(() => {
        const holder =
          connection.accountId === null
            ? undefined
            : this.statements.accountHolder.get(connection.provider, connection.accountId);
        if (holder) throw new AccountConnectedError(holder.name);
        if (this.statements.insertConnection.run(connection.name, JSON.stringify(connection)).changes === 0) {
          throw new ConflictError(`a connection named ${connection.name} already exists`);
        }
      })
      .immediate();
  }

  /**
   * Applies `change` to the connection as it is now, inside one write transaction: no other process writes
   * between the read and the write. `change` returns the patch, or null to leave it as it is; it must be
   * synchronous and must not do I/O.
   */
  modifyConnection(name: string, change: (current: Connection) => ConnectionPatch | null): Connection {
    return this.db
      .transaction((): Connection => {
        const current = this.getConnection(name);
        if (!current) throw new NotFoundError(`no connection named ${name}`);
        const patch = change(current);
        if (patch === null) return current;
        const next: Connection = { ...current, ...patch, name: current.name, provider: current.provider };
        this.statements.replaceConnection.run(JSON.stringify(next), name);
        return next;
      })
      .immediate();
  }

  removeConnection(name: string): boolean {
    return this.statements.deleteConnection.run(name).changes > 0;
  }

  getSetting<T>(key: string): T | undefined {
    const row = this.statements.getSetting.get(key);
    return row ? this.parse<T>(row.value, `setting ${key}`) : undefined;
  }

  setSetting<T>(key: string, value: T): void {
    this.statements.putSetting.run(key, JSON.stringify(value));
  }

  /** Read-modify-write of one setting in one write transaction (see modifyConnection). */
  modifySetting<T>(key: string, change: (current: T | undefined) => T): T {
    return this.db
      .transaction((): T => {
        const next = change(this.getSetting<T>(key));
        this.setSetting(key, next);
        return next;
      })
      .immediate();
  }

  private parse<T>(text: string, what: string): T {
    try {
      return JSON.parse(text) as T;
    } catch (error) {
      throw new StorageError(
        this.file,
        `${what} in ${this.file} is not valid JSON (${error instanceof Error ? error.message : String(error)}); restore the file from a backup`,
      );
    }
  }
}

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

/** The suffix a legacy file gets once imported: kept as a backup, never read again. */
export const IMPORTED_SUFFIX = '.imported';

/**
 * Moves `connections.json` and `settings.json` (lowdb, before the documents lived in SQLite) into the
 * database, once. lowdb reads them, with the same refusal as before: a corrupt or misshapen file stops
 * start-up, untouched. The import and its marker commit in one transaction, so two processes starting
 * together import once; the files are then renamed, never deleted.
 */
export async function importLegacyDocuments(
  db: SqliteDatabase,
  files: { readonly connections: string; readonly settings: string },
): Promise<void> {
  const pending = [files.connections, files.settings].filter((file) => existsSync(file));
  if (pending.length === 0) return;
  const connections = existsSync(files.connections)
    ? (await JsonDocument.open(files.connections, { connections: [] }, isConnectionsDoc)).data.connections
    : [];
  const settings = existsSync(files.settings)
    ? (await JsonDocument.open(files.settings, { settings: {} }, isSettingsDoc)).data.settings
    : {};
  db.transaction(() => {
    if (db.prepare("SELECT 1 FROM store_meta WHERE key = 'legacy_documents_imported'").get()) return;
    const insertConnection = db.prepare(
      'INSERT INTO connections (name, doc) VALUES (?, ?) ON CONFLICT (name) DO NOTHING',
    );
    for (const connection of connections) insertConnection.run(connection.name, JSON.stringify(connection));
    const insertSetting = db.prepare(
      'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING',
    );
    for (const [key, value] of Object.entries(settings)) insertSetting.run(key, JSON.stringify(value));
    db.prepare(
      "INSERT INTO store_meta (key, value) VALUES ('legacy_documents_imported', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
    ).run();
  }).immediate();
  for (const file of pending) {
    try {
      const backup = `${file}${IMPORTED_SUFFIX}`;
      // An earlier backup is never overwritten.
      renameSync(file, existsSync(backup) ? `${backup}.${Date.now()}` : backup);
    } catch (error) {
      // Another process starting at the same moment renamed it first.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
}
