/** The run lease a process takes unless told otherwise (see RunLease in types.ts). */
import { hostname } from 'node:os';
import type { RunLease } from './types.ts';

/**
 * A minute: renewed every third of it, so a holder must stall for 40 s before another process may take the
 * connection over, and a killed one frees it within a minute.
 */
export const DEFAULT_LEASE_TTL_MS = 60_000;

/** What this process is, for "started by …": its role (`app`, `cli`), pid and host. */
export function processHolder(role: string = processRole()): string {
  return `${role} pid ${process.pid} on ${hostname()}`;
}

let role = 'finsync';
/** The app and the CLI name themselves at start-up. */
export function setProcessRole(name: string): void {
  role = name;
}
function processRole(): string {
  return role;
}

export function defaultLease(): RunLease {
  return { holder: processHolder(), ttlMs: DEFAULT_LEASE_TTL_MS };
}
