/**
 * finsync's use of Agenda: one repeating job per scheduled connection (`scheduled-sync:<name>`, so Agenda's
 * `every` keeps exactly one per name), and one-off `sync-now` jobs for manual, webhook and CLI triggers
 * (webhook ones debounced per connection).
 * Schedules live in the store's jobs (ports/jobs.ts) and survive restarts; the store provides Agenda's backend.
 */
import { Agenda, type AgendaBackend, InMemoryNotificationChannel, type Job } from 'agenda';
import { UserInputError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { DebounceOptions, ScheduleResult, SchedulerPort, SyncJob } from '../services/finsync.ts';
import type { Connection } from '../store/types.ts';
import { describeSchedule, nextRunAfter, parseSchedule, toAgendaRepeat } from './schedule-spec.ts';

export const SYNC_NOW_JOB = 'sync-now';
const SCHEDULED_PREFIX = 'scheduled-sync:';

export interface SchedulerOptions {
  readonly backend: AgendaBackend;
  readonly timezone: string;
  readonly log: Logger;
  readonly runJob: (job: SyncJob, agendaJob: Job) => Promise<void>;
  readonly processEveryMs?: number;
  readonly lockLifetimeMs?: number;
}

export class SyncScheduler implements SchedulerPort {
  private readonly agenda: Agenda;

  constructor(private readonly options: SchedulerOptions) {
    this.agenda = new Agenda({
      backend: options.backend,
      name: `finsync-${process.pid}`,
      // A number of ms: a string such as '500 milliseconds' is misread by Agenda 6 (NOTES.md).
      processEvery: options.processEveryMs ?? 5_000,
      // A running job's lock is extended every half lifetime; that timer can outlive stop() by as much,
      // so keep it modest (a sync longer than this keeps its lock through the extensions).
      defaultLockLifetime: options.lockLifetimeMs ?? 2 * 60_000,
      // One process: jobs saved here are picked up at once instead of at the next poll.
      notificationChannel: new InMemoryNotificationChannel(),
      // One-off sync-now jobs are done once run: keep the jobs table (and status's read of it) small.
      removeOnComplete: true,
    });
    this.agenda.on('error', (error: unknown) =>
      options.log.error('scheduler error', { error: String(error) }),
    );
    this.agenda.define(SYNC_NOW_JOB, (job: Job) => this.handle(job), { concurrency: 4 });
  }

  private async handle(job: Job): Promise<void> {
    const data = job.attrs.data as SyncJob;
    await this.options.runJob(data, job);
  }

  private defineScheduled(connection: string): string {
    const name = `${SCHEDULED_PREFIX}${connection}`;
    this.agenda.define(name, (job: Job) =>
      this.options.runJob(
        { connection, trigger: 'schedule', triggeredBy: null, notify: { kind: 'none' } },
        job,
      ),
    );
    return name;
  }

  /** Defines the handlers of stored schedules, then starts processing. */
  async start(connections: readonly Connection[]): Promise<void> {
    for (const connection of connections) if (connection.schedule) this.defineScheduled(connection.name);
    await this.agenda.start();
  }

  /**
   * Stops taking jobs. Running syncs are not awaited here: the caller aborts them first (they stop after
   * their current page commits) and waits for the engine to drain.
   */
  async stop(): Promise<void> {
    await this.agenda.stop();
  }

  async enqueue(job: SyncJob): Promise<void> {
    await this.agenda.now(SYNC_NOW_JOB, job);
  }

  /**
   * Agenda's `nowDebounced`, keyed by connection, trigger and streams. The key also requires `lastRunAt` to
   * be unset: a job whose run has begun (Agenda saves lastRunAt before calling the handler) is not updated,
   * so an event during a run makes a new job instead of being folded into the running one (whose completion
   * would clear the new due time and remove it). A job merely locked and about to start may still absorb
   * an event: its run reads the provider after the event arrived.
   */
  async enqueueDebounced(job: SyncJob, options: DebounceOptions): Promise<void> {
    await this.agenda.nowDebounced(
      SYNC_NOW_JOB,
      job,
      {
        'data.connection': job.connection,
        'data.trigger': job.trigger,
        'data.streams': job.streams ?? null,
        lastRunAt: null,
      },
      options.debounceMs,
      { maxWait: options.maxWaitMs },
    );
  }

  async setSchedule(connection: string, text: string | null): Promise<ScheduleResult> {
    const name = `${SCHEDULED_PREFIX}${connection}`;
    if (text === null) {
      await this.agenda.cancel({ name });
      return { description: describeSchedule({ kind: 'off' }, this.options.timezone), nextRunAt: null };
    }
    const parsed = parseSchedule(text);
    if (!parsed.ok) throw new UserInputError(`${parsed.message} Usage: ${parsed.usage}`);
    if (parsed.spec.kind === 'off') return this.setSchedule(connection, null);
    const repeat = toAgendaRepeat(parsed.spec, this.options.timezone);
    this.defineScheduled(connection);
    await this.agenda.cancel({ name });
    await this.agenda.every(repeat.interval, name, { connection }, repeat.options);
    return {
      description: describeSchedule(parsed.spec, this.options.timezone),
      nextRunAt: nextRunAfter(parsed.spec, this.options.timezone, new Date()),
    };
  }

  async nextRuns(): Promise<ReadonlyMap<string, Date>> {
    // The stored nextRunAt is the truth: for `every N` it counts from the last run, not from now.
    const result = await this.agenda.queryJobs({});
    const runs = new Map<string, Date>();
    for (const job of result.jobs) {
      if (job.name.startsWith(SCHEDULED_PREFIX) && job.nextRunAt && !job.disabled) {
        runs.set(job.name.slice(SCHEDULED_PREFIX.length), new Date(job.nextRunAt));
      }
    }
    return runs;
  }

  /** Jobs as stored, for tests and `npx finsync`: name, next run, data. */
  async jobs(): Promise<{ name: string; nextRunAt: Date | null; data: unknown }[]> {
    const result = await this.agenda.queryJobs({});
    return result.jobs.map((j) => ({ name: j.name, nextRunAt: j.nextRunAt ?? null, data: j.data }));
  }
}
