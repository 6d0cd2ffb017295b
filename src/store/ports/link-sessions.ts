/**
 * The link-sessions port: single-use, expiring `state` values of browser hand-offs (Plaid Link, OAuth
 * consent pages). The browser may come back to any process sharing the store, so the session lives there;
 * `take` is atomic, so of two processes handed the same state at once exactly one gets the session.
 */

export interface StoredLinkSession {
  /** The Slack user who started the flow. */
  readonly userId: string;
  readonly provider: string;
  /** The connection name proposed when the flow started (a reconnect: the connection being reconnected). */
  readonly name: string;
  /** A new connection, or new credentials for the existing connection `name` (absent in old rows: connect). */
  readonly purpose: 'connect' | 'reconnect';
  /** The connect modal to update when the flow completes. */
  readonly viewId: string | null;
  /** Epoch ms; the session is gone from this instant on. */
  readonly expiresAt: number;
  /**
   * A hand-off past consent that waits for the person's choice: what it holds meanwhile (the exchanged tokens),
   * sealed by the caller. Opaque to the store. Absent: the session waits for the provider's callback.
   */
  readonly pending?: string;
}

export interface LinkSessionStore {
  /** Stores a session under a new (random, caller-made) state. */
  put(state: string, session: StoredLinkSession): Promise<void>;
  /** The session while it has not expired or been taken, without using it up. */
  peek(state: string, now: number): Promise<StoredLinkSession | null>;
  /**
   * Uses a session that waits for its callback (no `pending`) up: it is returned once, to one caller, and only
   * before it expires. A session holding a choice is left alone (a replayed callback cannot end it).
   */
  take(state: string, now: number): Promise<StoredLinkSession | null>;
  /** Uses a session that holds a choice (`pending`) up, likewise once, to one caller, before it expires. */
  takePending(state: string, now: number): Promise<StoredLinkSession | null>;
  /** Binds the modal to update; false when the session is gone. */
  setViewId(state: string, viewId: string | null): Promise<boolean>;
  /** Forgets expired sessions; returns how many. */
  purgeExpired(now: number): Promise<number>;
}
