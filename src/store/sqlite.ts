/**
 * Opens the embedded SQLite database that holds the high-volume data (ledger records, cursors, runs, jobs).
 * Why SQLite beside lowdb: lowdb rewrites its whole file on every write (2.8 s per write at 1M records,
 * shared/NOTES.md), so a ledger that commits a page of records and its cursor together, and stays fast at
 * a million rows, needs a store with transactions and indexes. better-sqlite3 is that, well kept and synchronous.
 */
import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { StorageError } from '../errors.ts';

export type SqliteDatabase = Database.Database;

export interface SqliteOptions {
  /**
   * Page cache of this connection, in MiB (SQLite's default is 2). The ledger writer takes more: a bulk load
   * touches the records table and its index all over, and with 2 MiB it re-read pages it had just written.
   */
  readonly cacheMiB?: number;
  /**
   * WAL frames (4 KiB pages) after which a commit on this connection checkpoints them into the database file
   * (SQLite's default: 1,000); 0: never, another connection checkpoints. embedded-store.ts and
   * ledger-writer-thread.ts say who checkpoints the embedded store, and why.
   */
  readonly checkpointPages?: number;
}

export function openSqlite(file: string, options: SqliteOptions = {}): SqliteDatabase {
  const existed = file !== ':memory:' && existsSync(file);
  let db: SqliteDatabase;
  try {
    db = new Database(file, { fileMustExist: false });
    // Reading the schema forces SQLite to read the header: a file that is not a database fails here,
    // before anything writes to it, and the file is left as it was.
    db.prepare('SELECT count(*) FROM sqlite_master').get();
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    if (options.checkpointPages !== undefined) db.pragma(`wal_autocheckpoint = ${options.checkpointPages}`);
    if (options.cacheMiB !== undefined) db.pragma(`cache_size = ${-Math.round(options.cacheMiB * 1024)}`);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new StorageError(
      file,
      `${file} is not a readable finsync database (${reason}); it was left untouched${existed ? '' : ' (it did not exist before)'}. Restore it from a backup or move it away to start empty.`,
    );
  }
  return db;
}
