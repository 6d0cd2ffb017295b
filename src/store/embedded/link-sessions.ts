/**
 * Link sessions (ports/link-sessions.ts) in the embedded SQLite database. `take` (and `takePending`) is one
 * DELETE … RETURNING:
 * SQLite runs it under its write lock, so of two processes taking one state only one gets the row.
 */
import type { LinkSessionStore, StoredLinkSession } from '../ports/link-sessions.ts';
import type { SqliteDatabase } from '../sqlite.ts';

interface Row {
  user_id: string;
  provider: string;
  name: string;
  view_id: string | null;
  expires_at: number;
  purpose: string;
  pending: string | null;
}

const fromRow = (row: Row | undefined): StoredLinkSession | null =>
  row
    ? {
        userId: row.user_id,
        provider: row.provider,
        name: row.name,
        purpose: row.purpose === 'reconnect' ? 'reconnect' : 'connect',
        viewId: row.view_id,
        expiresAt: row.expires_at,
        ...(row.pending === null ? {} : { pending: row.pending }),
      }
    : null;

export class SqliteLinkSessions implements LinkSessionStore {
  private readonly statements;

  constructor(db: SqliteDatabase) {
    this.statements = {
      insert: db.prepare<[string, string, string, string, string | null, number, string, string | null]>(
        'INSERT INTO link_sessions (state, user_id, provider, name, view_id, expires_at, purpose, pending) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      peek: db.prepare<[string, number], Row>(
        'SELECT * FROM link_sessions WHERE state = ? AND expires_at > ?',
      ),
      take: db.prepare<[string, number], Row>(
        'DELETE FROM link_sessions WHERE state = ? AND expires_at > ? AND pending IS NULL RETURNING *',
      ),
      takePending: db.prepare<[string, number], Row>(
        'DELETE FROM link_sessions WHERE state = ? AND expires_at > ? AND pending IS NOT NULL RETURNING *',
      ),
      // An expired session is gone even if nobody purged it yet: taking it removes nothing and returns nothing.
      setViewId: db.prepare<[string | null, string]>('UPDATE link_sessions SET view_id = ? WHERE state = ?'),
      purge: db.prepare<[number]>('DELETE FROM link_sessions WHERE expires_at <= ?'),
    };
  }

  async put(state: string, s: StoredLinkSession): Promise<void> {
    this.statements.insert.run(
      state,
      s.userId,
      s.provider,
      s.name,
      s.viewId,
      s.expiresAt,
      s.purpose,
      s.pending ?? null,
    );
  }

  async peek(state: string, now: number): Promise<StoredLinkSession | null> {
    return fromRow(this.statements.peek.get(state, now));
  }

  async take(state: string, now: number): Promise<StoredLinkSession | null> {
    return fromRow(this.statements.take.get(state, now));
  }

  async takePending(state: string, now: number): Promise<StoredLinkSession | null> {
    return fromRow(this.statements.takePending.get(state, now));
  }

  async setViewId(state: string, viewId: string | null): Promise<boolean> {
    return this.statements.setViewId.run(viewId, state).changes === 1;
  }

  async purgeExpired(now: number): Promise<number> {
    return this.statements.purge.run(now).changes;
  }
}
