/**
 * Shows a `sync all` asked for in Slack as one message, edited in place through the command's response_url.
 * The group's state is in the store (services/sync-groups.ts), so the process that runs a job, whichever it
 * is, records its connection there and then tries to report: it claims a report when one is due (the store
 * rations them to Slack's 5 posts per response_url), renders the group as stored at that moment and posts
 * it with `replace_original`. A report that is not due yet is retried in this process once it is; the final
 * one (every connection ended) always has a post left.
 */
import { errorMessage } from '../errors.ts';
import type { Logger } from '../log.ts';
import { syncGroupMessage } from '../messages/sync-group.ts';
import type { SyncJob } from '../services/finsync.ts';
import type { JobReporter } from '../services/job-lifecycle.ts';
import { type GroupEntry, type SyncGroups, summarize } from '../services/sync-groups.ts';

/** Records so far are written to the group at most this often per job (it is shown at the next report). */
export const GROUP_PROGRESS_WRITE_MS = 2_000;

export interface GroupReporterDeps {
  readonly groups: SyncGroups;
  readonly log: Logger;
  /** POSTs a JSON body to a response_url. */
  readonly postToResponseUrl: (url: string, body: unknown) => Promise<void>;
  readonly now?: () => number;
}

export class SyncGroupReporter {
  constructor(private readonly deps: GroupReporterDeps) {}

  /** The job lifecycle's reporter for a job of group `group` asked for through `url`. */
  reporter(job: SyncJob, group: string, url: string): JobReporter {
    const now = this.deps.now ?? Date.now;
    let lastWrite = 0;
    let writing: Promise<unknown> = Promise.resolve();
    const record = (entry: GroupEntry): Promise<unknown> => {
      writing = writing
        .then(() => this.deps.groups.update(group, entry))
        .catch((error: unknown) => {
          this.deps.log.warn('sync group not updated', {
            group,
            connection: job.connection,
            error: errorMessage(error),
          });
        });
      return writing;
    };
    const running = (startedAt: string, recordsSoFar: number) =>
      void record({ connection: job.connection, state: 'running', startedAt, recordsSoFar });
    return {
      started: (run) => running(run.startedAt, 0),
      progress(recordsSoFar, startedAt) {
        if (now() - lastWrite < GROUP_PROGRESS_WRITE_MS) return;
        lastWrite = now();
        running(startedAt, recordsSoFar);
      },
      finished: async (run) => {
        await record({ connection: job.connection, state: 'ended', run: summarize(run) });
        await this.report(group, url);
      },
      notStarted: async (conflict) => {
        await record({
          connection: job.connection,
          state: 'not_started',
          since: conflict.since,
          startedBy: conflict.startedBy,
        });
        await this.report(group, url);
      },
    };
  }

  /**
   * Posts the group's message if a report is due; when one will be due later (an interval, another post in
   * flight), tries again then. Never throws.
   */
  async report(group: string, url: string): Promise<void> {
    const { groups, log } = this.deps;
    try {
      for (;;) {
        const decision = await groups.claimReport(group);
        if (decision.kind === 'none') return;
        if (decision.kind === 'wait') {
          setTimeout(() => void this.report(group, url), decision.ms + 50).unref();
          return;
        }
        const message = syncGroupMessage(decision.group);
        const body = {
          response_type: 'ephemeral',
          replace_original: true,
          text: message.text,
          blocks: message.blocks,
        };
        try {
          await this.post(url, body, decision.final);
        } finally {
          await groups.releaseReport(group, decision.token);
        }
      }
    } catch (error) {
      log.warn('sync group message not updated', { group, error: errorMessage(error) });
    }
  }

  /** The final report is retried once; an intermediate one is best effort (the next report carries it). */
  private async post(url: string, body: unknown, final: boolean): Promise<void> {
    try {
      await this.deps.postToResponseUrl(url, body);
    } catch (error) {
      if (!final) throw error;
      await this.deps.postToResponseUrl(url, body);
    }
  }
}
