/** The one message of a `sync all`: every connection with its state, then its result, edited in place. */
import type { GroupEntry, RunSummary, SyncGroup } from '../services/sync-groups.ts';
import { context, LIMITS, packLines, type SlackMessage, safe, slackDate } from './blocks.ts';
import { duration } from './sync.ts';

const count = (n: number, what: string) => `${n.toLocaleString('en-US')} ${what}${n === 1 ? '' : 's'}`;

/** The error class in words, for the line of a failed run (its message follows). */
const ERROR_WORDS: Readonly<Record<string, string>> = {
  auth: 'credentials refused',
  rate_limited: 'rate limited by the provider',
  transient: 'the provider could not be reached',
  invalid_request: 'the provider refused the request',
  config: 'a setting is missing or invalid',
  storage: 'the store failed',
};

/** How a line is written: Slack mrkdwn (escaped, bold names, emoji) or plain text for a terminal. */
interface Style {
  readonly name: (name: string) => string;
  readonly text: (text: string, max: number) => string;
  readonly emoji: (code: string) => string;
}
const MRKDWN: Style = { name: (n) => `*${safe(n, 40)}*`, text: safe, emoji: (e) => `${e} ` };
const PLAIN: Style = { name: (n) => n, text: (t, max) => t.slice(0, max), emoji: () => '' };

function endedLine(name: string, run: RunSummary, style: Style): string {
  const records = count(run.records, 'record');
  switch (run.status) {
    case 'success':
      return `${style.emoji(':white_check_mark:')}${name}: succeeded · ${records} in ${duration(run)}`;
    case 'partial':
      return `${style.emoji(':warning:')}${name}: partly succeeded (some objects skipped) · ${records} in ${duration(run)}`;
    case 'cancelled':
      return `${style.emoji(':no_entry_sign:')}${name}: cancelled after ${duration(run)} · ${records}`;
    case 'running':
      return `${style.emoji(':arrows_counterclockwise:')}${name}: running`;
    case 'failed': {
      const words = run.errorClass ? ERROR_WORDS[run.errorClass] : undefined;
      const why = [words, run.errorMessage ? style.text(run.errorMessage, 300) : undefined].filter(Boolean);
      return `${style.emoji(':x:')}${name}: failed in ${duration(run)}${why.length > 0 ? `: ${why.join(': ')}` : ''}`;
    }
  }
}

/** One connection's line, in Slack mrkdwn, or in plain text (`plain`, the CLI's line). */
export function groupEntryLine(entry: GroupEntry, options: { plain?: boolean } = {}): string {
  const style = options.plain ? PLAIN : MRKDWN;
  const name = style.name(entry.connection);
  switch (entry.state) {
    case 'queued':
      return `${style.emoji(':hourglass_flowing_sand:')}${name}: queued`;
    case 'running':
      return `${style.emoji(':arrows_counterclockwise:')}${name}: running · ${count(entry.recordsSoFar, 'record')} so far`;
    case 'not_started': {
      const since = options.plain ? entry.since : slackDate(entry.since);
      const by = entry.startedBy ? ` (started ${style.text(entry.startedBy, 200)})` : '';
      return `${style.emoji(':hourglass:')}${name}: not started, already running since ${since}${by}`;
    }
    case 'ended':
      return endedLine(name, entry.run, style);
  }
}

/** "2 of 3 syncs done, 1 failed": what a notification or a screen reader says of the group. */
export function groupSummary(entries: readonly GroupEntry[]): string {
  const ended = entries.filter((e) => e.state === 'ended');
  const notStarted = entries.filter((e) => e.state === 'not_started').length;
  const done = ended.length + notStarted;
  const failed = ended.filter((e) => e.run.status === 'failed').length;
  const cancelled = ended.filter((e) => e.run.status === 'cancelled').length;
  const parts = [
    `${done} of ${count(entries.length, 'sync')} done`,
    ...(failed > 0 ? [`${failed} failed`] : []),
    ...(cancelled > 0 ? [`${cancelled} cancelled`] : []),
    ...(notStarted > 0 ? [`${notStarted} already running`] : []),
  ];
  return parts.join(', ');
}

export function syncGroupMessage(group: SyncGroup): SlackMessage {
  const finished = group.entries.every((e) => e.state === 'ended' || e.state === 'not_started');
  const text = `Sync all: ${groupSummary(group.entries)}`;
  const lines = group.entries.map((entry) => groupEntryLine(entry));
  const { blocks, omitted } = packLines(
    [`${finished ? ':checkered_flag:' : ':arrows_counterclockwise:'} *${safe(text, 200)}*`, ...lines],
    LIMITS.messageBlocks - 2,
  );
  if (omitted > 0) blocks.push(context(`${omitted} more connections not shown.`));
  blocks.push(
    context(
      `Started ${slackDate(group.createdAt)}${finished ? '' : ' · this message updates as each sync ends'} · \`/finsync history <connection>\` for details`,
    ),
  );
  return { text, blocks };
}
