/**
 * The incidents port: one row per incident (src/incidents), and the clicks taken on its versions. Two rules
 * are the store's, so they hold across processes: at most one open incident per connection, and an action
 * on one version of an incident is claimed once (a double click, or two app processes, act once).
 */
import type { Incident } from '../../incidents/types.ts';

export type NewIncident = Omit<Incident, 'id'>;

export interface IncidentStore {
  /** The connection's open incident. */
  open(connection: string): Promise<Incident | undefined>;
  get(id: number): Promise<Incident | undefined>;
  /** The newest incident of a connection, open or resolved. */
  latest(connection: string): Promise<Incident | undefined>;
  /** Every open incident, oldest first. */
  allOpen(): Promise<readonly Incident[]>;
  /** Stores a new incident with a new id; ConflictError when the connection already has an open one. */
  create(incident: NewIncident): Promise<Incident>;
  /** Replaces the stored incident of that id. */
  save(incident: Incident): Promise<void>;
  /** True the first time `action` is taken on this version of the incident; false for a repeat. */
  claimAction(id: number, action: string, version: number, actor: string, at: Date): Promise<boolean>;
}
