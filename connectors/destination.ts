/**
 * The destination contract: where finsync publishes the ledger (Power BI today, Tableau later).
 * A destination declares its credential fields and verifies them like a connector; publishing goes
 * through a Publisher, driven by src/sync/publish.ts, which owns the publish cursor and exactly-once.
 */
import type { LedgerRecord } from '../src/records.ts';
import type { ConnectMode } from './connect-mode.ts';
import type { ConnectorContext, CredentialField, Credentials, VerifyResult } from './types.ts';

/** One ledger row as published: the record, its version (the ledger's change sequence) and whether it was deleted. */
export interface PublishRow {
  readonly record: LedgerRecord;
  /** Grows with every change of the record; the highest version of an id is its current state. */
  readonly version: number;
  readonly deleted: boolean;
}

/** One sync run as published, for run-history visuals. */
export interface PublishRunRow {
  readonly runId: string;
  readonly connection: string;
  readonly trigger: string;
  readonly status: string;
  readonly startedAt: string;
  readonly endedAt: string | null;
  readonly records: number;
}

export type PublishTable = 'records' | 'runs';

export interface Publisher {
  /** Rows per push, within the destination's limit (Power BI: 10,000). */
  readonly maxRowsPerPush: number;
  /** Finds or creates the dataset and its tables; returns its id and a label for Slack. Idempotent. */
  prepare(): Promise<{ readonly datasetId: string; readonly label: string }>;
  /**
   * Pushes rows tagged with `batchId` (a column of every row), waiting out rate limits. Throws typed errors
   * (AuthError, RateLimitError after bounded waits, TransientError, InvalidRequestError).
   */
  push(table: PublishTable, rows: readonly (PublishRow | PublishRunRow)[], batchId: string): Promise<void>;
  /** Whether rows tagged `batchId` are in the table: how a push cut short by a crash is told apart. */
  batchLanded(table: PublishTable, batchId: string): Promise<boolean>;
}

export interface Destination<S = unknown> {
  /** The provider id: its folder's name and its key in connectors/registry.ts. */
  readonly id: string;
  readonly displayName: string;
  readonly description: string;
  readonly credentialFields: readonly CredentialField[];
  readonly connect: ConnectMode;
  verify(input: Credentials, ctx: ConnectorContext<S>): Promise<VerifyResult>;
  publisher(credentials: Credentials, ctx: ConnectorContext<S>): Publisher;
}
