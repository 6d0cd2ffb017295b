/**
 * Bench seeding at SQLite speed: `work` writes through the store's own methods, all inside one SQLite
 * transaction on the embedded store (one commit instead of one per write). On any other store it simply runs.
 */
import type { Store } from '../types.ts';
import { EmbeddedStore } from './embedded-store.ts';

export async function inOneTransaction(store: Store, work: () => Promise<void>): Promise<void> {
  if (!(store instanceof EmbeddedStore)) return work();
  const db = store.database;
  db.exec('BEGIN');
  try {
    await work();
    db.exec('COMMIT');
  } catch (error) {
    db.exec('ROLLBACK');
    throw error;
  }
}
