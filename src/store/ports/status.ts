/**
 * The status port: what `/finsync status`, the Home tab and the digest read about every connection at once,
 * answered without scanning the ledger or the run history.
 */
import type { SyncRun } from '../types.ts';

export interface RunSummary {
  readonly latest: SyncRun | null;
  readonly lastSuccess: SyncRun | null;
}

export interface StatusQueries {
  /**
   * A number that changes whenever something `/finsync status` shows may have changed, in any process: a
   * connection, a run, a record count, a scheduled job. Equal numbers mean an equal report.
   */
  statusVersion(): Promise<number>;
  /**
   * A number that changes whenever any record of the ledger is inserted, updated or deleted, in any process
   * (the newest change-log sequence). Equal numbers mean equal figures computed from the ledger.
   */
  ledgerVersion(): Promise<number>;
  /** The newest run and the newest successful run of each connection. */
  runSummaries(): Promise<ReadonlyMap<string, RunSummary>>;
  /** Records stored per connection (connections without records may be absent). */
  recordCounts(): Promise<ReadonlyMap<string, number>>;
}
