/**
 * Agenda 6 backend on the embedded SQLite database, so the scheduler needs no server: jobs live in the same
 * file as the ledger (`openSqlite`), and several processes may share it (see sqlite-job-repository.ts).
 *
 * It has no notification channel: Agenda polls every `processEvery` ms, which is what the Mongo backend does.
 * The handle belongs to the caller (ownsConnection = false): `agenda.stop()` leaves it open for the rest of
 * the app, and whoever opened it closes it.
 */
import type { AgendaBackend } from 'agenda';
import type { SqliteDatabase } from '../../sqlite.ts';
import { SqliteJobRepository } from './sqlite-job-repository.ts';

export { SqliteJobRepository } from './sqlite-job-repository.ts';

export interface SqliteAgendaBackendOptions {
  /** An open better-sqlite3 handle, normally from `openSqlite` (WAL mode, busy timeout). */
  db: SqliteDatabase;
  /** Table for the jobs; created with its indexes if absent. Default `agenda_jobs`. */
  tableName?: string;
}

export class SqliteAgendaBackend implements AgendaBackend {
  readonly name = 'SQLite';
  readonly repository: SqliteJobRepository;
  readonly ownsConnection = false;

  constructor({ db, tableName = 'agenda_jobs' }: SqliteAgendaBackendOptions) {
    this.repository = new SqliteJobRepository({ db, tableName });
  }

  async connect(): Promise<void> {
    await this.repository.connect();
  }

  /** Nothing to release: statements die with the handle, and the handle is the caller's. */
  async disconnect(): Promise<void> {}
}
