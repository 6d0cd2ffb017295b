/**
 * An incident: one connection failing, from its first failed run to the first success after it. One
 * living Slack message per incident and channel (CONVENTIONS, Slack UX bar 4) is rendered from this data.
 */

export type IncidentState = 'open' | 'resolved';

/** How long a snooze lasts; every choice ends (the last one when the incident resolves). */
export type SnoozeChoice = '1h' | '4h' | 'tomorrow_9' | 'until_resolved';

export const SNOOZE_CHOICES: readonly SnoozeChoice[] = ['1h', '4h', 'tomorrow_9', 'until_resolved'];

export interface Snooze {
  readonly choice: SnoozeChoice;
  /** ISO instant it ends; null: until the incident resolves. */
  readonly until: string | null;
  /** Slack user id of who snoozed, and the name shown on the alert (never a ping). */
  readonly by: string;
  readonly byName: string;
  readonly at: string;
}

export interface Incident {
  readonly id: number;
  readonly connection: string;
  readonly provider: string;
  readonly providerName: string;
  readonly state: IncidentState;
  /** The latest failure's class (`auth`, `transient`, …) and message (secrets already removed, not escaped). */
  readonly errorClass: string;
  readonly errorMessage: string;
  /** Start of the first failed run of the incident. */
  readonly failingSince: string;
  readonly failedRuns: number;
  readonly lastFailureAt: string;
  /** End of the last successful run before the incident; null when it never succeeded. */
  readonly lastSuccessAt: string | null;
  /** When the alert was first posted; null while the failures are below the alert threshold. */
  readonly alertedAt: string | null;
  /** Bumped by every change of the alert message; buttons carry it to detect clicks on old versions. */
  readonly version: number;
  readonly snooze: Snooze | null;
  /** How many snoozes ended while the incident was open (each re-alerts once). */
  readonly snoozesExpired: number;
  readonly escalatedAt: string | null;
  readonly resolvedAt: string | null;
  /** Set when the incident ended because the connection was disconnected, not by a successful run. */
  readonly closedBecause?: 'disconnected';
  /** Slack user id of whoever connected it: the one an escalation mentions. */
  readonly owner: string;
  /** Channels the alert was posted to (fixed when it was first posted). */
  readonly channels: readonly string[];
}

/** When to alert and escalate (FINSYNC_ALERT_AFTER_FAILURES, FINSYNC_ESCALATE_AFTER_FAILURES). */
export interface AlertPolicy {
  /** Transient failures in a row before the alert (authentication and other non-transient: at once). */
  readonly alertAfter: number;
  /** Failed runs in a row after which one reply mentions the owner. */
  readonly escalateAfter: number;
}

export const DEFAULT_ALERT_POLICY: AlertPolicy = { alertAfter: 2, escalateAfter: 5 };

/** Error classes that may heal by themselves: the alert waits for `alertAfter` failed runs. */
export function isTransientClass(errorClass: string): boolean {
  return errorClass === 'transient' || errorClass === 'rate_limited';
}
