/**
 * The store contract. The embedded implementation (lowdb documents + a SQLite ledger) is the default;
 * server implementations (MongoDB) plug in behind the same interface and run the same contract tests.
 */
import type { StreamCursor } from '../../connectors/types.ts';
import type { LedgerRecord } from '../records.ts';
import type { SealedSecret } from '../security/crypto.ts';

export type ConnectionState = 'active' | 'needs_reconnect' | 'error';

export interface Connection {
  /** Short name used by every command (`stripe`, `stripe-2`). Unique. */
  readonly name: string;
  readonly provider: string;
  readonly accountLabel: string;
  readonly accountId: string | null;
  readonly credentials: SealedSecret;
  readonly state: ConnectionState;
  /** Why the state is not active, in the provider's words (secrets removed). */
  readonly stateReason: string | null;
  /** Schedule as typed by the user (`daily 02:00`), or null for manual only. */
  readonly schedule: string | null;
  readonly createdAt: string;
  readonly createdBy: string;
}

export type RunTrigger = 'manual' | 'schedule' | 'webhook' | 'cli';
export type RunStatus = 'running' | 'success' | 'partial' | 'failed' | 'cancelled';

export interface StreamCounts {
  fetched: number;
  inserted: number;
  updated: number;
  deleted: number;
  skipped: number;
}

export interface SkippedObject {
  readonly stream: string;
  readonly objectId: string | null;
  readonly reason: string;
}

export interface SyncRun {
  readonly id: string;
  readonly connection: string;
  readonly trigger: RunTrigger;
  readonly triggeredBy: string | null;
  readonly startedAt: string;
  readonly endedAt: string | null;
  readonly status: RunStatus;
  readonly streams: Readonly<Record<string, StreamCounts>>;
  readonly errorClass: string | null;
  readonly errorMessage: string | null;
  /** First objects skipped as invalid (capped), with their ids and reasons. */
  readonly skipped: readonly SkippedObject[];
}

export interface PageWrite {
  readonly connection: string;
  readonly stream: string;
  readonly records: readonly LedgerRecord[];
  /** Record ids to delete (provider said removed). */
  readonly removedIds: readonly string[];
  /** Committed in the same transaction as the records; undefined leaves the cursor where it was. */
  readonly cursor: StreamCursor | undefined;
  /**
   * The stream read this page comes from (one id per read from a committed cursor). Records of a page
   * without a cursor are provisional: when a later page with a cursor commits, provisional records that an
   * earlier read stored (a read cut short by a crash or a failure) and this read did not deliver again are
   * deleted, because the provider no longer reports them (e.g. a Plaid transaction added, then removed,
   * while the set was being re-read). Without it, nothing is provisional.
   */
  readonly readId?: string;
}

export interface PageResult {
  readonly inserted: number;
  readonly updated: number;
  readonly unchanged: number;
  readonly deleted: number;
}

export interface RecordQuery {
  readonly connection?: string;
  /** ISO date or date-time: records that occurred at or after it. */
  readonly since?: string;
  readonly until?: string;
}

/** One entry of the ledger's change log: the record as it is now, or null when the change deleted it. */
export interface LedgerChange {
  readonly seq: number;
  readonly connection: string;
  readonly id: string;
  readonly record: LedgerRecord | null;
}

export interface AuditEntry {
  readonly at: string;
  readonly actor: string;
  readonly action: string;
  readonly connection: string | null;
  readonly outcome: 'ok' | 'refused' | 'failed';
  readonly detail: string | null;
}

export interface StoreHealth {
  readonly ok: boolean;
  readonly kind: string;
  readonly detail: string;
}

export interface Store {
  readonly kind: string;
  // connections
  listConnections(): Promise<readonly Connection[]>;
  getConnection(name: string): Promise<Connection | undefined>;
  /** Fails with ConflictError when the name is taken. */
  createConnection(connection: Connection): Promise<void>;
  updateConnection(name: string, patch: Partial<Omit<Connection, 'name' | 'provider'>>): Promise<Connection>;
  /** Removes the connection, its credentials and cursors; its records too when asked. */
  removeConnection(name: string, options: { deleteRecords: boolean }): Promise<{ recordsDeleted: number }>;
  // ledger
  applyPage(page: PageWrite): Promise<PageResult>;
  getCursor(connection: string, stream: string): Promise<StreamCursor | null>;
  /** Stores a cursor that goes with no records (a destination's publish state). */
  saveCursor(connection: string, stream: string, cursor: StreamCursor): Promise<void>;
  countRecords(connection?: string): Promise<number>;
  recordCounts(): Promise<ReadonlyMap<string, number>>;
  iterateRecords(query: RecordQuery): AsyncIterable<LedgerRecord>;
  /** The change log after `afterSeq`, oldest first (what destinations publish). */
  changesSince(afterSeq: number, limit: number): Promise<readonly LedgerChange[]>;
  // runs
  startRun(run: SyncRun): Promise<void>;
  updateRun(id: string, patch: Partial<Omit<SyncRun, 'id' | 'connection'>>): Promise<SyncRun>;
  listRuns(connection: string, limit: number): Promise<readonly SyncRun[]>;
  /** The newest run and the newest successful run of each connection. */
  runSummaries(): Promise<ReadonlyMap<string, { latest: SyncRun | null; lastSuccess: SyncRun | null }>>;
  /** Runs left `running` by a process that died: marks them failed with the given reason. */
  closeOrphanRuns(reason: string): Promise<number>;
  // settings
  getSetting<T>(key: string): Promise<T | undefined>;
  setSetting<T>(key: string, value: T): Promise<void>;
  // audit
  appendAudit(entry: AuditEntry): Promise<void>;
  listAudit(limit: number): Promise<readonly AuditEntry[]>;
  health(): Promise<StoreHealth>;
  close(): Promise<void>;
}
