/**
 * The store contract: everything finsync persists goes through `Store` and the ports it exposes
 * (src/store/ports/). The embedded implementation (one SQLite file) is the default; a server implementation
 * (MongoDB) plugs in behind the same interfaces and runs the same contract tests (test/store/contract/).
 * `openStore` (open-store.ts) picks the implementation; nothing outside src/store names one.
 */
import type { StreamCursor } from '../../connectors/types.ts';
import type { LedgerRecord } from '../records.ts';
import type { SealedSecret } from '../security/crypto.ts';
import type { DigestQueries } from './ports/digest.ts';
import type { IncidentStore } from './ports/incidents.ts';
import type { JobStore } from './ports/jobs.ts';
import type { LinkSessionStore } from './ports/link-sessions.ts';
import type { OutboxStore } from './ports/outbox.ts';
import type { PaymentRequestStore } from './ports/payment-requests.ts';
import type { ReplayStore } from './ports/replays.ts';
import type { StatusQueries } from './ports/status.ts';

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

/**
 * A running run is its connection's lease, held in the store so that it binds every process sharing it: at
 * most one running run per connection, renewed by its holder while it lives, and free again once `ttlMs`
 * passes without a renewal (its holder was killed or hung). Runs that are not running hold nothing.
 */
export interface RunLease {
  /** Who holds it, for "already running … (started by …)": process id and host, and the process's role. */
  readonly holder: string;
  readonly ttlMs: number;
}

/** A running run whose lease is live. */
export interface ActiveRun extends SyncRun {
  readonly holder: string;
  /** Epoch milliseconds. */
  readonly leaseUntil: number;
}

const TRIGGER_WORDS: Readonly<Record<RunTrigger, string>> = {
  manual: 'from Slack',
  schedule: 'on schedule',
  webhook: 'by a provider webhook',
  cli: 'from the CLI',
};

/** "from Slack by U123, app pid 4242 on host-a": how a run was started, for conflict answers. */
export function describeStarter(run: ActiveRun): string {
  const by = run.triggeredBy && run.trigger !== 'cli' ? ` by ${run.triggeredBy}` : '';
  return `${TRIGGER_WORDS[run.trigger] ?? run.trigger}${by}, ${run.holder}`;
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
  /**
   * The run writing the page: the write commits only while that run still holds its lease (a run whose lease
   * lapsed and was taken over by another process can no longer write, whatever it had in flight).
   */
  readonly runId?: string;
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

export interface Store extends StatusQueries {
  readonly kind: string;
  /** The Slack outbox's queue (ports/outbox.ts). */
  readonly outbox: OutboxStore;
  /** Incidents and the clicks taken on them (ports/incidents.ts). */
  readonly incidents: IncidentStore;
  /** The scheduler's Agenda jobs (ports/jobs.ts). */
  readonly jobs: JobStore;
  /** The digest's aggregates (ports/digest.ts). */
  readonly digest: DigestQueries;
  /** Browser hand-off states (ports/link-sessions.ts). */
  readonly linkSessions: LinkSessionStore;
  /** Requests already handled (ports/replays.ts). */
  readonly replays: ReplayStore;
  /** Payment requests made from Slack and their state (ports/payment-requests.ts). */
  readonly paymentRequests: PaymentRequestStore;
  // connections
  listConnections(): Promise<readonly Connection[]>;
  getConnection(name: string): Promise<Connection | undefined>;
  /**
   * Fails with ConflictError when the name is taken, and with AccountConnectedError (naming the holder) when
   * another connection of the same provider holds the same non-null accountId: checked and written atomically,
   * across processes.
   */
  createConnection(connection: Connection): Promise<void>;
  updateConnection(name: string, patch: Partial<Omit<Connection, 'name' | 'provider'>>): Promise<Connection>;
  /**
   * Read-modify-write of the connection as it is now in the store, atomic across processes: `change` sees the
   * current state and returns the patch (null: no change). Synchronous and without I/O.
   */
  modifyConnection(
    name: string,
    change: (current: Connection) => Partial<Omit<Connection, 'name' | 'provider'>> | null,
  ): Promise<Connection>;
  /** Removes the connection, its credentials and cursors; its records too when asked. */
  removeConnection(name: string, options: { deleteRecords: boolean }): Promise<{ recordsDeleted: number }>;
  // ledger
  applyPage(page: PageWrite): Promise<PageResult>;
  getCursor(connection: string, stream: string): Promise<StreamCursor | null>;
  /** Stores a cursor that goes with no records (a destination's publish state). */
  saveCursor(connection: string, stream: string, cursor: StreamCursor): Promise<void>;
  countRecords(connection?: string): Promise<number>;
  iterateRecords(query: RecordQuery): AsyncIterable<LedgerRecord>;
  /**
   * The change log after `afterSeq`, oldest first (what destinations publish). Pages are logged in the order
   * they commit; within one page, its updates come before its inserts, then its removals (each entry carries
   * the record as it is now, so the order inside a page never changes what a destination ends up with).
   */
  changesSince(afterSeq: number, limit: number): Promise<readonly LedgerChange[]>;
  /**
   * Before a read of a stream starts (under its run's lease): provisional records left by earlier reads that
   * never reached a cursor become this read's, to keep if it delivers them again and to remove otherwise.
   * A committing read removes only provisional records it marked itself, delivered or adopted.
   */
  adoptProvisional(connection: string, stream: string, readId: string): Promise<number>;
  // runs
  /**
   * Records a run; a running one takes its connection's lease (RunLease) or throws RunConflictError naming
   * the live run. A running run whose lease lapsed is closed as failed first.
   */
  startRun(run: SyncRun, lease?: RunLease): Promise<void>;
  /** Extends a running run's lease; false once it is not this holder's any more (then stop writing). */
  renewRunLease(id: string, lease: RunLease): Promise<boolean>;
  /** The connection's running run while its lease is live, in any process. */
  activeRun(connection: string): Promise<ActiveRun | undefined>;
  /** Updates a running run (ending it releases its lease); a run no longer running is returned as stored. */
  updateRun(id: string, patch: Partial<Omit<SyncRun, 'id' | 'connection'>>): Promise<SyncRun>;
  /** The connection's runs, newest first. */
  listRuns(connection: string, limit: number): Promise<readonly SyncRun[]>;
  /** Runs left `running` by a process that died (their lease lapsed): marks them failed with the given reason. */
  closeOrphanRuns(reason: string): Promise<number>;
  // settings
  getSetting<T>(key: string): Promise<T | undefined>;
  setSetting<T>(key: string, value: T): Promise<void>;
  /** Read-modify-write of one setting, atomic across processes (see modifyConnection). */
  modifySetting<T>(key: string, change: (current: T | undefined) => T): Promise<T>;
  // audit
  appendAudit(entry: AuditEntry): Promise<void>;
  listAudit(limit: number): Promise<readonly AuditEntry[]>;
  health(): Promise<StoreHealth>;
  close(): Promise<void>;
}
