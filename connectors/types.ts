/**
 * The connector contract. A connector is a plugin that knows one provider: the credentials it needs,
 * how to verify them, and its streams. It does no storage and no Slack (CONVENTIONS.md).
 */
import type { Logger } from 'winston';
import type { RecordDraft } from '../src/records.ts';
import type { ConnectMode } from './connect-mode.ts';

export interface CredentialField {
  /** Key in the credentials object. */
  readonly key: string;
  readonly label: string;
  /** Secret fields are encrypted at rest, masked in forms and never logged. */
  readonly secret: boolean;
  readonly placeholder?: string;
  readonly hint?: string;
  readonly optional?: boolean;
}

/** Credentials as typed by a person or returned by `verify`, keyed by `CredentialField.key`. */
export type Credentials = Readonly<Record<string, string>>;

/**
 * Lets a connector persist credentials that change while it works, such as a rotated OAuth refresh token:
 * `save` resolves only once the new credentials are durable, so a connector can save before it uses them.
 */
export interface CredentialSession {
  save(next: Credentials): Promise<void>;
  /**
   * The credentials the store holds now when they are no longer the ones this session holds (another process
   * rotated the refresh token, or a reconnect replaced them): they become the session's own, so the next
   * `save` replaces them. null when the store still holds the session's credentials. Absent: nothing to re-read
   * (a verify before anything is stored).
   */
  reload?(): Promise<Credentials | null>;
}

/**
 * What a connector gets for one call: its own provider's settings (typed by the provider, parsed from the
 * environment by its descriptor: connectors never read process.env nor another provider's settings), the
 * log, and the run's signal.
 */
export interface ConnectorContext<S = unknown> {
  readonly settings: S;
  readonly log: Logger;
  /** Aborted when the run is cancelled or the process shuts down. */
  readonly signal?: AbortSignal;
  /**
   * True during a connection's first sync: none of its streams has committed a cursor yet, so every stream
   * reads from the beginning and a stream may skip catch-up work that only concerns data stored before
   * (Stripe's events stream then starts from now instead of re-reading recent objects).
   */
  readonly firstSync?: boolean;
  /** Waits; injectable so tests need not sleep through backoffs. */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface VerifyResult {
  /** The credentials to store (may differ from the input: e.g. a Plaid public token exchanged for an access token). */
  readonly credentials: Credentials;
  /** A human label for the connected account, shown in Slack ("Acme Corp (acct_123)"). Never a secret. */
  readonly accountLabel: string;
  /** Provider account id, used to route webhooks. */
  readonly accountId?: string;
}

/** Opaque, JSON-serializable resume state of one stream. */
export type StreamCursor = Readonly<Record<string, unknown>>;

export interface Page<Raw = unknown> {
  /** Objects created or changed at the provider. */
  readonly objects: readonly Raw[];
  /** External ids of objects the provider says were removed. */
  readonly removedIds?: readonly string[];
  /**
   * Where to resume after this page. When absent, the page's records are stored but the cursor is not
   * advanced (e.g. inside a Plaid /transactions/sync pagination set, whose cursor is only safe at its end).
   */
  readonly cursor?: StreamCursor;
}

export interface Stream<Raw = unknown, S = unknown> {
  readonly name: string;
  /** Field of the raw object holding its id. */
  readonly primaryKey: string;
  /** Pages from `cursor` (null: initial load) to now. Retries of transient errors happen inside. */
  read(cursor: StreamCursor | null, ctx: ConnectorContext<S>): AsyncIterable<Page<Raw>>;
  /**
   * Pure: one raw object to its record, or to several when one provider object is several movements of money
   * (a Stripe balance transaction and the fee taken from it). Throws InvalidDataError for objects it cannot
   * understand.
   */
  normalize(raw: Raw): RecordDraft | readonly RecordDraft[];
  /** The external id of a raw object (for error reports when normalize fails). */
  externalId(raw: Raw): string | undefined;
}

/**
 * One balance of one account as its provider tells it now, in ISO 4217 minor units (the connector maps the
 * provider's own scale). A provider may give several per account and currency (Stripe: available, pending).
 */
export interface AccountBalance {
  /** A human name of the account ("Stripe balance", "Plaid Checking ••0000"). Never a secret. */
  readonly account: string;
  /** ISO 4217, upper case. */
  readonly currency: string;
  /** Which balance: `available`, `pending`, `current`… in the provider's words. */
  readonly kind: string;
  /** Integer minor units, signed. */
  readonly amount: number;
  /** ISO 8601 UTC instant the provider says the figure is as of (the time of asking when it says none). */
  readonly asOf: string;
}

export interface Connector<S = unknown> {
  /** The provider id: its folder's name and its key in connectors/registry.ts. */
  readonly id: string;
  readonly displayName: string;
  /** One line for the provider picker. */
  readonly description: string;
  readonly credentialFields: readonly CredentialField[];
  /** How a person connects it (form, OAuth consent, hosted link page) and how its grant is revoked: connect-mode.ts. */
  readonly connect: ConnectMode;
  /** Checks credentials against the provider before anything is stored. Throws AuthError with the provider's reason. */
  verify(input: Credentials, ctx: ConnectorContext<S>): Promise<VerifyResult>;
  /** The streams this connection syncs, bound to its stored credentials (and where to save rotated ones). */
  streams(credentials: Credentials, session?: CredentialSession): readonly Stream<unknown, S>[];
  /**
   * Optional: the accounts' latest balances, asked live (`/finsync cash`). Declared only by providers that
   * can tell them; throws (AuthError, a provider error) when they cannot be had now. A provider whose access
   * tokens expire within minutes (Sage) refreshes through `session`, exactly as a sync run does.
   */
  balances?(
    credentials: Credentials,
    ctx: ConnectorContext<S>,
    /** Where credentials rotated to ask (an OAuth refresh) are saved before use; absent: the caller cannot store. */
    session?: CredentialSession,
  ): Promise<readonly AccountBalance[]>;
}
