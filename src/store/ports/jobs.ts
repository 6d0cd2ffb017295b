/**
 * The jobs port: where Agenda keeps the scheduler's jobs (repeating syncs, one-off sync-now jobs). Agenda's
 * own backend interface is the contract: the embedded store serves it from its SQLite file, a MongoDB store
 * from its database (@agendajs/mongo-backend). Claiming a due job is atomic across processes, so each job
 * runs once however many processes poll.
 */
import type { AgendaBackend } from 'agenda';

export interface JobStore {
  /**
   * A backend for one Agenda instance. It does not own the store's connection: stopping Agenda leaves the
   * store open, and the store's `close()` releases it.
   */
  agendaBackend(): AgendaBackend;
}
