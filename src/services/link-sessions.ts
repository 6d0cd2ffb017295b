/**
 * Single-use, expiring `state` values for browser hand-offs (Plaid Link, OAuth callbacks): each binds a
 * random token to the Slack user who started the flow and the modal to update at the end. Kept in the store
 * (ports/link-sessions.ts): the browser may come back to any process sharing it, and a state is used up once
 * across all of them.
 */
import { randomBytes } from 'node:crypto';
import type { LinkSessionStore, StoredLinkSession } from '../store/ports/link-sessions.ts';

export type LinkSession = StoredLinkSession;

export const LINK_SESSION_TTL_MS = 15 * 60_000;

export class LinkSessions {
  constructor(
    private readonly store: LinkSessionStore,
    private readonly now: () => number = Date.now,
  ) {}

  async create(
    session: Omit<LinkSession, 'expiresAt' | 'viewId' | 'purpose' | 'pending'> & {
      readonly purpose?: LinkSession['purpose'];
    },
  ): Promise<string> {
    const now = this.now();
    await this.store.purgeExpired(now);
    const state = randomBytes(24).toString('base64url');
    await this.store.put(state, {
      userId: session.userId,
      provider: session.provider,
      name: session.name,
      purpose: session.purpose ?? 'connect',
      viewId: null,
      expiresAt: now + LINK_SESSION_TTL_MS,
    });
    return state;
  }

  /** Looks at a session without using it up (the Link page is loaded before it completes). */
  peek(state: string): Promise<LinkSession | null> {
    return this.store.peek(state, this.now());
  }

  /** Uses a session up: a second call with the same state, in any process, returns null. */
  take(state: string): Promise<LinkSession | null> {
    return this.store.take(state, this.now());
  }

  /**
   * Keeps a taken session, under its state and until its own expiry, holding `pending` (sealed by the caller)
   * while the person chooses; only `takePending` ends it then.
   */
  async hold(state: string, session: LinkSession, pending: string): Promise<void> {
    await this.store.put(state, { ...session, pending });
  }

  /** Uses a session holding a choice up: a second call with the same state, in any process, returns null. */
  takePending(state: string): Promise<LinkSession | null> {
    return this.store.takePending(state, this.now());
  }

  /** Binds the modal the flow was started from, to update it when the flow completes. */
  async setViewId(state: string, viewId: string | null): Promise<void> {
    await this.store.setViewId(state, viewId);
  }
}
