/**
 * "Share in Channel" under a cash reply: the same period, computed again now for the person who clicked (a
 * money viewer: the figures are checked against the role again), posted for everyone (share-in-channel.ts).
 */
import { type CashRangeSpec, parseCashRange } from '../../../commands/command-grammar.ts';
import { cashMessage } from '../../../messages/cash.ts';
import type { SlackDeps } from '../../slack-deps.ts';
import { shareInChannel } from './share-in-channel.ts';

/** The button's value back to a period; anything unexpected reads as today (the command's default). */
function rangeOf(value: string | undefined): CashRangeSpec {
  try {
    const parsed = JSON.parse(value ?? '') as { kind?: unknown; from?: unknown; to?: unknown };
    if (parsed.kind === 'dates' && typeof parsed.from === 'string' && typeof parsed.to === 'string') {
      const range = parseCashRange(`${parsed.from}..${parsed.to}`);
      if (typeof range !== 'string') return range;
    }
    if (typeof parsed.kind === 'string') {
      const range = parseCashRange(parsed.kind);
      if (typeof range !== 'string' && range.kind !== 'dates') return range;
    }
  } catch {}
  return { kind: 'today' };
}

export function cashShare(deps: SlackDeps) {
  return shareInChannel(deps, 'cash', async (userId, value) =>
    cashMessage(await deps.cash.report(userId, rangeOf(value)), { shareable: false }),
  );
}
