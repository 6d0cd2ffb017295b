/** The ledger writer thread: its own SQLite connection, applying pages in the order they arrive. */
import { parentPort } from 'node:worker_threads';
import { LeaseLostError } from '../../errors.ts';
import { openSqlite } from '../sqlite.ts';
import { type PageRows, SqliteLedger } from './ledger.ts';

/**
 * The writer's page cache. With SQLite's 2 MiB a bulk load re-read index pages it had just written. Applying
 * 100,000 records in pages of 1,000 (cursor on each page) took 1.51 s at 2 MiB, 1.39 s at 8 MiB and 1.32 s at
 * 32 MiB, three runs each; 8 MiB takes most of the gain for a quarter of the memory (the full loads' RSS).
 */
const WRITER_CACHE_MIB = 8;

/**
 * The writer thread owns checkpointing (the main thread's connection never checkpoints, see embedded-store.ts).
 * Its own commits checkpoint once the WAL holds 8,192 frames (32 MiB): a bulk load that checkpointed every
 * 1,000 frames, SQLite's default, kept copying and syncing index pages it rewrote a moment later. And when it
 * has written nothing for a second it checkpoints what the other connections wrote (a PASSIVE checkpoint waits
 * for no reader or writer), so the WAL stays small between syncs.
 */
const CHECKPOINT_PAGES = 8192;
const IDLE_CHECKPOINT_MS = 1_000;

export function runLedgerWriter(file: string): void {
  const port = parentPort;
  if (!port) throw new Error('runLedgerWriter runs on a worker thread');
  let ledger: SqliteLedger;
  try {
    ledger = new SqliteLedger(
      openSqlite(file, { cacheMiB: WRITER_CACHE_MIB, checkpointPages: CHECKPOINT_PAGES }),
    );
  } catch (error) {
    port.postMessage({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
    return;
  }
  let lastWriteAt = 0;
  setInterval(() => {
    if (Date.now() - lastWriteAt < IDLE_CHECKPOINT_MS) return;
    try {
      ledger.db.pragma('wal_checkpoint(PASSIVE)');
    } catch {
      // Busy or failing now: the next tick, or the writer's own commits, try again.
    }
  }, IDLE_CHECKPOINT_MS).unref();
  port.on('message', ({ id, page }: { id: number; page: PageRows }) => {
    lastWriteAt = Date.now();
    try {
      port.postMessage({ type: 'result', id, result: ledger.applyRows(page) });
    } catch (error) {
      port.postMessage({
        type: 'error',
        id,
        message: error instanceof Error ? error.message : String(error),
        leaseLost: error instanceof LeaseLostError,
      });
    }
  });
  port.postMessage({ type: 'ready' });
}
