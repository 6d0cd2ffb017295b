/**
 * Incidents (ports/incidents.ts) in the embedded SQLite database (the same file as the outbox, so an alert
 * and its bookkeeping live side by side). The row keeps the searchable columns; the rest of the incident is
 * JSON. A partial unique index allows one open incident per connection, whatever the callers do, and the
 * primary key of incident_actions makes a claim succeed once.
 */
import { ConflictError } from '../../errors.ts';
import type { Incident, IncidentState } from '../../incidents/types.ts';
import type { IncidentStore, NewIncident } from '../ports/incidents.ts';
import type { SqliteDatabase } from '../sqlite.ts';

/** One of the embedded schema's migrations (ledger-schema.ts). */
export const INCIDENTS_MIGRATION = `CREATE TABLE incidents (
     id INTEGER PRIMARY KEY AUTOINCREMENT, connection TEXT NOT NULL, state TEXT NOT NULL, data TEXT NOT NULL
   );
   CREATE UNIQUE INDEX incidents_one_open ON incidents (connection) WHERE state = 'open';
   CREATE TABLE incident_actions (
     incident_id INTEGER NOT NULL, action TEXT NOT NULL, version INTEGER NOT NULL, actor TEXT NOT NULL,
     at TEXT NOT NULL, PRIMARY KEY (incident_id, action, version)
   ) WITHOUT ROWID;`;

interface Row {
  id: number;
  connection: string;
  state: string;
  data: string;
}

export class SqliteIncidents implements IncidentStore {
  private readonly statements;

  constructor(db: SqliteDatabase) {
    this.statements = {
      open: db.prepare<[string], Row>(`SELECT * FROM incidents WHERE connection = ? AND state = 'open'`),
      get: db.prepare<[number], Row>('SELECT * FROM incidents WHERE id = ?'),
      allOpen: db.prepare<[], Row>(`SELECT * FROM incidents WHERE state = 'open' ORDER BY id`),
      latest: db.prepare<[string], Row>(
        'SELECT * FROM incidents WHERE connection = ? ORDER BY id DESC LIMIT 1',
      ),
      insert: db.prepare<[string, string, string], { id: number }>(
        'INSERT INTO incidents (connection, state, data) VALUES (?, ?, ?) RETURNING id',
      ),
      update: db.prepare<[string, string, number]>('UPDATE incidents SET state = ?, data = ? WHERE id = ?'),
      claim: db.prepare<[number, string, number, string, string]>(
        'INSERT OR IGNORE INTO incident_actions (incident_id, action, version, actor, at) VALUES (?, ?, ?, ?, ?)',
      ),
    };
  }

  async open(connection: string): Promise<Incident | undefined> {
    return parse(this.statements.open.get(connection));
  }

  async get(id: number): Promise<Incident | undefined> {
    return parse(this.statements.get.get(id));
  }

  async latest(connection: string): Promise<Incident | undefined> {
    return parse(this.statements.latest.get(connection));
  }

  async allOpen(): Promise<Incident[]> {
    return this.statements.allOpen.all().map((row) => parse(row)!);
  }

  async create(incident: NewIncident): Promise<Incident> {
    if (incident.state === 'open' && this.statements.open.get(incident.connection))
      throw new ConflictError(`${incident.connection} already has an open incident`);
    try {
      const row = this.statements.insert.get(incident.connection, incident.state, serialize(incident));
      return { ...incident, id: row!.id };
    } catch (error) {
      // Another process opened one between the check and the insert: the unique index refused this one.
      if (error instanceof Error && /UNIQUE constraint failed/.test(error.message))
        throw new ConflictError(`${incident.connection} already has an open incident`);
      throw error;
    }
  }

  async save(incident: Incident): Promise<void> {
    this.statements.update.run(incident.state, serialize(incident), incident.id);
  }

  async claimAction(id: number, action: string, version: number, actor: string, at: Date): Promise<boolean> {
    return this.statements.claim.run(id, action, version, actor, at.toISOString()).changes === 1;
  }
}

function serialize(incident: NewIncident | Incident): string {
  const { connection: _c, state: _s, ...rest } = incident as Incident;
  const { id: _id, ...data } = rest;
  return JSON.stringify(data);
}

function parse(row: Row | undefined): Incident | undefined {
  if (!row) return undefined;
  const data = JSON.parse(row.data) as Omit<Incident, 'id' | 'connection' | 'state'>;
  return { ...data, id: row.id, connection: row.connection, state: row.state as IncidentState };
}
