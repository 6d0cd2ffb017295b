/**
 * Ledger writes on a worker thread. A sync spends about as long storing a page as fetching and parsing it;
 * with the SQLite transaction on its own thread (and its own connection), the next page is fetched and
 * normalized while the previous one commits, on the second core. Each write is still one transaction with
 * its cursor; the worker runs them in the order they were sent.
 */
import { Worker } from 'node:worker_threads';
import { LeaseLostError, StorageError } from '../../errors.ts';
import type { PageResult, PageWrite } from '../types.ts';
import { toPageRows } from './ledger.ts';

type Reply =
  | { readonly type: 'ready' }
  | { readonly type: 'failed'; readonly message: string }
  | { readonly type: 'result'; readonly id: number; readonly result: PageResult }
  | { readonly type: 'error'; readonly id: number; readonly message: string; readonly leaseLost: boolean };

export class LedgerWriter {
  private nextId = 0;
  private readonly pending = new Map<
    number,
    { resolve: (r: PageResult) => void; reject: (e: Error) => void }
  >();
  private failure: Error | null = null;
  /** The newest write: the worker applies writes in order, so when it settles all have. */
  private last: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly worker: Worker,
    private readonly file: string,
  ) {
    worker.on('message', (reply: Reply) => {
      if (reply.type !== 'result' && reply.type !== 'error') return;
      const waiter = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if (reply.type === 'result') waiter?.resolve(reply.result);
      else if (reply.leaseLost) waiter?.reject(new LeaseLostError(reply.message));
      else
        waiter?.reject(
          new StorageError(this.file, `could not store a page in ${this.file}: ${reply.message}`),
        );
    });
    worker.on('error', (error) => this.fail(error));
    worker.on('exit', (code) => this.fail(new Error(`the ledger writer stopped (exit code ${code})`)));
    // The writer must not keep the process alive on its own.
    worker.unref();
  }

  static start(file: string): Promise<LedgerWriter> {
    // No inherited loader flags: the entry loads TypeScript itself (see ledger-writer-worker.cjs).
    const worker = new Worker(new URL('./ledger-writer-worker.cjs', import.meta.url), {
      workerData: { file },
      execArgv: [],
    });
    return new Promise((resolve, reject) => {
      const onMessage = (reply: Reply) => {
        if (reply.type === 'ready') {
          cleanup();
          resolve(new LedgerWriter(worker, file));
        } else if (reply.type === 'failed') {
          cleanup();
          void worker.terminate();
          reject(new StorageError(file, reply.message));
        }
      };
      const onError = (error: Error) => {
        cleanup();
        reject(new StorageError(file, `the ledger writer could not start: ${error.message}`));
      };
      const cleanup = () => {
        worker.off('message', onMessage);
        worker.off('error', onError);
      };
      worker.on('message', onMessage);
      worker.on('error', onError);
    });
  }

  private fail(error: Error): void {
    this.failure ??= new StorageError(this.file, `the ledger writer failed: ${error.message}`);
    for (const waiter of this.pending.values()) waiter.reject(this.failure);
    this.pending.clear();
  }

  apply(page: PageWrite): Promise<PageResult> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    const write = new Promise<PageResult>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      // Keep the process alive while a write is on its way.
      this.worker.ref();
      this.worker.postMessage({ id, page: toPageRows(page) });
    }).finally(() => {
      if (this.pending.size === 0) this.worker.unref();
    });
    this.last = write.catch(() => undefined);
    return write;
  }

  /** Waits for queued writes, then stops the thread (its connection closes with it). */
  async close(): Promise<void> {
    await this.last;
    this.worker.removeAllListeners('exit');
    await this.worker.terminate();
  }
}
