/** The ledger writer thread: its own SQLite connection, applying pages in the order they arrive. */
import { parentPort } from 'node:worker_threads';
import { LeaseLostError } from '../../errors.ts';
import { openSqlite } from '../sqlite.ts';
import { type PageRows, SqliteLedger } from './ledger.ts';

/**
 * The writer's page cache. With SQLite's 2 MiB a 50,000-record load re-read index pages it had just written;
 * 32 MiB held them (bench/sage-full-load.ts: the writer's time per load fell by about a tenth, RSS rose ~20 MB).
 */
const WRITER_CACHE_MIB = 32;

export function runLedgerWriter(file: string): void {
  const port = parentPort;
  if (!port) throw new Error('runLedgerWriter runs on a worker thread');
  let ledger: SqliteLedger;
  try {
    ledger = new SqliteLedger(openSqlite(file, { cacheMiB: WRITER_CACHE_MIB }));
  } catch (error) {
    port.postMessage({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
    return;
  }
  port.on('message', ({ id, page }: { id: number; page: PageRows }) => {
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
