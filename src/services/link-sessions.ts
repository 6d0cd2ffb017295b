/**
 * Single-use, expiring `state` values for browser hand-offs (link pages and OAuth callbacks):
 * each binds a random token to the Slack user who started the flow and the modal to update at the end.
 * Kept in memory: a restart only means starting the connect flow again.
 */
import { randomBytes } from 'node:crypto';

export interface LinkSession {
  readonly userId: string;
  readonly provider: string;
  readonly name: string;
  /** The connect modal to update when the flow completes. */
  viewId: string | null;
  readonly expiresAt: number;
}

export const LINK_SESSION_TTL_MS = 15 * 60_000;

export class LinkSessions {
  private readonly sessions = new Map<string, LinkSession>();

  constructor(private readonly now: () => number = Date.now) {}

  create(session: Omit<LinkSession, 'expiresAt' | 'viewId'>): string {
    this.sweep();
    const state = randomBytes(24).toString('base64url');
    this.sessions.set(state, { ...session, viewId: null, expiresAt: this.now() + LINK_SESSION_TTL_MS });
    return state;
  }

  /** Records the connect modal a session's result should update (known only once the modal is open). */
  attachView(state: string, viewId: string): void {
    const session = this.peek(state);
    if (session) session.viewId = viewId;
  }

  /** Looks at a session without using it up (the Link page is loaded before it completes). */
  peek(state: string): LinkSession | null {
    const session = this.sessions.get(state);
    return session && session.expiresAt > this.now() ? session : null;
  }

  /** Uses a session up: a second call with the same state returns null. */
  take(state: string): LinkSession | null {
    const session = this.peek(state);
    this.sessions.delete(state);
    return session;
  }

  private sweep(): void {
    const now = this.now();
    for (const [state, session] of this.sessions) if (session.expiresAt <= now) this.sessions.delete(state);
  }
}
