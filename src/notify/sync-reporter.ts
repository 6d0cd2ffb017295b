/**
 * Shows a manual sync's progress and result where it was asked for. Through a response_url Slack allows
 * 5 posts in 30 minutes: the "started" reply used one, so progress gets at most 2 (spaced out) and the
 * result always has one left. Progress is best effort; the result is retried once.
 */
import type { RunConflictError } from '../errors.ts';
import { lightFetch } from '../light-fetch.ts';
import type { Logger } from '../log.ts';
import type { SlackMessage } from '../messages/blocks.ts';
import { syncProgressMessage, syncResultMessage, syncStartedMessage } from '../messages/sync.ts';
import type { NotifyTarget } from '../services/finsync.ts';
import type { JobReporter } from '../services/job-lifecycle.ts';
import type { SyncRun } from '../store/types.ts';

export const PROGRESS_POSTS = 2;
export const PROGRESS_INTERVAL_MS = 5_000;

export interface ReporterDeps {
  readonly log: Logger;
  /** POSTs a JSON body to a response_url. */
  readonly postToResponseUrl: (url: string, body: unknown) => Promise<void>;
  readonly refreshHome: (userId: string) => Promise<void>;
  readonly now?: () => number;
}

/** The job lifecycle's reporter for a job asked for in Slack: answers where it was asked. */
export function syncReporter(deps: ReporterDeps, target: NotifyTarget, connection: string): JobReporter {
  const now = deps.now ?? Date.now;
  let postsLeft = PROGRESS_POSTS;
  let lastPost = now();
  let inFlight: Promise<void> = Promise.resolve();
  const replace = (message: SlackMessage) => ({
    response_type: 'ephemeral',
    replace_original: true,
    text: message.text,
    blocks: message.blocks,
  });

  return {
    progress(recordsSoFar, startedAt) {
      if (target.kind !== 'response_url' || postsLeft === 0 || now() - lastPost < PROGRESS_INTERVAL_MS)
        return;
      postsLeft--;
      lastPost = now();
      inFlight = deps
        .postToResponseUrl(target.url, replace(syncProgressMessage(connection, recordsSoFar, startedAt)))
        .catch((error: unknown) => {
          deps.log.warn('progress update not delivered', { connection, error: String(error) });
        });
    },
    async notStarted(conflict: RunConflictError) {
      if (target.kind === 'home') return deps.refreshHome(target.userId);
      if (target.kind !== 'response_url') return;
      const message = syncStartedMessage([
        {
          connection,
          outcome: 'already_running',
          since: conflict.since,
          startedBy: conflict.startedBy,
        },
      ]);
      await deps.postToResponseUrl(target.url, replace(message)).catch((error: unknown) => {
        deps.log.warn('sync answer not delivered to Slack', { connection, error: String(error) });
      });
    },
    async finished(run: SyncRun) {
      await inFlight;
      if (target.kind === 'home') return deps.refreshHome(target.userId);
      if (target.kind !== 'response_url') return;
      const body = replace(syncResultMessage(run));
      try {
        await deps.postToResponseUrl(target.url, body);
      } catch {
        try {
          await deps.postToResponseUrl(target.url, body);
        } catch (error) {
          deps.log.warn('sync result not delivered to Slack', { connection, error: String(error) });
        }
      }
    },
  };
}

/** POST JSON to a Slack response_url; Slack answers 200 on success. */
export async function postJson(url: string, body: unknown): Promise<void> {
  const response = await lightFetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  if (!response.ok) throw new Error(`response_url answered ${response.status}`);
}
