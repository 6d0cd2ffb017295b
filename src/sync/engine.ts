/**
 * The sync engine owns correctness: one run per connection at a time, each page's records stored together
 * with the cursor that follows it (one transaction), typed error handling, and a run record for every attempt.
 * A crash at any point resumes from the last committed cursor: the replayed page is upserted by id, so
 * nothing is lost and nothing doubles.
 *
 * "One run per connection" holds across every process sharing the store (the app, the CLI, other workers):
 * a run is a lease in the store (RunLease), taken atomically when it starts, renewed while it lives, and
 * released when it ends. Every page it writes is fenced by it: once its lease has lapsed and another process
 * took the connection over, nothing more of it is written. The map below only answers quickly in-process.
 */
import { randomUUID } from 'node:crypto';
import type { ConnectorContext, Stream } from '../../connectors/types.ts';
import {
  AuthError,
  ConflictError,
  classify,
  errorMessage,
  InvalidDataError,
  RunConflictError,
} from '../errors.ts';
import type { Logger } from '../log.ts';
import { redactText } from '../log.ts';
import { draftsOf, type LedgerRecord, ledgerRecord, recordId } from '../records.ts';
import { backoffDelay, type RetryOptions, realSleep } from '../retry.ts';
import { defaultLease } from '../store/lease.ts';
import type {
  Connection,
  RunLease,
  RunStatus,
  RunTrigger,
  SkippedObject,
  Store,
  StreamCounts,
  SyncRun,
} from '../store/types.ts';
import { keepLease } from './lease-keeper.ts';
import { type BatchOptions, PageBatcher, prefetched } from './page-batcher.ts';

export interface SyncProgress {
  readonly connection: string;
  readonly stream: string;
  readonly recordsSoFar: number;
  readonly startedAt: string;
}

export interface RunRequest {
  readonly connection: string;
  readonly trigger: RunTrigger;
  readonly triggeredBy: string | null;
  /** Only these streams (e.g. a webhook for transactions); all when absent. */
  readonly streams?: readonly string[];
  readonly onProgress?: (progress: SyncProgress) => void;
  readonly signal?: AbortSignal;
}

/** The credentials a run uses, as their sealed ciphertext (`SealedSecret.data`, unchanged by key re-wraps). */
export interface HeldCredentials {
  data: string;
}

/**
 * A rotation the run would save, after a reconnect replaced the credentials it started with: nothing is
 * written (the new credentials stay) and the run stops, cancelled; the next run uses the new ones.
 */
export class CredentialsReplacedError extends Error {
  constructor() {
    super('the connection was reconnected during this run; the next run uses its new credentials');
  }
}

export interface EngineDeps {
  readonly store: Store;
  readonly log: Logger;
  /**
   * The connection's streams, bound to its decrypted credentials. `held` is the run's own record of which
   * credentials it uses (their sealed ciphertext): a rotation the run saves updates it, so the run can tell
   * its credentials from ones a reconnect stored meanwhile.
   */
  readonly streamsFor: (connection: Connection, held: HeldCredentials) => readonly Stream[];
  /** The context of a provider's connector calls (its own settings, the log, the run's signal). */
  readonly connectorContext: (provider: string, signal: AbortSignal | undefined) => ConnectorContext;
  readonly now?: () => Date;
  /** Whole-stream retries from the last committed cursor, after the connector's own request retries. */
  readonly streamRetry?: RetryOptions;
  /** How pages are grouped into transactions (tests use small batches to place crashes precisely). */
  readonly batch?: BatchOptions;
  /** This process's run lease (default: a minute, named after the process); tests shorten it. */
  readonly lease?: RunLease;
}

const MAX_SKIPPED_KEPT = 50;
const DEFAULT_STREAM_RETRY: RetryOptions = {
  attempts: 3,
  baseDelayMs: 2_000,
  maxDelayMs: 30_000,
  maxRateLimitWaitMs: 120_000,
};

export class SyncEngine {
  /** Runs in this process, by connection. The store's `running` runs cover other processes and crashes. */
  private readonly active = new Map<string, { run: SyncRun; done: Promise<SyncRun> }>();

  constructor(private readonly deps: EngineDeps) {}

  activeRun(connection: string): SyncRun | undefined {
    return this.active.get(connection)?.run;
  }

  /** Starts a run and returns it at once; `done` settles when it ends (never rejects). */
  async start(request: RunRequest): Promise<{ run: SyncRun; done: Promise<SyncRun> }> {
    const existing = this.active.get(request.connection);
    if (existing)
      throw new RunConflictError(
        request.connection,
        existing.run.startedAt,
        `${existing.run.triggeredBy ? `by ${existing.run.triggeredBy} ` : ''}in this process`,
      );
    const now = this.deps.now ?? (() => new Date());
    const lease = this.lease;
    const run: SyncRun = {
      id: randomUUID(),
      connection: request.connection,
      trigger: request.trigger,
      triggeredBy: request.triggeredBy,
      startedAt: now().toISOString(),
      endedAt: null,
      status: 'running',
      streams: {},
      errorClass: null,
      errorMessage: null,
      skipped: [],
    };
    let resolveDone!: (run: SyncRun) => void;
    const done = new Promise<SyncRun>((resolve) => {
      resolveDone = resolve;
    });
    // Reserve the slot before any await (the connection lookup included) so two triggers in the same tick
    // cannot both start.
    this.active.set(request.connection, { run, done });
    let connection: Connection | undefined;
    try {
      connection = await this.deps.store.getConnection(request.connection);
      if (!connection) throw new ConflictError(`no connection named ${request.connection}`);
      // Takes the connection's lease across processes, or throws RunConflictError naming the live run.
      await this.deps.store.startRun(run, lease);
    } catch (error) {
      this.active.delete(request.connection);
      throw error;
    }
    const held = keepLease(this.deps, run, lease, request.signal);
    void this.execute(connection, run, { ...request, signal: held.signal })
      // Even when the run's own bookkeeping fails (store gone), the run ends: never an unhandled rejection.
      .catch(async (error: unknown): Promise<SyncRun> => {
        this.deps.log.error('sync run could not be recorded', {
          connection: run.connection,
          runId: run.id,
          error: errorMessage(error),
        });
        const failed: SyncRun = {
          ...run,
          status: 'failed',
          endedAt: now().toISOString(),
          errorClass: classify(error),
          errorMessage: redactText(errorMessage(error)).slice(0, 2000),
        };
        // Once more, to release the lease now; if the store still refuses, the lease lapses on its own.
        await this.deps.store
          .updateRun(run.id, {
            status: failed.status,
            endedAt: failed.endedAt,
            errorClass: failed.errorClass,
            errorMessage: failed.errorMessage,
          })
          .catch(() => undefined);
        return failed;
      })
      .then(resolveDone)
      .finally(() => {
        held.release();
        this.active.delete(request.connection);
      });
    return { run, done };
  }

  private get lease(): RunLease {
    return this.deps.lease ?? defaultLease();
  }

  /** Starts and waits for the end. */
  async run(request: RunRequest): Promise<SyncRun> {
    const { done } = await this.start(request);
    return done;
  }

  /** Waits for every active run to reach a committed page and stop (graceful shutdown). */
  async drain(): Promise<void> {
    await Promise.all([...this.active.values()].map((entry) => entry.done));
  }

  private async execute(connection: Connection, run: SyncRun, request: RunRequest): Promise<SyncRun> {
    const { store, log } = this.deps;
    const counts: Record<string, StreamCounts> = {};
    const skipped: SkippedObject[] = [];
    let skippedTotal = 0;
    let recordsSoFar = 0;
    let status: RunStatus = 'success';
    let failure: unknown = null;
    const heldCredentials: HeldCredentials = { data: connection.credentials.data };
    try {
      const allStreams = this.deps.streamsFor(connection, heldCredentials);
      const streams = allStreams.filter(
        (stream) => request.streams === undefined || request.streams.includes(stream.name),
      );
      const cursors = await Promise.all(allStreams.map((s) => store.getCursor(connection.name, s.name)));
      const firstSync = cursors.every((cursor) => cursor === null);
      for (const stream of streams) {
        if (request.signal?.aborted) throw new CancelledError();
        const streamCounts: StreamCounts = { fetched: 0, inserted: 0, updated: 0, deleted: 0, skipped: 0 };
        counts[stream.name] = streamCounts;
        await this.withStreamRetries(connection.name, stream.name, request.signal, async () => {
          // Names this read: records its cursorless pages store stay provisional until a cursor commits.
          const readId = randomUUID();
          // Under the lease: what a cut-short earlier read left provisional is this read's to keep or remove.
          await store.adoptProvisional(connection.name, stream.name, readId);
          const cursor = await store.getCursor(connection.name, stream.name);
          const ctx = { ...this.deps.connectorContext(connection.provider, request.signal), firstSync };
          const batcher = new PageBatcher(
            {
              connection: connection.name,
              stream: stream.name,
              readId,
              write: (page) => store.applyPage({ ...page, runId: run.id }),
              committed: (result, records) => {
                streamCounts.inserted += result.inserted;
                streamCounts.updated += result.updated;
                streamCounts.deleted += result.deleted;
                recordsSoFar += records;
                request.onProgress?.({
                  connection: connection.name,
                  stream: stream.name,
                  recordsSoFar,
                  startedAt: run.startedAt,
                });
              },
            },
            this.deps.batch,
          );
          try {
            for await (const page of prefetched(stream.read(cursor, ctx))) {
              const records: LedgerRecord[] = [];
              for (const raw of page.objects) {
                streamCounts.fetched++;
                try {
                  const drafts = stream.normalize(raw);
                  for (const draft of draftsOf(drafts)) records.push(ledgerRecord(draft, connection.name));
                } catch (error) {
                  if (!(error instanceof InvalidDataError)) throw error;
                  streamCounts.skipped++;
                  skippedTotal++;
                  const objectId = error.objectId ?? stream.externalId(raw) ?? null;
                  if (skipped.length < MAX_SKIPPED_KEPT)
                    skipped.push({ stream: stream.name, objectId, reason: redactText(error.message) });
                }
              }
              const removedIds = (page.removedIds ?? []).map((id) =>
                recordId(connection.provider, stream.name, id),
              );
              await batcher.add(records, removedIds, page.cursor);
              // Stop between pages when asked to (shutdown, cancel); what was fetched is committed first.
              if (request.signal?.aborted) throw new CancelledError();
            }
          } finally {
            // Whatever ends the read (its end, an error, a stop), what was fetched is kept.
            await batcher.drain();
          }
        });
      }
      if (skippedTotal > 0) status = 'partial';
    } catch (error) {
      failure = error;
      // A stop aborts requests in flight too: whatever they threw, a run stopped on request is cancelled.
      status =
        error instanceof CancelledError ||
        error instanceof CredentialsReplacedError ||
        request.signal?.aborted
          ? 'cancelled'
          : 'failed';
    }
    if (failure instanceof AuthError) {
      const stateReason = redactText(failure.message);
      // Only a refusal of the credentials the store still holds: a reconnect may have replaced the ones this
      // run used while it ran (in any process), and the new ones are not the refused ones.
      await store.modifyConnection(connection.name, (now) =>
        now.credentials.data === heldCredentials.data ? { state: 'needs_reconnect', stateReason } : null,
      );
    } else if (status !== 'failed' && connection.state !== 'active') {
      await store.updateConnection(connection.name, { state: 'active', stateReason: null });
    }
    const finished = await store.updateRun(run.id, {
      status,
      endedAt: (this.deps.now?.() ?? new Date()).toISOString(),
      streams: counts,
      skipped,
      errorClass: failure && status === 'failed' ? classify(failure) : null,
      errorMessage: failure && status === 'failed' ? redactText(errorMessage(failure)).slice(0, 2000) : null,
    });
    log.info('sync run ended', {
      connection: connection.name,
      runId: run.id,
      status,
      trigger: run.trigger,
      records: recordsSoFar,
      ...(finished.errorClass ? { errorClass: finished.errorClass, error: finished.errorMessage } : {}),
    });
    return finished;
  }

  /** Transient and rate-limit failures re-read the stream from its last committed cursor, a bounded number of times. */
  private async withStreamRetries(
    connection: string,
    stream: string,
    signal: AbortSignal | undefined,
    read: () => Promise<void>,
  ): Promise<void> {
    const options = this.deps.streamRetry ?? DEFAULT_STREAM_RETRY;
    const sleep = options.sleep ?? realSleep;
    for (let attempt = 1; ; attempt++) {
      try {
        return await read();
      } catch (error) {
        const kind = classify(error);
        if (
          (kind !== 'transient' && kind !== 'rate_limited') ||
          attempt >= options.attempts ||
          signal?.aborted
        )
          throw error;
        const delayMs = backoffDelay(attempt, options, error);
        this.deps.log.warn('stream failed, resuming from its last committed cursor', {
          connection,
          stream,
          attempt,
          delayMs,
          errorClass: kind,
          error: redactText(errorMessage(error)),
        });
        await sleep(delayMs, signal);
      }
    }
  }
}

class CancelledError extends Error {
  constructor() {
    super('the run was stopped after its last committed page');
  }
}
