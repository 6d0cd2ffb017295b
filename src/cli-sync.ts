/**
 * `npx finsync sync <connection|all>`: the same request and lifecycle as a sync asked for in Slack. The
 * request is checked and audited by Finsync.syncNow (under the operator's name, trigger `cli`); the jobs it
 * accepts are run here, in this process, by the job lifecycle (run, report, publish, incidents), with a
 * printer as its reporter.
 */
import type { Core } from './core.ts';
import { RunConflictError } from './errors.ts';
import type { SlackMessage } from './messages/blocks.ts';
import { notice } from './messages/help.ts';
import { syncResultMessage } from './messages/sync.ts';
import { groupEntryLine, groupSummary } from './messages/sync-group.ts';
import { CLI_ACTOR } from './security/roles.ts';
import type { SyncJob } from './services/finsync.ts';
import type { JobReporter } from './services/job-lifecycle.ts';
import { type GroupEntry, summarize } from './services/sync-groups.ts';

/** Prints a message (text mode) or its data (--json); data undefined: nothing in --json mode. */
export type Print = (message: SlackMessage, data?: unknown) => void;

/** As many jobs at once as the scheduler runs in the app. */
const CLI_CONCURRENCY = 4;

/**
 * Exit code 0 when every connection synced; 1 when one failed, was cancelled or was already running.
 * `sync <connection>` prints the run's result as Slack shows it (its run with --json); `sync all` runs the
 * connections side by side, prints one line for each as it ends, then the summary (--json: one array).
 */
export async function runSyncCli(core: Core, target: string, print: Print): Promise<number> {
  const accepted: SyncJob[] = [];
  const starts = await core.finsync.syncNow(
    { target, trigger: 'cli', actor: CLI_ACTOR, notify: { kind: 'none' } },
    // The CLI runs what it asks for itself: the jobs stay in this process instead of the scheduler.
    { enqueue: async (job) => void accepted.push(job) },
  );
  const all = target === 'all';
  const entries: GroupEntry[] = [];
  const data: unknown[] = [];
  const show = (entry: GroupEntry, shown: unknown) => {
    entries.push(entry);
    data.push(shown);
    // One plain line each, whatever its length (a terminal wraps it; a script reads it whole).
    if (all) print({ text: groupEntryLine(entry, { plain: true }), blocks: [] });
  };
  const printer = cliReporter(all ? undefined : print, show);
  const queue: SyncJob[] = [];
  for (const start of starts) {
    const job = accepted.find((j) => j.connection === start.connection);
    if (start.outcome === 'queued' && job) queue.push(job);
    else if (start.outcome === 'already_running')
      await printer.notStarted(
        new RunConflictError(start.connection, start.since, start.startedBy ?? 'in this process'),
      );
  }
  // Each connection's run is independent: one failure does not stop the others.
  const worker = async () => {
    for (let job = queue.shift(); job; job = queue.shift()) await core.jobs.run(job, printer);
  };
  await Promise.all(Array.from({ length: Math.min(CLI_CONCURRENCY, queue.length) }, worker));
  if (all) {
    const summary = groupSummary(entries);
    print({ text: summary, blocks: [] }, data);
  }
  const ok = entries.every(
    (e) => e.state === 'ended' && (e.run.status === 'success' || e.run.status === 'partial'),
  );
  return ok && entries.length === starts.length ? 0 : 1;
}

/**
 * Tells `show` each connection's end; with `print` (a single connection) also prints it as Slack would show
 * it (or its data with --json). Progress stays quiet.
 */
function cliReporter(
  print: Print | undefined,
  show: (entry: GroupEntry, data: unknown) => void,
): JobReporter {
  return {
    progress: () => {},
    async finished(run) {
      show({ connection: run.connection, state: 'ended', run: summarize(run) }, run);
      print?.(syncResultMessage(run), run);
    },
    async notStarted(conflict) {
      // The app or another process is syncing it: say who.
      const data = {
        connection: conflict.connection,
        alreadyRunning: {
          connection: conflict.connection,
          since: conflict.since,
          startedBy: conflict.startedBy,
        },
      };
      show(
        {
          connection: conflict.connection,
          state: 'not_started',
          since: conflict.since,
          startedBy: conflict.startedBy,
        },
        data,
      );
      print?.(notice(':hourglass:', conflict.message), data);
    },
  };
}
