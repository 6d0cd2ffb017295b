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
import { CLI_ACTOR } from './security/roles.ts';
import type { SyncJob } from './services/finsync.ts';
import type { JobReporter } from './services/job-lifecycle.ts';

export type Print = (message: SlackMessage, data: unknown) => void;

/** Exit code 0 when every connection synced; 1 when one failed, was cancelled or was already running. */
export async function runSyncCli(core: Core, target: string, print: Print): Promise<number> {
  const accepted: SyncJob[] = [];
  const starts = await core.finsync.syncNow(
    { target, trigger: 'cli', actor: CLI_ACTOR, notify: { kind: 'none' } },
    // The CLI runs what it asks for itself: the jobs stay in this process instead of the scheduler.
    { enqueue: async (job) => void accepted.push(job) },
  );
  const printer = cliReporter(print);
  let failed = 0;
  // Each connection's run is independent: one failure does not stop the others.
  for (const start of starts) {
    const job = accepted.find((j) => j.connection === start.connection);
    if (start.outcome === 'already_running' || !job) {
      failed++;
      if (start.outcome === 'already_running')
        await printer.notStarted(
          new RunConflictError(start.connection, start.since, start.startedBy ?? 'in this process'),
        );
      continue;
    }
    const outcome = await core.jobs.run(job, printer);
    if (outcome.kind === 'conflict' || outcome.run.status === 'failed' || outcome.run.status === 'cancelled')
      failed++;
  }
  return failed > 0 ? 1 : 0;
}

/** Prints each run's result as Slack would show it (or its data with --json); progress stays quiet. */
function cliReporter(print: Print): JobReporter {
  return {
    progress: () => {},
    async finished(run) {
      print(syncResultMessage(run), run);
    },
    async notStarted(conflict) {
      // The app or another process is syncing it: say who.
      print(notice(':hourglass:', conflict.message), {
        connection: conflict.connection,
        alreadyRunning: {
          connection: conflict.connection,
          since: conflict.since,
          startedBy: conflict.startedBy,
        },
      });
    },
  };
}
