/**
 * What a person is told in Slack when a browser hand-off (a link page, an OAuth consent) ends. Provider and
 * query text is escaped: a company or bank name, or an `error` parameter, is anyone's to write.
 */
import type { HandOffOutcome } from '../services/connect-handoff.ts';
import { safe } from './blocks.ts';

/** The Slack text of an outcome that belongs to a session; null for ones nobody started (expired, invalid). */
export function handOffText(outcome: HandOffOutcome, displayName: string): string | null {
  const provider = safe(displayName, 40);
  switch (outcome.kind) {
    case 'expired':
    case 'invalid':
    // The person is answering in the browser; Slack hears how it ends.
    case 'choose':
      return null;
    case 'refused':
      return `:no_entry: ${provider} did not grant access (${safe(outcome.reason, 80)}). Nothing was connected.`;
    case 'malformed':
      return `:no_entry: ${provider} was not connected: ${safe(outcome.reason, 200)} Nothing was changed.`;
    case 'forbidden':
      return `:lock: ${provider} was not connected: only finsync admins can connect systems. Admins: ${outcome.admins}.`;
    case 'connected': {
      const name = safe(outcome.connection.name, 40);
      if (outcome.session.purpose === 'reconnect')
        return `:white_check_mark: Reconnected \`${name}\` (${safe(outcome.connection.accountLabel, 200)}) with new credentials; its history, schedule and subscriptions are kept. Sync it now with \`/finsync sync ${name}\`.`;
      return `:white_check_mark: Connected ${provider} as \`${name}\` (${safe(outcome.connection.accountLabel, 200)}). Sync it with \`/finsync sync ${name}\`.`;
    }
    case 'failed':
      return outcome.session.purpose === 'reconnect'
        ? `:no_entry: \`${safe(outcome.session.name, 40)}\` was not reconnected: ${safe(outcome.reason, 500)} Its credentials are unchanged.`
        : `:no_entry: ${provider} was not connected: ${safe(outcome.reason, 500)}`;
  }
}
