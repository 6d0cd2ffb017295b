/**
 * One job lifecycle, the same for every trigger (slash command, Home button, alert Retry, schedule, webhook,
 * CLI): run the job, report its end, publish what it changed to every destination, and hand every run that
 * ended to the incidents. How a job is shown is the caller's port (JobReporter): the Slack reporter, the
 * CLI's printer, or nothing. This module knows no Slack.
 *
 * Failures. Only RunConflictError is "already running": logged at info, the person who asked is told who runs
 * it. Anything else thrown is logged at error level and recorded on a run, so history, status and incidents
 * see it:
 * - the run's record exists and is still running: it is ended as failed (error class and message);
 * - no record yet (the store failed before the engine recorded one): a failed run of its own is recorded,
 *   unless the connection is gone (nothing to attach it to) or another run of it is live (a failed record
 *   started later would stand as the connection's latest result over that run, even after it succeeds);
 * - a publish that throws is recorded on its destination, as the failed publish run it is: a publish is
 *   always the destination's own run (its failures already land there), and the source run stays true to
 *   what the sync did;
 * - a reporter that throws is logged and the job goes on: publishing and incidents never wait on Slack.
 */
import { randomUUID } from 'node:crypto';
import { classify, errorMessage, RunConflictError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { redactText } from '../log.ts';
import { describeStarter, type RunTrigger, type Store, type SyncRun } from '../store/types.ts';
import type { Finsync, RunHooks, SyncJob } from './finsync.ts';
import type { Publishing } from './publishing.ts';

/** How a job's progress and end are shown; every method may be a no-op. */
export interface JobReporter {
  /** The job's run is recorded and running; must return at once (it runs inside the sync). */
  started?(run: SyncRun): void;
  /** Called after each committed page; must return at once (it runs inside the sync). */
  progress(recordsSoFar: number, startedAt: string): void;
  /** The job's run ended (a failure the lifecycle recorded included). */
  finished(run: SyncRun): Promise<void>;
  /** The run did not start: another run of the connection holds its lease (in any process). */
  notStarted(conflict: RunConflictError): Promise<void>;
}

/** Scheduled and webhook jobs show nothing: their results reach people through status, history and alerts. */
export const SILENT_REPORTER: JobReporter = {
  progress: () => {},
  finished: async () => {},
  notStarted: async () => {},
};

export type JobOutcome =
  | {
      readonly kind: 'ended';
      /** The job's run as recorded; a failure that could not be recorded is described all the same. */
      readonly run: SyncRun;
      readonly recorded: boolean;
      /** The publish runs that followed it, one per destination that was not busy. */
      readonly published: readonly SyncRun[];
    }
  | { readonly kind: 'conflict'; readonly conflict: RunConflictError };

export interface JobLifecycleDeps {
  readonly store: Store;
  readonly finsync: Pick<Finsync, 'runJob'>;
  readonly publishing: Pick<Publishing, 'destinations' | 'isDestination' | 'publish'>;
  readonly log: Logger;
  /** The incidents' bookkeeping of every run that ended. */
  readonly onRunEnded: (run: SyncRun) => Promise<void>;
  /** Aborted at shutdown: running syncs and publishes stop after their current page commits. */
  readonly signal: AbortSignal;
  readonly now: () => Date;
}

/** Who a run is for: the job's own run, or a publish that follows it. */
interface RunTarget {
  readonly connection: string;
  readonly trigger: RunTrigger;
  readonly triggeredBy: string | null;
}

type Attempt =
  | { readonly kind: 'ended'; readonly run: SyncRun; readonly recorded: boolean }
  | { readonly kind: 'conflict'; readonly conflict: RunConflictError };

export class JobLifecycle {
  /** Jobs of this process still going (a sync, its report, its publishes), for a graceful stop to wait on. */
  private readonly inFlight = new Set<Promise<JobOutcome>>();

  constructor(private readonly deps: JobLifecycleDeps) {}

  /** Runs a job to its end; never throws (every failure is logged and, where it can be, recorded). */
  run(job: SyncJob, reporter: JobReporter = SILENT_REPORTER): Promise<JobOutcome> {
    const running = this.lifecycle(job, reporter);
    this.inFlight.add(running);
    void running.finally(() => this.inFlight.delete(running));
    return running;
  }

  /** Waits for this process's jobs to end (at shutdown, after the signal stopped them at a committed page). */
  async drain(): Promise<void> {
    await Promise.all([...this.inFlight]);
  }

  private async lifecycle(job: SyncJob, reporter: JobReporter): Promise<JobOutcome> {
    const { log } = this.deps;
    const hooks: RunHooks = {
      onProgress: (recordsSoFar, startedAt) => {
        try {
          reporter.progress(recordsSoFar, startedAt);
        } catch (error) {
          this.reporterFailed(job.connection, error);
        }
      },
    };
    const attempt = await this.attempt('sync job', job, (onStarted) =>
      this.deps.finsync.runJob(
        job,
        {
          ...hooks,
          onStarted: (run) => {
            onStarted(run);
            try {
              reporter.started?.(run);
            } catch (error) {
              this.reporterFailed(job.connection, error);
            }
          },
        },
        this.deps.signal,
      ),
    );
    if (attempt.kind === 'conflict') {
      log.info('sync job not run: already running', {
        connection: job.connection,
        trigger: job.trigger,
        reason: attempt.conflict.message,
      });
      await this.report(job.connection, () => reporter.notStarted(attempt.conflict));
      return attempt;
    }
    await this.report(job.connection, () => reporter.finished(attempt.run));
    const published = attempt.recorded ? await this.publishAfter(attempt.run) : [];
    return { ...attempt, published };
  }

  /** After a source sync that changed the ledger, publishes to every destination (each its own run). */
  private async publishAfter(source: SyncRun): Promise<SyncRun[]> {
    if (source.status !== 'success' && source.status !== 'partial') return [];
    // Stopping: a publish now would only be cancelled; the next sync's publish sends these changes.
    if (this.deps.signal.aborted) return [];
    const changed = Object.values(source.streams).some((c) => c.inserted + c.updated + c.deleted > 0);
    if (!changed) return [];
    const { store, publishing, log } = this.deps;
    let destinations: Awaited<ReturnType<typeof publishing.destinations>>;
    try {
      const connection = await store.getConnection(source.connection);
      // A destination's own job is a publish: nothing follows it.
      if (!connection || publishing.isDestination(connection)) return [];
      destinations = await publishing.destinations();
    } catch (error) {
      // No destination is known to record it on; the next publish sends every change not yet published.
      log.error('publish after a sync failed: the destinations could not be read', {
        connection: source.connection,
        runId: source.id,
        errorClass: classify(error),
        error: redactText(errorMessage(error)),
      });
      return [];
    }
    const runs: SyncRun[] = [];
    for (const destination of destinations) {
      const target = {
        connection: destination.name,
        trigger: source.trigger,
        triggeredBy: source.triggeredBy,
      };
      const attempt = await this.attempt('publish', target, (onStarted) =>
        publishing.publish(destination, {
          trigger: source.trigger,
          triggeredBy: source.triggeredBy,
          signal: this.deps.signal,
          onStarted,
        }),
      );
      if (attempt.kind === 'conflict') {
        // That publish, or the next one, carries these changes.
        log.info('destination is being published by another run', {
          connection: destination.name,
          reason: attempt.conflict.message,
        });
        continue;
      }
      runs.push(attempt.run);
    }
    return runs;
  }

  /** One run (a sync or a publish): what it throws, beyond a conflict, is logged and recorded on a run. */
  private async attempt(
    what: 'sync job' | 'publish',
    target: RunTarget,
    start: (onStarted: (run: SyncRun) => void) => Promise<SyncRun>,
  ): Promise<Attempt> {
    const startedAt = this.deps.now().toISOString();
    const started: { record?: SyncRun } = {};
    let ended: Attempt;
    try {
      ended = {
        kind: 'ended',
        run: await start((run) => {
          started.record = run;
        }),
        recorded: true,
      };
    } catch (error) {
      if (error instanceof RunConflictError) return { kind: 'conflict', conflict: error };
      this.deps.log.error(`${what} failed`, {
        connection: target.connection,
        trigger: target.trigger,
        ...(started.record ? { runId: started.record.id } : {}),
        errorClass: classify(error),
        error: redactText(errorMessage(error)),
      });
      ended = { kind: 'ended', ...(await this.recordFailure(target, started.record, startedAt, error)) };
    }
    if (ended.recorded) await this.toIncidents(ended.run);
    return ended;
  }

  /** Ends the run's running record as failed, or records a failed run where none exists (see the header). */
  private async recordFailure(
    target: RunTarget,
    record: SyncRun | undefined,
    startedAt: string,
    error: unknown,
  ): Promise<{ run: SyncRun; recorded: boolean }> {
    const { store, log } = this.deps;
    const failure = {
      status: 'failed',
      endedAt: this.deps.now().toISOString(),
      errorClass: classify(error),
      errorMessage: redactText(errorMessage(error)).slice(0, 2000),
    } as const;
    const attempt: SyncRun = record
      ? { ...record, ...failure }
      : { id: randomUUID(), ...target, startedAt, streams: {}, skipped: [], ...failure };
    try {
      // Only a running record changes: one that ended meanwhile is returned as it was stored.
      if (record) return { run: await store.updateRun(record.id, failure), recorded: true };
      const reason = await this.unrecordable(target.connection);
      if (reason) {
        log.error('failure not recorded as a run', { connection: target.connection, reason });
        return { run: attempt, recorded: false };
      }
      await store.startRun(attempt);
      return { run: attempt, recorded: true };
    } catch (recordError) {
      log.error('failure could not be recorded as a run', {
        connection: target.connection,
        error: redactText(errorMessage(recordError)),
      });
      return { run: attempt, recorded: false };
    }
  }

  /** Why a failed run must not be added for this connection, or null. */
  private async unrecordable(connection: string): Promise<string | null> {
    if (!(await this.deps.store.getConnection(connection))) return 'the connection no longer exists';
    const live = await this.deps.store.activeRun(connection);
    return live ? `another run of it is live (started ${describeStarter(live)})` : null;
  }

  private async toIncidents(run: SyncRun): Promise<void> {
    try {
      await this.deps.onRunEnded(run);
    } catch (error) {
      this.deps.log.error('incidents could not take a run that ended', {
        connection: run.connection,
        runId: run.id,
        error: redactText(errorMessage(error)),
      });
    }
  }

  /** Shows something through the caller's port; its failure is logged, never the job's. */
  private async report(connection: string, show: () => Promise<void>): Promise<void> {
    try {
      await show();
    } catch (error) {
      this.reporterFailed(connection, error);
    }
  }

  private reporterFailed(connection: string, error: unknown): void {
    this.deps.log.error('the sync reporter failed; the job goes on', {
      connection,
      error: redactText(errorMessage(error)),
    });
  }
}
