/**
 * Reads a stream's pages and commits them in batches: pages are fetched one ahead (the next request is in
 * flight while the current page is stored), and consecutive pages are written in one transaction of up to
 * `maxRecords` records (more while a write commits, see below) with the cursor of the last page. A crash loses
 * at most the batch being gathered and the one committing, which the next run re-reads from the committed
 * cursor and upserts; it never loses or doubles a record.
 *
 * One write is in flight at a time: the next batch is fetched while the previous one commits (the store
 * may commit on another thread), and `drain` waits for the last. A batch that is due while the previous one
 * still commits keeps growing (up to BACKLOG_FACTOR times its size) rather than stopping the read: the read goes
 * on, and the writer then commits more records per transaction, which costs it less per record. A write is
 * still only sent once the one before it has committed, so a failed write can never be followed by a later
 * page's cursor.
 *
 * A batch is cut: before a page without a cursor when the batch already holds a cursor (so records after a
 * cursor stay provisional, see PageWrite.readId); at any page that removes records (removals apply after
 * upserts within a write); when it is big enough or old enough; and before an error or a stop is passed on,
 * so everything fetched so far is kept.
 */
import type { Page, StreamCursor } from '../../connectors/types.ts';
import type { LedgerRecord } from '../records.ts';
import type { PageResult, PageWrite } from '../store/types.ts';

export interface BatchTarget {
  readonly connection: string;
  readonly stream: string;
  readonly readId: string;
  readonly write: (page: PageWrite) => Promise<PageResult>;
  /** Called after each committed batch with what it wrote. */
  readonly committed: (result: PageResult, records: number) => void;
}

export interface BatchOptions {
  readonly maxRecords: number;
  readonly maxAgeMs: number;
  readonly now?: () => number;
}

export const DEFAULT_BATCH: BatchOptions = { maxRecords: 1_000, maxAgeMs: 1_000 };

/** How far past `maxRecords` a due batch may grow while the previous write still commits. */
export const BACKLOG_FACTOR = 4;

export class PageBatcher {
  private records: LedgerRecord[] = [];
  private removedIds: string[] = [];
  private cursor: StreamCursor | undefined = undefined;
  private startedAt = 0;
  private readonly now: () => number;
  /** At most one write on its way: the next batch is read while the previous one commits. */
  private inFlight: Promise<void> = Promise.resolve();
  /** True from sending a write until it has committed or failed. */
  private writing = false;

  constructor(
    private readonly target: BatchTarget,
    private readonly options: BatchOptions = DEFAULT_BATCH,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** Adds one normalized page; commits first or after as the rules above say. */
  async add(
    records: readonly LedgerRecord[],
    removedIds: readonly string[],
    cursor: StreamCursor | undefined,
  ): Promise<void> {
    if ((cursor === undefined && this.cursor !== undefined) || removedIds.length > 0) await this.flush();
    if (this.isEmpty()) this.startedAt = this.now();
    this.records.push(...records);
    this.removedIds.push(...removedIds);
    if (cursor !== undefined) this.cursor = cursor;
    if (removedIds.length > 0) return this.flush();
    const due =
      this.records.length >= this.options.maxRecords || this.now() - this.startedAt >= this.options.maxAgeMs;
    if (due && (!this.writing || this.records.length >= this.options.maxRecords * BACKLOG_FACTOR)) {
      await this.flush();
    }
  }

  private isEmpty(): boolean {
    return this.records.length === 0 && this.removedIds.length === 0 && this.cursor === undefined;
  }

  async flush(): Promise<void> {
    if (this.isEmpty()) return;
    const write: PageWrite = {
      connection: this.target.connection,
      stream: this.target.stream,
      records: this.records,
      removedIds: this.removedIds,
      cursor: this.cursor,
      readId: this.target.readId,
    };
    const count = this.records.length;
    this.records = [];
    this.removedIds = [];
    this.cursor = undefined;
    // Writes stay in order, and a failed write stops the read at the next batch.
    await this.inFlight;
    this.writing = true;
    const next = this.target.write(write).then(
      (result) => {
        this.writing = false;
        this.target.committed(result, count);
      },
      (error: unknown) => {
        this.writing = false;
        throw error;
      },
    );
    next.catch(() => undefined);
    this.inFlight = next;
  }

  /** Commits what is buffered and waits until every write has committed (or throws its error). */
  async drain(): Promise<void> {
    await this.flush();
    await this.inFlight;
  }
}

/** Iterates pages with the next one already requested while the caller works on the current one. */
export async function* prefetched<T>(pages: AsyncIterable<Page<T>>): AsyncGenerator<Page<T>> {
  const iterator = pages[Symbol.asyncIterator]();
  let next = iterator.next();
  try {
    for (;;) {
      const result = await next;
      if (result.done) return;
      next = iterator.next();
      // Observed now, awaited on the next turn: a failure while the caller stores this page is not "unhandled".
      next.catch(() => undefined);
      yield result.value;
    }
  } finally {
    await iterator.return?.();
  }
}
