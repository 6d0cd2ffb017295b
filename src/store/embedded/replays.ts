/**
 * Replay memory (ports/replays.ts) in the embedded SQLite database: one row per key with the end of its
 * window. A claim is one upsert that only overwrites a lapsed row, so it is atomic across processes.
 */
import type { ReplayStore } from '../ports/replays.ts';
import type { SqliteDatabase } from '../sqlite.ts';

export class SqliteReplays implements ReplayStore {
  private readonly statements;

  constructor(db: SqliteDatabase) {
    this.statements = {
      claim: db.prepare<{ key: string; until: number; now: number }>(
        `INSERT INTO replay_keys (key, expires_at) VALUES (@key, @until)
         ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at WHERE replay_keys.expires_at <= @now`,
      ),
      release: db.prepare<[string]>('DELETE FROM replay_keys WHERE key = ?'),
      purge: db.prepare<[number]>('DELETE FROM replay_keys WHERE expires_at <= ?'),
    };
  }

  async claim(key: string, ttlMs: number, now: number): Promise<boolean> {
    return this.statements.claim.run({ key, until: now + ttlMs, now }).changes === 1;
  }

  async release(key: string): Promise<void> {
    this.statements.release.run(key);
  }

  async purgeExpired(now: number): Promise<number> {
    return this.statements.purge.run(now).changes;
  }
}
