/**
 * The daily digest message: the verdict first, then what needs a person (problems, with a link to their
 * alert thread when there is one), the healthy connections collapsed into one line, the day's money per
 * system and currency in that currency's own decimals, records synced against the day before, stale
 * connections and the next runs. "No data" is said in words. Pure: the digest and the options in, the message
 * out.
 *
 * Money is shown per system and says so: money moving between two connected systems (a Stripe payout landing
 * in the bank) is a movement in each, so adding the systems up would count it twice. One system is one item
 * (its name and provider, then a line per currency), so a long list is cut between systems, never inside one.
 *
 * Nobody is mentioned: the digest is a routine message, so owners appear by display name (when the caller
 * resolved one) or by id, never as a `<@U…>` ping. The day is a calendar date in the team's timezone, so it
 * is written out as words; instants (since when, next run) are `<!date^…>` tokens each reader sees locally.
 */
import type { Digest, DigestProblem, StaleConnection, SystemMoney } from '../digest/compute.ts';
import { type DigestDay, dayLabel } from '../digest/day.ts';
import { formatMoney } from '../money.ts';
import {
  type Block,
  capBlocks,
  context,
  packLines,
  type SlackMessage,
  safe,
  section,
  slackDate,
} from './blocks.ts';

export interface DigestMessageOptions {
  /** The digest was due while finsync was down and goes out now. */
  readonly late?: boolean;
  /** Permalink of each problem's alert thread, by connection name. */
  readonly alertLinks?: ReadonlyMap<string, string>;
  /** Display names for owner ids (resolved by the caller; absent ones show the id). */
  readonly ownerNames?: ReadonlyMap<string, string>;
}

/**
 * Sections each part may use. Worst case: lead 1, problems 24 + 1 "more", healthy/pending 1, money 6 + 1,
 * records synced 1, stale 8 + 1, next runs 1, footer 1 = 46 of Slack's 50.
 */
const BUDGET = { problems: 24, money: 6, stale: 8 } as const;
/** Currency lines of one system; the rest are counted ("and 3 more currencies"), keeping one item < 3,000. */
const CURRENCIES_PER_SYSTEM = 20;
export const PER_SYSTEM_NOTE = 'Totals are per system; money moving between your systems appears in each.';
const NEXT_RUNS_SHOWN = 5;
const NAME = 60;

export function digestMessage(digest: Digest, options: DigestMessageOptions = {}): SlackMessage {
  const label = dayLabel(digest.day);
  const blocks: Block[] = [section(leadText(digest, label, options.late === true))];

  if (digest.problems.length > 0) {
    const lines = ['*Needs attention*', ...digest.problems.map((p) => problemLine(p, options))];
    pushPacked(blocks, lines, BUDGET.problems, (n) => `${n} more need attention: see \`/finsync status\`.`);
  }
  const collapsed = collapsedLine(digest);
  if (collapsed !== '') blocks.push(section(collapsed));

  if (!digest.hasData) {
    blocks.push(
      section(
        `:information_source: *No data for ${label}*: no money movements were recorded and no sync finished that day.`,
      ),
    );
  } else {
    if (digest.money === null) {
      blocks.push(section(`*Money:* no money movements were recorded on ${dayLabel(digest.day, 'short')}.`));
    } else {
      const systems = systemItems(digest.money);
      const lines = [
        `*Money on ${dayLabel(digest.day, 'short')}, per system* (each movement counted once in its system)\n_${PER_SYSTEM_NOTE}_`,
        ...systems,
      ];
      pushPacked(
        blocks,
        lines,
        BUDGET.money,
        (n) => `${count(n, 'more system')} with money that day not shown.`,
      );
    }
    blocks.push(section(syncedLine(digest)));
  }

  if (digest.stale.length > 0) {
    const lines = [
      '*Stale* (no success for longer than their schedule allows)',
      ...digest.stale.map((s) => staleLine(s, options)),
    ];
    pushPacked(blocks, lines, BUDGET.stale, (n) => `${n} more stale connections not shown.`);
  }
  if (digest.nextRuns.length > 0) blocks.push(section(nextRunsText(digest)));
  blocks.push(context(footer(digest)));

  return { text: topLevelText(digest, label, options.late === true), blocks: capBlocks(blocks) };
}

/** One item per system: `*name* (Provider)` and its currencies, on the same line when there is one. */
function systemItems(money: readonly SystemMoney[]): string[] {
  const bySystem = new Map<string, SystemMoney[]>();
  for (const m of money) {
    const rows = bySystem.get(m.connection);
    if (rows) rows.push(m);
    else bySystem.set(m.connection, [m]);
  }
  return [...bySystem.values()].map((rows) => {
    const first = rows[0]!;
    const gone = first.connected ? '' : ', no longer connected';
    const head = `*${safe(first.connection, NAME)}* (${safe(first.providerName, 40)}${gone})`;
    const lines = rows.slice(0, CURRENCIES_PER_SYSTEM).map(currencyLine);
    const more = rows.length - lines.length;
    if (more > 0) lines.push(`and ${count(more, 'more currency', 'more currencies')}`);
    return rows.length === 1 ? `${head} · ${lines[0]}` : [head, ...lines.map((l) => `      ${l}`)].join('\n');
  });
}

function currencyLine(m: SystemMoney): string {
  return `*${safe(m.currency, 10)}* in ${formatMoney(m.moneyIn, m.currency)} · out ${formatMoney(m.moneyOut, m.currency)} · ${count(m.movements, 'movement')}`;
}

function leadText(digest: Digest, label: string, late: boolean): string {
  const emoji =
    digest.total === 0
      ? ':information_source:'
      : digest.needAttention > 0
        ? ':warning:'
        : ':white_check_mark:';
  const lines = [
    `${emoji} *${safe(digest.verdict, 200)}*`,
    `finsync daily digest for *${label}* (${safe(digest.day.timezone, 60)})`,
  ];
  if (late)
    lines.push(':hourglass_flowing_sand: *Sent late:* this digest was due while finsync was not running.');
  return lines.join('\n');
}

function topLevelText(digest: Digest, label: string, late: boolean): string {
  const names = digest.problems.slice(0, 3).map((p) => safe(p.name, NAME));
  const more = digest.problems.length > 3 ? `, +${digest.problems.length - 3} more` : '';
  const who = names.length > 0 ? ` (${names.join(', ')}${more})` : '';
  const data = digest.hasData ? '' : ` · no data for ${label}`;
  return `${late ? 'Sent late: ' : ''}finsync digest for ${label}: ${safe(digest.verdict, 200)}${who}${data}`;
}

function problemLine(p: DigestProblem, options: DigestMessageOptions): string {
  const emoji = p.health === 'needs_reconnect' ? ':no_entry:' : ':red_circle:';
  const parts = [
    `${emoji} *${safe(p.name, NAME)}* (${safe(p.providerName, 40)}) · ${safe(p.stateText, 200)}`,
  ];
  if (p.since)
    parts.push(
      `since ${slackDate(p.since)}${p.failedRuns > 1 ? ` (${count(p.failedRuns, 'failed run')})` : ''}`,
    );
  parts.push(`owner ${owner(p.owner, options)}`);
  const link = alertLink(options.alertLinks?.get(p.name));
  if (link) parts.push(link);
  return parts.join(' · ');
}

function staleLine(s: StaleConnection, options: DigestMessageOptions): string {
  const last = s.lastSuccessAt ? `last success ${slackDate(s.lastSuccessAt)}` : 'never synced successfully';
  return (
    `:hourglass: *${safe(s.name, NAME)}* (${safe(s.providerName, 40)}) · ${last} · ` +
    `expected ${safe(s.expectation, 120)} · stale since ${slackDate(s.staleSince)} · owner ${owner(s.owner, options)}`
  );
}

/** Healthy names (and pending ones) on one line each, clipped by names rather than mid-name. */
function collapsedLine(digest: Digest): string {
  const lines: string[] = [];
  if (digest.healthy.count > 0) {
    const head = `:large_green_circle: *${count(digest.healthy.count, 'healthy connection')}:* `;
    lines.push(head + nameList(digest.healthy.names, 1_900 - head.length));
  }
  if (digest.pending.count > 0) {
    const head = `:white_circle: *${digest.pending.count} syncing now or not synced yet:* `;
    lines.push(head + nameList(digest.pending.names, 900 - head.length));
  }
  return lines.join('\n');
}

function nameList(names: readonly string[], budget: number): string {
  const shown: string[] = [];
  let length = 0;
  for (const name of names) {
    const piece = safe(name, NAME);
    const rest = names.length - shown.length - 1;
    const reserve = rest > 0 ? ` … and ${rest} more`.length : 0;
    if (length + piece.length + 2 + reserve > budget) break;
    shown.push(piece);
    length += piece.length + 2;
  }
  const omitted = names.length - shown.length;
  return shown.join(', ') + (omitted > 0 ? `${shown.length > 0 ? ' …' : ''} and ${omitted} more` : '');
}

function syncedLine(digest: Digest): string {
  const { day, dayBefore } = digest.synced;
  const before = dayLabel(digest.dayBefore, 'short');
  if (day === null) {
    const prior = dayBefore ? ` (${records(dayBefore.records)} on ${before})` : '';
    return `*Records synced:* no sync finished on ${dayLabel(digest.day, 'short')}${prior}.`;
  }
  const head = `*Records synced:* ${records(day.records)} in ${count(day.runs, 'run')}`;
  if (dayBefore === null) return `${head} · no sync finished on ${before} to compare with.`;
  const delta = day.records - dayBefore.records;
  if (delta === 0) return `${head} · the same as on ${before}.`;
  const percent =
    dayBefore.records === 0
      ? ''
      : ` (${delta > 0 ? '+' : '−'}${formatPercent(Math.abs(delta) / dayBefore.records)})`;
  return `${head} · ${delta > 0 ? 'up' : 'down'} ${Math.abs(delta).toLocaleString('en-US')}${percent} from ${records(dayBefore.records)} on ${before}.`;
}

function nextRunsText(digest: Digest): string {
  const shown = digest.nextRuns
    .slice(0, NEXT_RUNS_SHOWN)
    .map((r) => `${safe(r.name, NAME)} ${slackDate(r.at)}`);
  const more = digest.nextRuns.length - shown.length;
  return `*Next runs:* ${shown.join(' · ')}${more > 0 ? ` · and ${more} more` : ''}`;
}

function footer(digest: Digest): string {
  return `The day runs midnight to midnight ${safe(digest.day.timezone, 60)}${dayLength(digest.day)} · generated ${slackDate(digest.generatedAt)}`;
}

function dayLength(day: DigestDay): string {
  return day.hours === 24 ? '' : ` (${day.hours} hours: the clocks changed that day)`;
}

function pushPacked(
  blocks: Block[],
  lines: readonly string[],
  maxSections: number,
  more: (n: number) => string,
): void {
  const packed = packLines(lines, maxSections);
  blocks.push(...packed.blocks);
  if (packed.omitted > 0) blocks.push(context(more(packed.omitted)));
}

function owner(id: string, options: DigestMessageOptions): string {
  return safe(options.ownerNames?.get(id) ?? id, 80);
}

/** A link only for a plain https URL: anything that could break out of `<url|text>` is dropped. */
function alertLink(url: string | undefined): string | null {
  if (!url || url.length > 1_000 || !/^https:\/\/[^\s<>|]+$/.test(url)) return null;
  return `<${url.replace(/&/g, '&amp;')}|alert thread>`;
}

function count(n: number, noun: string, plural = `${noun}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? noun : plural}`;
}

function records(n: number): string {
  return count(n, 'record');
}

function formatPercent(ratio: number): string {
  const percent = ratio * 100;
  return `${percent < 10 ? percent.toFixed(1) : Math.round(percent).toLocaleString('en-US')}%`;
}
