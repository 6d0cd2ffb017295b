/** Schema of the embedded SQLite database; `user_version` tracks migrations. */
import type { SqliteDatabase } from '../sqlite.ts';
import { INCIDENTS_MIGRATION } from './incidents.ts';
import { createTableSql } from './jobs/sqlite-jobs-table.ts';
import { PAYMENT_REQUESTS_MIGRATION } from './payment-requests.ts';

/** The columns of `records`, as the first migration declared them and the sixteenth re-declares them. */
const RECORDS_COLUMNS = `
     connection TEXT NOT NULL,
     id TEXT NOT NULL,
     provider TEXT NOT NULL,
     stream TEXT NOT NULL,
     kind TEXT NOT NULL,
     amount INTEGER NOT NULL,
     currency TEXT,
     occurred_at TEXT NOT NULL,
     description TEXT NOT NULL,
     counterparty TEXT,
     status TEXT NOT NULL,
     money_movement INTEGER NOT NULL,
     raw_type TEXT NOT NULL,
     raw_id TEXT NOT NULL,
     PRIMARY KEY (connection, id)`;

const MIGRATIONS: readonly string[] = [
  `CREATE TABLE records (${RECORDS_COLUMNS}) WITHOUT ROWID;
   CREATE INDEX records_by_time ON records (occurred_at);
   CREATE TABLE record_counts (connection TEXT PRIMARY KEY, count INTEGER NOT NULL);
   CREATE TABLE cursors (
     connection TEXT NOT NULL, stream TEXT NOT NULL, cursor TEXT NOT NULL, updated_at TEXT NOT NULL,
     PRIMARY KEY (connection, stream)
   );
   CREATE TABLE runs (
     id TEXT PRIMARY KEY, connection TEXT NOT NULL, trigger TEXT NOT NULL, triggered_by TEXT,
     started_at TEXT NOT NULL, ended_at TEXT, status TEXT NOT NULL, streams TEXT NOT NULL,
     error_class TEXT, error_message TEXT, skipped TEXT NOT NULL
   );
   CREATE INDEX runs_by_connection ON runs (connection, started_at);
   CREATE TABLE audit (
     seq INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
     connection TEXT, outcome TEXT NOT NULL, detail TEXT
   );`,
  // Records stored by pages without a cursor, by the read that stored them (PageWrite.readId).
  `CREATE TABLE provisional (
     connection TEXT NOT NULL, stream TEXT NOT NULL, id TEXT NOT NULL, read_id TEXT NOT NULL,
     PRIMARY KEY (connection, stream, id)
   ) WITHOUT ROWID;`,
  // Every insert, update and delete of a record, in order: what destinations (Power BI) publish from.
  `CREATE TABLE changes (
     seq INTEGER PRIMARY KEY, connection TEXT NOT NULL, id TEXT NOT NULL, deleted INTEGER NOT NULL
   );`,
  // The Slack outbox (src/notify/outbox.ts): every message to Slack, in order per channel, kept until it is
  // delivered or has failed for good. Times are epoch milliseconds.
  `CREATE TABLE outbox (
     seq INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT NOT NULL UNIQUE, channel TEXT NOT NULL,
     method TEXT NOT NULL, args TEXT NOT NULL, depends_on TEXT NOT NULL, state TEXT NOT NULL,
     attempts INTEGER NOT NULL DEFAULT 0, transient_failures INTEGER NOT NULL DEFAULT 0,
     not_before INTEGER NOT NULL DEFAULT 0, enqueued_at INTEGER NOT NULL, first_claimed_at INTEGER,
     last_attempt_at INTEGER, unconfirmed INTEGER NOT NULL DEFAULT 0, delivered_at INTEGER,
     result_ts TEXT, result_channel TEXT, error TEXT, failed_at INTEGER
   );
   CREATE INDEX outbox_open ON outbox (state, seq);
   CREATE INDEX outbox_pace ON outbox (channel, last_attempt_at);`,
  // The digest's per-currency money in/out for a day reads only this index (no table lookups): 500,000
  // movements in one day went from ~1.2 s to ~0.3 s (bench/digest.ts).
  `CREATE INDEX records_money_by_time ON records (occurred_at, currency, amount) WHERE money_movement = 1;`,
  // Incidents and the clicks taken on them (incidents.ts).
  INCIDENTS_MIGRATION,
  // The digest counts a Plaid or QuickBooks calendar date (stored at 00:00:00.000Z) on that date in the team's
  // zone, not as an instant, so its money query needs the provider too (src/digest/queries.ts). This index
  // covers both of its scans, the day's instants and the day's dates, and replaces records_money_by_time
  // (same leading column; no other query uses it).
  `DROP INDEX IF EXISTS records_money_by_time;
   CREATE INDEX records_money_by_time_provider ON records (occurred_at, provider, currency, amount)
     WHERE money_movement = 1;`,
  // Cross-process rules (several processes share one folder: the app, the CLI beside it).
  // - A run is a lease: the process holding it renews `lease_until` (epoch ms) while the run lives; at most one
  //   `running` run per connection (the unique index), a lapsed lease may be taken over. Runs left running by
  //   an older version have no lease and count as lapsed; duplicates among them are closed first.
  // - Provisional records a read adopted from a dead read (`adopted = 1`) are the only ones it may delete.
  // - Connections and settings move from lowdb files into this database, so every change is a transaction
  //   on the current durable state (two lowdb processes reverted each other's writes). The files are imported
  //   once (embedded-documents.ts) and kept beside it, renamed, as a backup.
  `UPDATE runs SET status = 'failed', ended_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), error_class = 'internal',
     error_message = 'closed on upgrade: another run of this connection was also left running'
     WHERE status = 'running' AND rowid NOT IN (SELECT max(rowid) FROM runs WHERE status = 'running' GROUP BY connection);
   ALTER TABLE runs ADD COLUMN holder TEXT;
   ALTER TABLE runs ADD COLUMN lease_until INTEGER;
   CREATE UNIQUE INDEX runs_one_running ON runs (connection) WHERE status = 'running';
   ALTER TABLE provisional ADD COLUMN adopted INTEGER NOT NULL DEFAULT 0;
   CREATE TABLE connections (name TEXT PRIMARY KEY, doc TEXT NOT NULL, version INTEGER NOT NULL DEFAULT 1);
   CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
   CREATE TABLE store_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);`,
  // The status report's version: every write that can change `/finsync status` (a connection, a run, a record
  // count, a scheduled job's next run) bumps it, in whichever process writes, so a process may keep its last
  // report for as long as the version it read stays the same (services/status-cache.ts). Agenda's jobs table
  // is created here too (as the scheduler would, lazily) so that its trigger can exist from the start.
  `CREATE TABLE change_counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
   INSERT INTO change_counters (name, value) VALUES ('status', 0);
   ${createTableSql('agenda_jobs').join(';\n')};
   ${['runs', 'connections', 'record_counts', 'agenda_jobs']
     .flatMap((table) =>
       ['INSERT', 'UPDATE', 'DELETE'].map(
         (event) =>
           `CREATE TRIGGER ${table}_${event.toLowerCase()}_status AFTER ${event} ON ${table}
              BEGIN UPDATE change_counters SET value = value + 1 WHERE name = 'status'; END;`,
       ),
     )
     .join('\n')}`,
  // What used to live in one process's memory and must be shared by every process on the folder: the
  // single-use states of browser hand-offs (Plaid Link, OAuth consent; link-sessions.ts), and the requests
  // already handled (Slack request ids, provider webhook deliveries; replays.ts). Times are epoch ms.
  `CREATE TABLE link_sessions (
     state TEXT PRIMARY KEY, user_id TEXT NOT NULL, provider TEXT NOT NULL, name TEXT NOT NULL, view_id TEXT,
     expires_at INTEGER NOT NULL
   );
   CREATE INDEX link_sessions_by_expiry ON link_sessions (expires_at);
   CREATE TABLE replay_keys (key TEXT PRIMARY KEY, expires_at INTEGER NOT NULL) WITHOUT ROWID;
   CREATE INDEX replay_keys_by_expiry ON replay_keys (expires_at);`,
  // A hand-off may reconnect an existing connection (new credentials for `name`) rather than create one.
  `ALTER TABLE link_sessions ADD COLUMN purpose TEXT NOT NULL DEFAULT 'connect';`,
  // Payment requests made from Slack (Stripe Payment Links) and their state (payment-requests.ts).
  PAYMENT_REQUESTS_MIGRATION,
  // A hand-off waiting for the person's choice after consent (which Sage business) holds the exchanged tokens,
  // sealed by the app's keyring: ciphertext only.
  `ALTER TABLE link_sessions ADD COLUMN pending TEXT;`,
  // records_by_time served no query: the digest reads records_money_by_time_provider, and the export's keyset
  // pages (ledger.ts iterateRecords) walk the primary key (their query plan names no other index). Each record
  // written paid for it: dropping it cut a 50,000-payment Sage load's store time by about a sixth.
  `DROP INDEX IF EXISTS records_by_time;`,
  // Provisional marks are kept per page, not per record: one row holds the ids of a page a read stored
  // without a cursor (a JSON array). The old table, one row per id keyed by id, cost an initial load an insert
  // per record into a b-tree that grew with the read, then a delete per record at the cursor: applying 50,000
  // Sage-like records in pages of 2,000 took ~1.6 s with marks and ~1.05 s without (5 runs each); with a row per
  // page, ~1.05 s. Now a page adds one row and the cursor deletes a read's few rows. Only a read that adopted
  // marks (after a crash) unpacks them, with json_each.
  `CREATE TABLE provisional_marks (
     connection TEXT NOT NULL, stream TEXT NOT NULL, read_id TEXT NOT NULL, adopted INTEGER NOT NULL,
     ids TEXT NOT NULL
   );
   CREATE INDEX provisional_marks_by_read ON provisional_marks (connection, stream, read_id, adopted);
   INSERT INTO provisional_marks (connection, stream, read_id, adopted, ids)
     SELECT connection, stream, read_id, adopted, json_group_array(id) FROM provisional
     GROUP BY connection, stream, read_id, adopted;
   DROP TABLE provisional;`,
  // The records table keeps rows in the order they arrive (a rowid table) instead of in (connection, id) order
  // (WITHOUT ROWID). Provider ids are random, so every insert landed at a random place among wide rows: each
  // page's commit rewrote leaves all over the table. Now rows append, and only the narrow (connection, id)
  // index takes random inserts. Applying 50,000 Sage-like records in pages of 2,000: plain better-sqlite3 with
  // the same columns and indexes 0.98-1.14 s -> 0.56-0.67 s (WAL frames 8,000 -> 3,900); through SqliteLedger
  // ~1.05 s -> 0.71-0.86 s. End to end, alternating old and new: Sage 50k mean 1.65 s -> 1.44 s, Stripe 20k
  // 0.95 s -> 0.84 s. The digest's index names `connection` itself now: a rowid table's index carries the
  // rowid, not the primary key. The copy is paid once on upgrade (about 4 s per million records); the old
  // table's pages stay in the file as free pages that later writes reuse (VACUUM returns them).
  `CREATE TABLE records_by_arrival (${RECORDS_COLUMNS});
   INSERT INTO records_by_arrival SELECT * FROM records;
   DROP TABLE records;
   ALTER TABLE records_by_arrival RENAME TO records;
   CREATE INDEX records_money_by_time_provider ON records (occurred_at, provider, currency, amount, connection)
     WHERE money_movement = 1;`,
];

/** The schema version a folder has once `migrate` ran (SQLite's user_version). */
export const SCHEMA_VERSION = MIGRATIONS.length;

export function migrate(db: SqliteDatabase): void {
  // Each step re-reads the version inside its own write transaction: two processes opening one folder at
  // once (the app and the CLI) apply each step once; the second finds it done.
  const version = () => db.pragma('user_version', { simple: true }) as number;
  for (let next = version(); next < MIGRATIONS.length; next++) {
    db.transaction(() => {
      if (version() !== next) return;
      db.exec(MIGRATIONS[next]!);
      db.pragma(`user_version = ${next + 1}`);
    }).immediate();
  }
}
