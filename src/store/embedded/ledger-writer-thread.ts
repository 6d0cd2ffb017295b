/** The ledger writer thread: its own SQLite connection, applying pages in the order they arrive. */
import { parentPort } from 'node:worker_threads';
import { LeaseLostError } from '../../errors.ts';
import { openSqlite } from '../sqlite.ts';
import type { PageWrite } from '../types.ts';
import { SqliteLedger } from './ledger.ts';

export function runLedgerWriter(file: string): void {
  const port = parentPort;
  if (!port) throw new Error('runLedgerWriter runs on a worker thread');
  let ledger: SqliteLedger;
  try {
    ledger = new SqliteLedger(openSqlite(file));
  } catch (error) {
    port.postMessage({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
    return;
  }
  port.on('message', ({ id, page }: { id: number; page: PageWrite }) => {
    try {
      port.postMessage({ type: 'result', id, result: ledger.applyPage(page) });
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
