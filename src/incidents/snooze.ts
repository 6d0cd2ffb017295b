/**
 * When a snooze ends. Every choice ends: after 1 or 4 hours, at 09:00 tomorrow in the clicker's own
 * timezone (Slack's profile tz; the team's when unknown), or when the incident resolves (null here).
 * Pure: the clock and the zone are parameters.
 */
import { dayContaining } from '../digest/day.ts';
import { localTimeOn } from '../digest/due.ts';
import { SNOOZE_CHOICES, type SnoozeChoice } from './types.ts';

const HOUR_MS = 3_600_000;

export function isSnoozeChoice(value: unknown): value is SnoozeChoice {
  return typeof value === 'string' && (SNOOZE_CHOICES as readonly string[]).includes(value);
}

export function snoozeUntil(choice: SnoozeChoice, now: Date, timezone: string): Date | null {
  switch (choice) {
    case '1h':
      return new Date(now.getTime() + HOUR_MS);
    case '4h':
      return new Date(now.getTime() + 4 * HOUR_MS);
    case 'tomorrow_9': {
      const today = dayContaining(now, timezone);
      const tomorrow = dayContaining(today.end, timezone);
      return localTimeOn(tomorrow.date, '09:00', timezone);
    }
    case 'until_resolved':
      return null;
  }
}
