/** Messages about syncs: started, progress, result, and the `history` table. */
import type { SyncStart } from '../services/finsync.ts';
import type { Connection, StreamCounts, SyncRun } from '../store/types.ts';
import { context, header, LIMITS, packLines, type SlackMessage, safe, section, slackDate } from './blocks.ts';

const STATUS_WORDS: Readonly<Record<SyncRun['status'], string>> = {
  running: ':arrows_counterclockwise: Running',
  success: ':white_check_mark: Succeeded',
  partial: ':warning: Partly succeeded (some objects skipped)',
  failed: ':x: Failed',
  cancelled: ':no_entry_sign: Cancelled',
};

function totals(run: SyncRun): StreamCounts {
  const sum: StreamCounts = { fetched: 0, inserted: 0, updated: 0, deleted: 0, skipped: 0 };
  for (const counts of Object.values(run.streams)) {
    sum.fetched += counts.fetched;
    sum.inserted += counts.inserted;
    sum.updated += counts.updated;
    sum.deleted += counts.deleted;
    sum.skipped += counts.skipped;
  }
  return sum;
}

function countsText(c: StreamCounts): string {
  return `${c.fetched.toLocaleString('en-US')} fetched · ${c.inserted.toLocaleString('en-US')} new · ${c.updated.toLocaleString('en-US')} updated · ${c.deleted.toLocaleString('en-US')} removed · ${c.skipped.toLocaleString('en-US')} skipped`;
}

/** How long a run took, in words a person reads at a glance: "under 1 s", "12 s", "3 min". */
export function duration(run: Pick<SyncRun, 'startedAt' | 'endedAt'>): string {
  if (!run.endedAt) return 'still running';
  const ms = Math.max(0, Date.parse(run.endedAt) - Date.parse(run.startedAt));
  // "0 s" reads as if nothing ran; a run of a few hundred milliseconds is "under 1 s".
  if (ms < 1000) return 'under 1 s';
  const seconds = Math.round(ms / 1000);
  return seconds < 90 ? `${seconds} s` : `${Math.round(seconds / 60)} min`;
}

export function syncStartedMessage(starts: readonly SyncStart[]): SlackMessage {
  const lines = starts.map((s) =>
    s.outcome === 'queued'
      ? `:arrows_counterclockwise: *${safe(s.connection, 40)}*: sync started`
      : `:hourglass: *${safe(s.connection, 40)}*: already running since ${slackDate(s.since)}${s.startedBy ? ` (started ${safe(s.startedBy, 200)})` : ''}; not started again`,
  );
  const text =
    starts.length === 1
      ? lines[0]!.replace(/[*:]|arrows_counterclockwise|hourglass/g, '').trim()
      : `Syncing ${starts.length} connections`;
  const { blocks, omitted } = packLines(lines, LIMITS.messageBlocks - 1);
  if (omitted > 0) blocks.push(context(`${omitted} more not shown.`));
  return { text, blocks };
}

export function syncProgressMessage(
  connection: string,
  recordsSoFar: number,
  startedAt: string,
): SlackMessage {
  const text = `Syncing ${connection}: ${recordsSoFar.toLocaleString('en-US')} records so far`;
  return {
    text,
    blocks: [
      section(
        `:arrows_counterclockwise: Syncing *${safe(connection, 40)}*: ${recordsSoFar.toLocaleString('en-US')} records so far`,
      ),
      context(`Started ${slackDate(startedAt)}`),
    ],
  };
}

export function syncResultMessage(run: SyncRun): SlackMessage {
  const status = STATUS_WORDS[run.status];
  const text = `Sync of ${run.connection}: ${status.replace(/^:[a-z_]+: /, '')} · ${countsText(totals(run))}`;
  const blocks = [
    section(
      `${status}: sync of *${safe(run.connection, 40)}* in ${duration(run)}\n${countsText(totals(run))}`,
    ),
    ...(run.errorMessage
      ? [section(`*Error (${safe(run.errorClass ?? 'error', 40)}):* ${safe(run.errorMessage, 1500)}`)]
      : []),
    ...(run.skipped.length > 0
      ? [
          section(
            `*Skipped objects:*\n${run.skipped
              .slice(0, 5)
              .map(
                (s) =>
                  `• ${safe(s.stream, 40)} ${safe(s.objectId ?? 'unknown id', 80)}: ${safe(s.reason, 200)}`,
              )
              .join('\n')}`,
          ),
        ]
      : []),
    context(
      `Started ${slackDate(run.startedAt)} · \`/finsync history ${safe(run.connection, 40)}\` for earlier runs`,
    ),
  ];
  return { text, blocks };
}

export function historyMessage(connection: Connection, runs: readonly SyncRun[]): SlackMessage {
  if (runs.length === 0) {
    return {
      text: `No sync runs of ${connection.name} yet`,
      blocks: [
        section(
          `No sync runs of *${safe(connection.name, 40)}* yet. Start one with \`/finsync sync ${safe(connection.name, 40)}\`.`,
        ),
      ],
    };
  }
  const lines = runs.map((run) => {
    const who =
      run.triggeredBy && run.trigger !== 'schedule'
        ? ` by ${run.triggeredBy === 'cli' ? 'CLI' : `<@${run.triggeredBy}>`}`
        : '';
    const error = run.errorMessage
      ? `\n      ${safe(run.errorClass ?? 'error', 40)}: ${safe(run.errorMessage, 300)}`
      : '';
    return `${STATUS_WORDS[run.status]} · ${slackDate(run.startedAt)} · ${run.trigger}${who} · ${duration(run)}\n      ${countsText(totals(run))}${error}`;
  });
  const { blocks, omitted } = packLines(lines, LIMITS.messageBlocks - 2);
  return {
    text: `Last ${runs.length} sync runs of ${connection.name}`,
    blocks: [
      header(`Sync history: ${connection.name}`),
      ...blocks,
      ...(omitted > 0 ? [context(`${omitted} more runs not shown`)] : []),
    ],
  };
}
