/**
 * `/finsync cash`: per system (connection), the period's money in, out and net in each currency's own
 * decimals, and the accounts' balances with their as-of times. Never a total across systems.
 */
import type { CashRangeSpec } from '../commands/command-grammar.ts';
import { formatMoney } from '../money.ts';
import type { BalanceAnswer, CashReport, CashSystem, CashTotals } from '../services/cash.ts';
import {
  actions,
  type Block,
  button,
  context,
  LIMITS,
  packLines,
  type SlackMessage,
  safe,
  section,
  slackDate,
} from './blocks.ts';

export const CASH_SHARE_ACTION = 'cash_share';

/** `+1,234.56 USD`, `-5.000 KWD`, `0.00 EUR`: a signed net. */
export function signedMoney(minor: bigint, currency: string): string {
  return `${minor > 0n ? '+' : ''}${formatMoney(minor, currency)}`;
}

function totalsLine(t: CashTotals): string {
  const movements = `${t.movements.toLocaleString('en-US')} movement${t.movements === 1 ? '' : 's'}`;
  return `${t.currency}: in ${formatMoney(t.moneyIn, t.currency)} · out ${formatMoney(t.moneyOut, t.currency)} · net *${signedMoney(t.net, t.currency)}* (${movements})`;
}

function balanceLines(answer: BalanceAnswer): string[] {
  if (answer.outcome === 'none') return [];
  if (answer.outcome === 'unavailable') return [`:warning: balance unavailable: ${safe(answer.reason, 200)}`];
  if (answer.balances.length === 0) return ['Balances: none reported'];
  // One line per account, its balances in the provider's words, with the latest as-of time.
  const byAccount = new Map<string, { parts: string[]; asOf: string }>();
  for (const b of answer.balances) {
    const entry = byAccount.get(b.account) ?? { parts: [], asOf: b.asOf };
    entry.parts.push(`${safe(b.kind, 40)} ${formatMoney(b.amount, b.currency)}`);
    if (b.asOf > entry.asOf) entry.asOf = b.asOf;
    byAccount.set(b.account, entry);
  }
  return [...byAccount].map(
    ([account, { parts, asOf }]) =>
      `:bank: ${safe(account, 80)}: ${parts.join(' · ')} (as of ${slackDate(asOf)})`,
  );
}

function systemLines(system: CashSystem): string {
  const removed = system.connected ? '' : ' · removed';
  const head = `*${safe(system.connection, 40)}* (${safe(system.providerName, 40)})${removed}`;
  const money =
    system.totals.length === 0 ? ['no money movements in this period'] : system.totals.map(totalsLine);
  return [head, ...[...money, ...balanceLines(system.balances)].map((l) => `      ${l}`)].join('\n');
}

export function cashTitle(report: CashReport): string {
  const dates = report.from === report.to ? report.from : `${report.from} to ${report.to}`;
  const period = report.label.includes(report.from) ? report.label : `${report.label}, ${dates}`;
  return `Cash, ${period} (${report.timezone})`;
}

export function cashMessage(
  report: CashReport,
  options: { shareable: boolean; range?: CashRangeSpec },
): SlackMessage {
  const title = cashTitle(report);
  const moved = report.systems.filter((s) => s.totals.length > 0).length;
  const text = `${title}: ${report.systems.length} system${report.systems.length === 1 ? '' : 's'}, ${moved} with money movements`;
  const blocks: Block[] = [section(`:moneybag: *${safe(title)}*`)];
  if (report.systems.length === 0) {
    blocks.push(section('No system is connected yet: connect one with `/finsync connect stripe`.'));
    return { text: `${title}: no system is connected yet`, blocks };
  }
  // Room for the title, the footer and the share button.
  const { blocks: lines, omitted } = packLines(
    report.systems.map((s) => systemLines(s)),
    LIMITS.messageBlocks - 3,
  );
  blocks.push(...lines);
  const footer = [
    `Per system, never added across systems · as of ${slackDate(report.generatedAt)}`,
    ...(omitted > 0 ? [`and ${omitted} more systems: see \`npx finsync cash --json\``] : []),
  ];
  blocks.push(context(footer.join(' · ')));
  if (options.shareable)
    blocks.push(
      actions([
        button('Share in Channel', CASH_SHARE_ACTION, JSON.stringify(options.range ?? { kind: 'today' })),
      ]),
    );
  return { text, blocks };
}

/** At most this much of the Home tab goes to the cash line. */
const HOME_LINE_MAX = 1_500;

/**
 * The Home tab's compact line: today's net so far of each system that moved money, per currency, in whole
 * systems up to a length, then "and N more".
 */
export function cashHomeLine(report: CashReport): string {
  const moved = report.systems.filter((s) => s.totals.length > 0);
  const head = `:moneybag: *Cash ${report.label}:* `;
  if (moved.length === 0) return `${head}no money movements yet · \`/finsync cash\` for balances`;
  const parts: string[] = [];
  let length = head.length;
  for (const s of moved) {
    const part = `*${safe(s.connection, 40)}* net ${s.totals.map((t) => signedMoney(t.net, t.currency)).join(', ')}`;
    if (parts.length > 0 && length + part.length + 3 > HOME_LINE_MAX) break;
    parts.push(part);
    length += part.length + 3;
  }
  const more = moved.length - parts.length;
  return `${head}${parts.join(' · ')}${more > 0 ? ` · and ${more} more` : ''} · \`/finsync cash\` for details`;
}
